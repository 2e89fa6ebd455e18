package node

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/noded/noded/client"
	counter "github.com/noded/noded/contracts/examples/counter-wat"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

const devnetChainID = "noded-devnet"

// devnetUser sends transactions from one dev key to one devnet node.
func devnetUser(t *testing.T, ctx context.Context, c *client.Client, key int) *contractUser {
	t.Helper()
	k := DevKey(key)
	nonce, err := c.NextNonce(ctx, types.AddressOf(k.Public()))
	if err != nil {
		t.Fatal(err)
	}
	return &contractUser{t: t, c: c, key: k, nonce: nonce}
}

// waitSnapshot waits until the node offers a snapshot above height and
// returns the newest.
func waitSnapshot(t *testing.T, ctx context.Context, c *client.Client, above uint64) rpc.RPCSnapshot {
	t.Helper()
	for {
		var snaps []rpc.RPCSnapshot
		if err := c.Call(ctx, &snaps, "snap_list"); err != nil {
			t.Fatal(err)
		}
		if len(snaps) > 0 && snaps[0].Offered && uint64(snaps[0].Height) > above {
			return snaps[0]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no snapshot above height %d offered: %+v", above, snaps)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// queryCounter returns the counter's value on a node.
func queryCounter(t *testing.T, ctx context.Context, c *client.Client, contract types.Address) []byte {
	t.Helper()
	q, err := c.ContractCall(ctx, rpc.CallArgs{To: contract, Method: counter.MethodGet}, rpc.LatestBlock)
	if err != nil || q.Error != "" {
		t.Fatalf("query: %+v %v", q, err)
	}
	return q.ReturnData
}

// snapshotEntries is the size of the state that TestSnapshotSyncJoins
// builds; NODED_SNAPSHOT_ENTRIES makes it bigger.
func snapshotEntries() int {
	if s := os.Getenv("NODED_SNAPSHOT_ENTRIES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 50_000
}

// TestSnapshotSyncJoins runs a 4-node devnet past several snapshot
// intervals with more than 50,000 state entries and a contract; a fifth
// node joins by snapshot sync, reaches the head with the same state root,
// follows new blocks, and answers queries, the contract's included.
func TestSnapshotSyncJoins(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test")
	}
	dir := t.TempDir()
	const interval = 20
	if _, err := InitDevnet(dir, DevnetOptions{Nodes: 4, BlockTime: 250 * time.Millisecond, Now: time.Now().Add(-time.Hour),
		SnapshotInterval: interval}); err != nil {
		t.Fatal(err)
	}
	entries := snapshotEntries()
	const txsPer = 500
	blocks := (entries + txsPer - 1) / txsPer
	start := time.Now()
	fillDevnet(t, dir, 4, blocks, txsPer)
	t.Logf("filled %d blocks of %d transfers to new accounts in %v", blocks, txsPer, time.Since(start).Round(time.Millisecond))
	if _, err := AddDevnetNode(dir); err != nil {
		t.Fatal(err)
	}
	movePorts(t, dir, 5)
	var nodes []*testNode
	for i := range 4 {
		nodes = append(nodes, startNetNode(t, dir, i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	waitAgree(t, ctx, nodes, uint64(blocks)+1)

	// A contract, deployed and used before the snapshot.
	alice := devnetUser(t, ctx, nodes[0].c, 0)
	rc, _ := alice.send(ctx, client.NewDeploy(devnetChainID, 0, counter.Wasm, u64(40), types.Amount{}, 0, 1))
	if rc.Status != rpc.ReceiptStatusSuccess || rc.ContractAddress == nil {
		t.Fatalf("deploy: %+v", rc)
	}
	contract := *rc.ContractAddress
	for range 2 {
		if rc, _ := alice.send(ctx, client.NewCall(devnetChainID, 0, contract, counter.MethodIncrement, nil, types.Amount{}, 0, 1)); rc.Status != rpc.ReceiptStatusSuccess {
			t.Fatalf("increment: %+v", rc)
		}
	}
	snap := waitSnapshot(t, ctx, nodes[0].c, uint64(rc.BlockNumber))
	t.Logf("node0 offers a snapshot of block %d: %d chunks, %d entries, %d bytes", uint64(snap.Height), uint64(snap.Chunks),
		uint64(snap.Entries), uint64(snap.Size))
	if uint64(snap.Entries) < uint64(entries) {
		t.Fatalf("snapshot of %d entries, want at least %d", uint64(snap.Entries), entries)
	}

	// The fifth node joins by snapshot sync.
	joiner := startNetNodeWith(t, dir, 4, func(c *Config) { c.Sync = SyncSnapshot })
	all := append(nodes[:4:4], joiner)
	head := nodes[0].n.Head().Height
	waitAgree(t, ctx, all, head)
	base, err := joiner.n.db.HistoryBase()
	if err != nil || base < uint64(snap.Height) {
		t.Fatalf("the joiner's history starts at %d (%v): it did not restore the snapshot of %d", base, err, uint64(snap.Height))
	}
	if b, err := joiner.c.BlockByNumber(ctx, rpc.BlockAt(1), false); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("the joiner has block 1: %v %v", b, err)
	}
	// History below the snapshot is not there, and says so.
	if _, err := joiner.c.Events(ctx, rpc.EventQueryArgs{FromBlock: rpc.BlockAt(0), ToBlock: rpc.LatestBlock}); !errors.Is(err, rpc.ErrStateUnavailable) {
		t.Fatalf("events from the genesis on the joiner: %v", err)
	}
	if _, err := joiner.c.Account(ctx, fillAddr(0), rpc.BlockAt(base-1)); !errors.Is(err, rpc.ErrStateUnavailable) {
		t.Fatalf("state below the snapshot on the joiner: %v", err)
	}
	if bad, badMan := joiner.n.snapSync.counts(); bad != 0 || badMan != 0 {
		t.Fatalf("%d bad chunks and %d bad manifests from honest peers", bad, badMan)
	}

	// Queries on the joiner: accounts from the fill, the contract.
	acc, err := joiner.c.Account(ctx, fillAddr(entries-1), rpc.LatestBlock)
	if err != nil || amt(acc.Balance).Uint64() != 1 {
		t.Fatalf("a filled account on the joiner: %+v %v", acc, err)
	}
	if v := queryCounter(t, ctx, joiner.c, contract); !bytes.Equal(v, u64(42)) {
		t.Fatalf("counter on the joiner: %x", v)
	}
	// A transaction sent to the joiner runs the contract everywhere.
	bob := devnetUser(t, ctx, joiner.c, 1)
	rc, _ = bob.send(ctx, client.NewCall(devnetChainID, 0, contract, counter.MethodIncrement, nil, types.Amount{}, 0, 1))
	if rc.Status != rpc.ReceiptStatusSuccess || !bytes.Equal(rc.ReturnData, u64(43)) {
		t.Fatalf("increment through the joiner: %+v", rc)
	}
	if evs, err := joiner.c.Events(ctx, rpc.EventQueryArgs{FromBlock: rpc.BlockAt(base + 1), ToBlock: rpc.LatestBlock}); err != nil || len(evs) == 0 {
		t.Fatalf("events after the snapshot on the joiner: %d %v", len(evs), err)
	}
	// It follows new blocks: every node agrees further on.
	waitAgree(t, ctx, all, uint64(rc.BlockNumber)+3)
	for i, tn := range all {
		if v := queryCounter(t, ctx, tn.c, contract); !bytes.Equal(v, u64(43)) {
			t.Fatalf("node %d: counter %x", i, v)
		}
	}
	// And it takes snapshots of its own.
	waitSnapshot(t, ctx, joiner.c, uint64(snap.Height))
}
