package node

import (
	crand "crypto/rand"
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// fillAddr is the i-th account that fillDevnet pays.
func fillAddr(i int) types.Address {
	var a types.Address
	a[0] = 0xf1
	binary.BigEndian.PutUint64(a[12:], uint64(i))
	return a
}

// fillDevnet writes blocks of transfers from the dev accounts, each to a
// new account (fillAddr), into node0's store of the devnet in dir, every
// block signed by its slot's validator, and copies the database to nodes
// 1..n-1: as if the devnet had been running. The genesis must be in the
// past by more than blocks slots.
func fillDevnet(tb testing.TB, dir string, n, blocks, txsPer int) {
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
	keys := map[crypto.PublicKey]crypto.PrivateKey{}
	for i := range n {
		ks, err := keystore.Open(filepath.Join(NodeHome(dir, i), "keystore"))
		if err != nil {
			tb.Fatal(err)
		}
		vk, err := ks.Get(ValidatorKeyName)
		if err != nil {
			tb.Fatal(err)
		}
		keys[vk.PublicKey] = vk.Private
	}
	db, err := store.Open(filepath.Join(home, "data"), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	gblk, gres, err := g.Block()
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.InitGenesis(gj, gblk, gres); err != nil {
		tb.Fatal(err)
	}
	cfg := g.Config()
	exec, err := chain.NewExecutor(cfg, chain.ExecOptions{Workers: 2, Rand: crand.Reader})
	if err != nil {
		tb.Fatal(err)
	}
	root, err := db.LoadRoot()
	if err != nil {
		tb.Fatal(err)
	}
	head := gblk.Header
	nonces := make([]uint64, DefaultDevAccounts)
	to := 0
	for b := range blocks {
		txs := make([]*types.Tx, txsPer)
		for j := range txs {
			from := j % DefaultDevAccounts
			txs[j] = signedTransfer(DevKey(from), g.ChainID, nonces[from], fillAddr(to), 1, 1)
			nonces[from]++
			to++
		}
		slot := g.Time/g.SlotMillis + uint64(b) + 1
		key := keys[cfg.Proposer(slot)]
		blk, res, inv, err := exec.BuildBlock(&head, db, root, chain.BlockSpec{Slot: slot, Time: slot * g.SlotMillis, Key: key}, txs)
		if err != nil || len(inv) != 0 {
			tb.Fatalf("build: %v %v", err, inv)
		}
		if err := db.CommitBlock(blk, res); err != nil {
			tb.Fatal(err)
		}
		root.Apply(res.Buckets)
		head = blk.Header
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	for i := 1; i < n; i++ {
		if err := os.CopyFS(filepath.Join(NodeHome(dir, i), "data"), os.DirFS(filepath.Join(home, "data"))); err != nil {
			tb.Fatal(err)
		}
	}
}

// startNetNodeWith runs node i of the devnet in dir like startNetNode,
// with its config changed by edit.
func startNetNodeWith(t testing.TB, dir string, i int, edit func(*Config)) *testNode {
	t.Helper()
	home := NodeHome(dir, i)
	fc, err := LoadFileConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Home: home}
	if err := fc.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	cfg.RPCAddr = "127.0.0.1:0"
	if os.Getenv("NODED_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("node", i)
	}
	if edit != nil {
		edit(&cfg)
	}
	return startTestNode(t, cfg)
}
