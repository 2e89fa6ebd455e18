package node

import (
	"context"
	"testing"
	"time"

	"github.com/noded/noded/p2p"
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

// TestDevnetPartitionHeals splits four validators 2/2: both sides go on,
// but nothing past the split becomes final. After healing, one chain wins,
// the other side reorgs, nothing finalized is lost, and the transactions
// acknowledged on the losing side are included.
func TestDevnetPartitionHeals(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test")
	}
	_, nodes := startDevnet(t, 4, 200*time.Millisecond)
	ctx := ctxT(t)
	waitAgree(t, ctx, nodes, 4)
	split := func(block bool) {
		for _, a := range nodes {
			for _, b := range nodes {
				if (a.n.net == b.n.net) || (indexOf(nodes, a) < 2) == (indexOf(nodes, b) < 2) {
					continue
				}
				if block {
					a.n.net.host.Block(b.n.net.host.ID())
				} else {
					a.n.net.host.Unblock(b.n.net.host.ID())
				}
			}
		}
	}
	split(true)
	splitHeight := nodes[0].n.Head().Height
	finalBefore := make([]types.Hash, len(nodes))
	for i, tn := range nodes {
		fin := tn.n.net.finalized.Load()
		h, err := tn.n.db.HashByHeight(fin)
		if err != nil {
			t.Fatal(err)
		}
		finalBefore[i] = h
	}
	// One transaction acknowledged on each side.
	txA := signedTransfer(DevKey(0), "noded-devnet", 0, types.Address{0xdd}, 1, 1)
	txB := signedTransfer(DevKey(1), "noded-devnet", 0, types.Address{0xdd}, 2, 1)
	for _, p := range []struct {
		tn *testNode
		tx *types.Tx
	}{{nodes[0], txA}, {nodes[2], txB}} {
		if _, err := p.tn.c.SendTx(ctx, p.tx); err != nil {
			t.Fatal(err)
		}
		if _, err := p.tn.c.WaitReceipt(ctx, p.tx.Hash(), 20*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	// Both sides grow; neither finalizes past the split.
	waitAgree(t, ctx, nodes[:2], splitHeight+6)
	waitAgree(t, ctx, nodes[2:], splitHeight+6)
	for i, tn := range nodes {
		if fin := tn.n.net.finalized.Load(); fin > splitHeight+1 {
			t.Fatalf("node %d finalized %d during a 2/2 split at height %d", i, fin, splitHeight)
		}
	}
	// Heal.
	split(false)
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				_ = a.n.net.host.Connect(ctx, b.n.net.host.Addrs()[0])
			}
		}
	}
	waitAgree(t, ctx, nodes, nodes[0].n.Head().Height+4)
	var reverted uint64
	for _, tn := range nodes {
		reverted += tn.n.net.reverted.Load()
	}
	if reverted == 0 {
		t.Fatal("no node reverted a block: the sides did not fork, so the test proved nothing")
	}
	t.Logf("%d blocks reverted across the losing side", reverted)
	for i, tn := range nodes {
		for _, tx := range []*types.Tx{txA, txB} {
			if _, err := tn.c.WaitReceipt(ctx, tx.Hash(), 20*time.Millisecond); err != nil {
				t.Fatalf("node %d: acknowledged tx %s lost: %v", i, tx.Hash(), err)
			}
		}
		hdr, err := tn.n.db.HeaderByHash(finalBefore[i])
		if err != nil {
			t.Fatal(err)
		}
		h, err := tn.n.db.HashByHeight(hdr.Height)
		if err != nil || h != finalBefore[i] {
			t.Fatalf("node %d: block final before the split is no longer canonical", i)
		}
	}
}

func indexOf(nodes []*testNode, tn *testNode) int {
	for i, x := range nodes {
		if x == tn {
			return i
		}
	}
	return -1
}

// liarHandler is the p2p side of a peer that claims the right chain and
// sends garbage.
type liarHandler struct{ st p2p.Status }

func (l liarHandler) Status() p2p.Status                      { return l.st }
func (liarHandler) CheckBlock(p2p.PeerID, []byte) p2p.Verdict { return p2p.Accept }
func (liarHandler) HandleBlock(p2p.PeerID, []byte)            {}
func (liarHandler) CheckTxs(p2p.PeerID, [][]byte) p2p.Verdict { return p2p.Accept }
func (liarHandler) HandleTxs(p2p.PeerID, [][]byte)            {}
func (liarHandler) Blocks(uint64, uint64) ([][]byte, error)   { return nil, nil }
func (liarHandler) PeerStatus(p2p.PeerID, p2p.Status)         {}

// TestDevnetMaliciousPeer connects a peer that gossips blocks and
// transactions with bad signatures: the nodes reject them, score it down
// and disconnect it, and the chain is unaffected.
func TestDevnetMaliciousPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test")
	}
	_, nodes := startDevnet(t, 4, 200*time.Millisecond)
	ctx := ctxT(t)
	waitAgree(t, ctx, nodes, 3)
	victim := nodes[0].n
	liar, err := p2p.New(p2p.Config{ChainID: victim.ChainID(), GenesisHash: victim.GenesisHash(),
		ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Bootstrap: []string{victim.net.host.Addrs()[0]}},
		liarHandler{st: handler{victim}.Status()})
	if err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go liar.Run(lctx)
	connected := func() bool {
		for _, p := range victim.net.host.Peers() {
			if p.ID == liar.ID() {
				return true
			}
		}
		return false
	}
	for !connected() {
		select {
		case <-ctx.Done():
			t.Fatal("the peer never connected")
		case <-time.After(20 * time.Millisecond):
		}
	}
	good, err := victim.db.BlockByHeight(victim.Head().Height)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; connected(); i++ {
		bad := *good
		bad.Header.Height += uint64(i + 1)
		bad.Header.Sig[0] ^= 0xff
		_ = liar.PublishBlock(ctx, bad.Encode())
		tx := signedTransfer(DevKey(0), victim.ChainID(), uint64(i), types.Address{1}, 1, 1)
		tx.Sig[1] ^= 0xff
		_ = liar.PublishTxs(ctx, [][]byte{tx.Encode()})
		select {
		case <-ctx.Done():
			t.Fatal("the lying peer was never disconnected")
		case <-time.After(50 * time.Millisecond):
		}
	}
	// The honest network carried on.
	waitAgree(t, ctx, nodes, victim.Head().Height+3)
	if st := victim.pool.Stats(); st.Pending+st.Queued != 0 {
		t.Fatalf("badly signed transactions reached the mempool: %+v", st)
	}
}
