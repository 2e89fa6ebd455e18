package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// testChain generates a deterministic chain of synthetic blocks and keeps
// a model of the state after every height, to compare the store with.
// Blocks carry unsigned transfers: the store does not check signatures.
type testChain struct {
	t      testing.TB
	rng    *rand.Rand
	root   *chain.Root
	blocks []*types.Block       // by height
	res    []*chain.BlockResult // by height
	states []map[string][]byte  // state after each height
	keys   [][]byte             // every key ever written, for lookups of deleted keys
	json   []byte               // genesis file
	nonce  uint64
}

// newTestChain returns a chain whose genesis funds accounts accounts.
func newTestChain(t testing.TB, seed uint64, accounts int) *testChain {
	t.Helper()
	key, err := crypto.NewKeyFromSeed(bytes.Repeat([]byte{byte(seed)}, crypto.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	g := &chain.Genesis{
		ChainID:       "test",
		Time:          1_700_000_000_000,
		BlockGasLimit: chain.DefaultBlockGasLimit,
		Validators:    []crypto.PublicKey{key.Public()},
	}
	c := &testChain{t: t, rng: rand.New(rand.NewPCG(seed, 1)), root: chain.NewRoot()}
	for i := range accounts {
		var a types.Address
		binary.BigEndian.PutUint64(a[:], uint64(i)+1)
		a[19] = byte(seed)
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: a, Balance: types.NewAmount(1_000_000 + uint64(i))})
	}
	blk, res, err := g.Block()
	if err != nil {
		t.Fatal(err)
	}
	if c.json, err = json.Marshal(g); err != nil {
		t.Fatal(err)
	}
	c.root.Apply(res.Buckets)
	c.push(blk, res, map[string][]byte{})
	return c
}

func (c *testChain) push(blk *types.Block, res *chain.BlockResult, prev map[string][]byte) {
	st := maps.Clone(prev)
	for _, ch := range res.Changes {
		if _, ok := prev[string(ch.Key)]; !ok && ch.Old == nil {
			c.keys = append(c.keys, ch.Key)
		}
		if ch.New == nil {
			delete(st, string(ch.Key))
		} else {
			st[string(ch.Key)] = ch.New
		}
	}
	c.blocks = append(c.blocks, blk)
	c.res = append(c.res, res)
	c.states = append(c.states, st)
}

func (c *testChain) head() *types.Block { return c.blocks[len(c.blocks)-1] }

func (c *testChain) state() map[string][]byte { return c.states[len(c.states)-1] }

// next builds a block with txs transfers and about changes state changes:
// updates and deletes of existing entries and new entries of varied
// sizes.
func (c *testChain) next(txs, changes int) (*types.Block, *chain.BlockResult) {
	parent := &c.head().Header
	st := c.state()
	existing := slices.Sorted(maps.Keys(st))
	touched := make(map[string]bool)
	var chs []chain.Change
	for range changes {
		var key []byte
		switch r := c.rng.IntN(10); {
		case r < 6 && len(existing) > 0:
			key = []byte(existing[c.rng.IntN(len(existing))])
		case r < 8:
			var a types.Address
			c.fill(a[:])
			key = chain.AccountKey(a)
		default:
			var a types.Address
			c.fill(a[:])
			sk := make([]byte, 1+c.rng.IntN(40))
			c.fill(sk)
			key = chain.StorageKey(a, sk)
		}
		if touched[string(key)] {
			continue
		}
		touched[string(key)] = true
		old := st[string(key)]
		var val []byte
		if old == nil || c.rng.IntN(8) != 0 {
			val = make([]byte, 1+c.rng.IntN(80))
			c.fill(val)
		}
		if old == nil && val == nil {
			continue
		}
		chs = append(chs, chain.Change{Key: key, Old: old, New: val})
	}
	slices.SortFunc(chs, func(a, b chain.Change) int { return bytes.Compare(a.Key, b.Key) })
	return c.build(parent, txs, chs)
}

func (c *testChain) build(parent *types.Header, txs int, chs []chain.Change) (*types.Block, *chain.BlockResult) {
	blk := &types.Block{}
	res := &chain.BlockResult{Changes: chs}
	for range txs {
		c.nonce++
		tx := &types.Tx{ChainID: "test", Nonce: c.nonce, Kind: types.TxTransfer, Amount: types.NewAmount(c.nonce), GasLimit: 1000, GasPrice: 1}
		c.fill(tx.To[:])
		h := tx.Hash()
		blk.Txs = append(blk.Txs, tx)
		res.TxHashes = append(res.TxHashes, h)
		res.Receipts = append(res.Receipts, types.Receipt{TxHash: h, Status: types.ReceiptSuccess, GasUsed: 1000, Fee: types.NewAmount(1000)})
	}
	res.Buckets = c.root.Updates(chs, 2)
	res.StateRoot = c.root.HashWith(res.Buckets)
	blk.Header = types.Header{
		Height:       parent.Height + 1,
		Parent:       parent.Hash(),
		Slot:         parent.Slot + 1,
		Time:         parent.Time + 1000,
		TxRoot:       types.TxRoot(res.TxHashes),
		StateRoot:    res.StateRoot,
		ReceiptsRoot: types.ReceiptsRoot(res.Receipts),
		GasUsed:      uint64(txs) * 1000,
		GasLimit:     chain.DefaultBlockGasLimit,
	}
	c.fill(blk.Header.Sig[:])
	return blk, res
}

