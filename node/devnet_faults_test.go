package node

import (
	"testing"
	"time"

	"github.com/noded/noded/types"
)

// TestDevnetValidatorDownAndBack stops one of four validators: the chain
// goes on without its slots; restarted on the same home, it catches up by
// block sync and agrees with the others.
func TestDevnetValidatorDownAndBack(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test")
	}
	dir, nodes := startDevnet(t, 4, 200*time.Millisecond)
	ctx := ctxT(t)
	waitAgree(t, ctx, nodes, 3)
	nodes[3].stop()
	stoppedAt := nodes[3].n.Head().Height
	live := nodes[:3]
	// Transactions still land while it is down.
	tx := signedTransfer(DevKey(0), "noded-devnet", 0, types.Address{0xcc}, 7, 1)
	if _, err := live[0].c.SendTx(ctx, tx); err != nil {
		t.Fatal(err)
	}
	for _, tn := range live {
		if _, err := tn.c.WaitReceipt(ctx, tx.Hash(), 20*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	waitAgree(t, ctx, live, stoppedAt+8)
	// Its slots were skipped: no block of the stopped validator above the
	// height where it stopped.
	gone := nodes[3].n.key.Public()
	for h := stoppedAt + 2; h <= stoppedAt+8; h++ {
		blk, err := live[0].n.db.BlockByHeight(h)
		if err != nil {
			t.Fatal(err)
		}
		if blk.Header.Proposer == gone {
			t.Fatalf("block %d was proposed by the stopped validator", h)
		}
	}
	// Back on the same home: it syncs and follows.
	nodes[3] = startNetNode(t, dir, 3)
	waitAgree(t, ctx, nodes, stoppedAt+12)
	if _, err := nodes[3].c.Receipt(ctx, tx.Hash()); err != nil {
		t.Fatalf("restarted node lacks a receipt from while it was down: %v", err)
	}
}
