package node

import (
	crand "crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// fillChain writes blocks of signed transfers into node0's store of the
// devnet in dir, as if it had produced them in past slots.
func fillChain(tb testing.TB, dir string, blocks, txsPer int) {
	tb.Helper()
	home := NodeHome(dir, 0)
	gj, err := os.ReadFile(filepath.Join(home, "genesis.json"))
	if err != nil {
		tb.Fatal(err)
	}
	g, err := chain.ParseGenesis(gj)
	if err != nil {
		tb.Fatal(err)
	}
	ks, err := keystore.Open(filepath.Join(home, "keystore"))
	if err != nil {
		tb.Fatal(err)
	}
	vk, err := ks.Get(ValidatorKeyName)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(filepath.Join(home, "data"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	gblk, gres, err := g.Block()
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.InitGenesis(gj, gblk, gres); err != nil {
		tb.Fatal(err)
	}
	exec, err := chain.NewExecutor(g.Config(), chain.ExecOptions{Workers: 2, Rand: crand.Reader})
	if err != nil {
		tb.Fatal(err)
	}
	root, err := db.LoadRoot()
	if err != nil {
		tb.Fatal(err)
	}
	head := gblk.Header
	nonces := make([]uint64, DefaultDevAccounts)
	for b := range blocks {
		txs := make([]*types.Tx, txsPer)
		for j := range txs {
			from := j % DefaultDevAccounts
			txs[j] = signedTransfer(DevKey(from), g.ChainID, nonces[from], types.Address{byte(j)}, 1, 1)
			nonces[from]++
		}
		slot := g.Time/g.SlotMillis + uint64(b) + 1
		blk, res, inv, err := exec.BuildBlock(&head, db, root, chain.BlockSpec{Slot: slot, Time: slot * g.SlotMillis, Key: vk.Private}, txs)
		if err != nil || len(inv) != 0 {
			tb.Fatalf("build: %v %v", err, inv)
		}
		if err := db.CommitBlock(blk, res); err != nil {
			tb.Fatal(err)
		}
		root.Apply(res.Buckets)
		head = blk.Header
	}
}

// BenchmarkBlockSyncCatchUp measures how fast a new node replays a chain
// by block sync: node0 holds blocks of transfers, node1 joins and catches
// up, validating every block as if gossiped.
func BenchmarkBlockSyncCatchUp(b *testing.B) {
	const blocks, txsPer = 200, 500
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		if _, err := InitDevnet(dir, DevnetOptions{Nodes: 1, BlockTime: 500 * time.Millisecond, Now: time.Now().Add(-time.Hour)}); err != nil {
			b.Fatal(err)
		}
		fillChain(b, dir, blocks, txsPer)
		if _, err := AddDevnetNode(dir); err != nil {
			b.Fatal(err)
		}
		movePorts(b, dir, 2)
		src := startNetNode(b, dir, 0)
		b.StartTimer()
		start := time.Now()
		dst := startNetNode(b, dir, 1)
		for dst.n.Head().Height < blocks {
			if time.Since(start) > 5*time.Minute {
				b.Fatalf("catch-up stalled at %d of %d", dst.n.Head().Height, blocks)
			}
			time.Sleep(5 * time.Millisecond)
		}
		took := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(blocks)/took.Seconds(), "blocks/s")
		b.ReportMetric(float64(blocks*txsPer)/took.Seconds(), "transfers/s")
		dst.stop()
		src.stop()
	}
}

// TestFollowerCatchesUp adds a non-validator node to a devnet whose chain
// is already long; it catches up by block sync and then follows.
func TestFollowerCatchesUp(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test")
	}
	dir := t.TempDir()
	if _, err := InitDevnet(dir, DevnetOptions{Nodes: 1, BlockTime: 200 * time.Millisecond, Now: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fillChain(t, dir, 150, 20) // more than two sync batches
	if _, err := AddDevnetNode(dir); err != nil {
		t.Fatal(err)
	}
	movePorts(t, dir, 2)
	nodes := []*testNode{startNetNode(t, dir, 0), startNetNode(t, dir, 1)}
	if nodes[1].n.IsValidator() {
		t.Fatal("the added node holds a validator key")
	}
	ctx := ctxT(t)
	waitAgree(t, ctx, nodes, 155)
	acc, err := nodes[1].c.Account(ctx, types.AddressOf(DevKey(0).Public()), rpc.LatestBlock)
	if err != nil || acc.Nonce != 150*20/DefaultDevAccounts {
		t.Fatalf("follower's view of dev0: %+v %v", acc, err)
	}
}