// accept records blk as the new head of the model.
func (c *testChain) accept(blk *types.Block, res *chain.BlockResult) {
	c.root.Apply(res.Buckets)
	c.push(blk, res, c.state())
}

// revert drops the model's head.
func (c *testChain) revert() {
	n := len(c.blocks) - 1
	c.blocks, c.res, c.states = c.blocks[:n], c.res[:n], c.states[:n]
	c.root = rootOf(c.states[n-1])
}

func (c *testChain) fill(b []byte) {
	for i := range b {
		b[i] = byte(c.rng.Uint32())
	}
}

// rootOf computes the root of a state from scratch.
func rootOf(st map[string][]byte) *chain.Root {
	var chs []chain.Change
	for k, v := range st {
		chs = append(chs, chain.Change{Key: []byte(k), New: v})
	}
	r := chain.NewRoot()
	r.Apply(r.Updates(chs, 2))
	return r
}

// commitN builds and commits n blocks.
func (c *testChain) commitN(db *DB, n, txs, changes int) {
	c.t.Helper()
	for range n {
		blk, res := c.next(txs, changes)
		if err := db.CommitBlock(blk, res); err != nil {
			c.t.Fatalf("commit block %d: %v", blk.Header.Height, err)
		}
		c.accept(blk, res)
	}
}

// initDB writes c's genesis to db.
func (c *testChain) initDB(db *DB) {
	c.t.Helper()
	if err := db.InitGenesis(c.json, c.blocks[0], c.res[0]); err != nil {
		c.t.Fatal(err)
	}
}

// quiet sets a logger that drops pebble's messages.
func quiet(opts Options) Options {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return opts
}

func openMem(t testing.TB, opts Options) (*DB, vfs.FS) {
	t.Helper()
	opts = quiet(opts)
	if opts.FS == nil {
		opts.FS = vfs.NewMem()
	}
	db, err := Open("db", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, opts.FS
}

func openDisk(t testing.TB, dir string, opts Options) *DB {
	t.Helper()
	opts = quiet(opts)
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// stateReader is what DB and StateView share.
type stateReader interface {
	Get(key []byte) ([]byte, error)
	IterateState(from, to uint16, fn func(key, value []byte) error) error
}

// checkState compares the state r shows with want: every entry by
// iteration, in database order, and every key in allKeys by Get.
func checkState(t testing.TB, r stateReader, want map[string][]byte, allKeys [][]byte) {
	t.Helper()
	if err := diffState(r, want, allKeys); err != nil {
		t.Fatal(err)
	}
}

func diffState(r stateReader, want map[string][]byte, allKeys [][]byte) error {
	got := make(map[string][]byte)
	var prev []byte
	err := r.IterateState(0, chain.NumBuckets, func(key, value []byte) error {
		dbk := stateKey(key)
		if prev != nil && bytes.Compare(prev, dbk) >= 0 {
			return fmt.Errorf("iteration out of order: %x after %x", dbk, prev)
		}
		prev = dbk
		got[string(key)] = bytes.Clone(value)
		return nil
	})
	if err != nil {
		return err
	}
	if !maps.EqualFunc(got, want, bytes.Equal) {
		return fmt.Errorf("iterated state has %d entries, want %d (or values differ)", len(got), len(want))
	}
	for _, k := range allKeys {
		v, err := r.Get(k)
		if err != nil {
			return err
		}
		if w := want[string(k)]; !bytes.Equal(v, w) || (v == nil) != (w == nil) {
			return fmt.Errorf("Get(%x) = %x, want %x", k, v, w)
		}
	}
	return nil
}

// checkRoot checks the stored and rebuilt roots against want.
func checkRoot(t testing.TB, db *DB, want types.Hash) {
	t.Helper()
	root, err := db.LoadRoot()
	if err != nil {
		t.Fatal(err)
	}
	if root.Hash() != want {
		t.Fatalf("stored root %s, want %s", root.Hash(), want)
	}
	rebuilt, err := db.RebuildRoot()
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt.Hash() != want {
		t.Fatalf("rebuilt root %s, want %s", rebuilt.Hash(), want)
	}
	if err := db.VerifyState(); err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}
