package store

import (
	"bytes"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/noded/noded/types"
)

// checkChain compares every block, header, index and receipt of the model
// with the store, and the head, state and roots.
func checkChain(t *testing.T, db *DB, c *testChain) {
	t.Helper()
	head, err := db.Head()
	if err != nil {
		t.Fatal(err)
	}
	if want := c.head().Header; head != want {
		t.Fatalf("head %d %s, want %d %s", head.Height, head.Hash(), want.Height, want.Hash())
	}
	for h, blk := range c.blocks {
		hash := blk.Hash()
		if got, err := db.HashByHeight(uint64(h)); err != nil || got != hash {
			t.Fatalf("HashByHeight(%d) = %s, %v; want %s", h, got, err, hash)
		}
		if got, err := db.HeaderByHeight(uint64(h)); err != nil || got != blk.Header {
			t.Fatalf("HeaderByHeight(%d) = %+v, %v", h, got, err)
		}
		if got, err := db.HeaderByHash(hash); err != nil || got != blk.Header {
			t.Fatalf("HeaderByHash(%d) = %+v, %v", h, got, err)
		}
		for _, get := range []func() (*types.Block, error){
			func() (*types.Block, error) { return db.BlockByHeight(uint64(h)) },
			func() (*types.Block, error) { return db.BlockByHash(hash) },
		} {
			got, err := get()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Encode(), blk.Encode()) {
				t.Fatalf("block %d differs from the one committed", h)
			}
		}
		rs, err := db.Receipts(hash)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(types.EncodeReceipts(rs), types.EncodeReceipts(c.res[h].Receipts)) {
			t.Fatalf("receipts of block %d differ", h)
		}
		for i, th := range c.res[h].TxHashes {
			loc, err := db.TxLocation(th)
			if err != nil {
				t.Fatal(err)
			}
			if want := (TxLocation{BlockHash: hash, Height: uint64(h), Index: uint32(i)}); loc != want {
				t.Fatalf("TxLocation = %+v, want %+v", loc, want)
			}
		}
	}
	if _, err := db.HashByHeight(uint64(len(c.blocks))); err == nil {
		t.Fatal("a hash above the head")
	} else {
		wantErr(t, err, ErrNotFound)
	}
	checkState(t, db, c.state(), c.keys)
	checkRoot(t, db, c.head().Header.StateRoot)
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) *DB
	}{
		{"mem", func(t *testing.T) *DB { db, _ := openMem(t, Options{}); return db }},
		{"disk", func(t *testing.T) *DB { return openDisk(t, t.TempDir(), Options{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			if ok, err := db.Initialized(); err != nil || ok {
				t.Fatalf("Initialized() = %v, %v on a new database", ok, err)
			}
			_, err := db.Head()
			wantErr(t, err, ErrNotInitialized)
			_, err = db.GenesisHash()
			wantErr(t, err, ErrNotInitialized)

			c := newTestChain(t, 1, 50)
			c.initDB(db)
			if ok, err := db.Initialized(); err != nil || !ok {
				t.Fatalf("Initialized() = %v, %v after InitGenesis", ok, err)
			}
			c.commitN(db, 8, 20, 60)
			checkChain(t, db, c)

			js, err := db.GenesisJSON()
			if err != nil || !bytes.Equal(js, c.json) {
				t.Fatalf("GenesisJSON = %q, %v", js, err)
			}
			gh, err := db.GenesisHash()
			if err != nil || gh != c.blocks[0].Hash() {
				t.Fatalf("GenesisHash = %s, %v", gh, err)
			}
			acc, err := db.Account(types.Address{0xde, 0xad}) // never funded
			if err != nil || !acc.IsEmpty() {
				t.Fatalf("Account of an absent address = %+v, %v", acc, err)
			}
		})
	}
}

func TestGenesisAccounts(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 2, 10)
	c.initDB(db)
	for _, ch := range c.res[0].Changes {
		var a types.Address
		copy(a[:], ch.Key[1:])
		acc, err := db.Account(a)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(acc.Encode(), ch.New) {
			t.Fatalf("account %s = %x, want %x", a, acc.Encode(), ch.New)
		}
	}
}

func TestInitGenesisTwice(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 3, 10)
	c.initDB(db)
	c.commitN(db, 2, 3, 10)
	// The same genesis again is a no-op: the head stays.
	c.initDB(db)
	checkChain(t, db, c)

	other := newTestChain(t, 4, 10)
	err := db.InitGenesis(other.json, other.blocks[0], other.res[0])
	wantErr(t, err, ErrGenesisMismatch)
	checkChain(t, db, c)
}

func TestInitGenesisRefusesBadInput(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 5, 10)
	blk := *c.blocks[0]
	blk.Header.StateRoot[0] ^= 1
	if err := db.InitGenesis(c.json, &blk, c.res[0]); err == nil {
		t.Fatal("InitGenesis accepted a header whose state root is not the buckets'")
	}
	if err := db.InitGenesis(nil, c.blocks[0], c.res[0]); err == nil {
		t.Fatal("InitGenesis accepted an empty genesis file")
	}
	if ok, _ := db.Initialized(); ok {
		t.Fatal("a refused InitGenesis initialised the database")
	}
}

func TestReopen(t *testing.T) {
	for _, tc := range []struct {
		name string
		fs   vfs.FS
		dir  string
	}{
		{"mem", vfs.NewMem(), "db"},
		{"disk", vfs.Default, t.TempDir()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{FS: tc.fs}
			db, err := Open(tc.dir, quiet(opts))
			if err != nil {
				t.Fatal(err)
			}
			c := newTestChain(t, 6, 40)
			c.initDB(db)
			c.commitN(db, 5, 10, 50)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				db, err = Open(tc.dir, quiet(opts))
				if err != nil {
					t.Fatal(err)
				}
				checkChain(t, db, c)
				// The reopened database keeps working: undo records
				// survive, and new blocks commit.
				if _, err := db.RevertHead(); err != nil {
					t.Fatal(err)
				}
				c.revert()
				c.commitN(db, 2, 5, 30)
				checkChain(t, db, c)
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestCommitRefusesNonChild(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 7, 20)
	blk, res := c.next(2, 5)
	wantErr(t, db.CommitBlock(blk, res), ErrNotInitialized)
	c.initDB(db)
	c.commitN(db, 3, 2, 10)

	cases := map[string]func(h *types.Header){
		"same height":  func(h *types.Header) { h.Height-- },
		"gap":          func(h *types.Header) { h.Height++ },
		"other parent": func(h *types.Header) { h.Parent[0] ^= 1 },
		"parent of the parent": func(h *types.Header) {
			h.Parent = c.blocks[len(c.blocks)-2].Hash()
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			blk, res := c.next(2, 5)
			bad := *blk
			mutate(&bad.Header)
			wantErr(t, db.CommitBlock(&bad, res), ErrNotHeadChild)
			checkChain(t, db, c)
		})
	}
	// A result that does not belong to the block is refused too.
	blk, res = c.next(2, 5)
	res.Receipts = res.Receipts[:1]
	if err := db.CommitBlock(blk, res); err == nil {
		t.Fatal("CommitBlock accepted a result with missing receipts")
	}
	checkChain(t, db, c)
}

func TestClosed(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 8, 10)
	c.initDB(db)
	view, err := db.HeadState()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.Close(), ErrClosed)
	_, err = db.Head()
	wantErr(t, err, ErrClosed)
	_, err = db.Get([]byte("a"))
	wantErr(t, err, ErrClosed)
	wantErr(t, db.CommitBlock(c.blocks[0], c.res[0]), ErrClosed)
	_, err = view.Get([]byte("a"))
	wantErr(t, err, ErrClosed)
	if err := view.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnly(t *testing.T) {
	fs := vfs.NewMem()
	_, err := Open("missing", quiet(Options{FS: fs, ReadOnly: true}))
	if err == nil {
		t.Fatal("opened a missing database read-only")
	}
	db, err := Open("db", quiet(Options{FS: fs}))
	if err != nil {
		t.Fatal(err)
	}
	c := newTestChain(t, 9, 10)
	c.initDB(db)
	c.commitN(db, 2, 3, 10)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, _ := openMem(t, Options{FS: fs, ReadOnly: true})
	checkChain(t, ro, c)
	blk, res := c.next(1, 1)
	wantErr(t, ro.CommitBlock(blk, res), ErrReadOnly)
	_, err = ro.RevertHead()
	wantErr(t, err, ErrReadOnly)
}

// Close waits for operations in progress; those that start later get
// ErrClosed. Nothing panics on a closed pebble.
func TestCloseDuringReads(t *testing.T) {
	db, err := Open("db", quiet(Options{FS: vfs.NewMem()}))
	if err != nil {
		t.Fatal(err)
	}
	c := newTestChain(t, 15, 50)
	c.initDB(db)
	c.commitN(db, 2, 5, 40)
	started := make(chan struct{}, 4)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			started <- struct{}{}
			for {
				if _, err := db.Get(c.keys[0]); err != nil {
					errs <- err
					return
				}
				v, err := db.HeadState()
				if err != nil {
					errs <- err
					return
				}
				// A callback that calls back into the DB must not
				// deadlock with Close.
				_ = v.IterateState(0, 16, func(k, _ []byte) error {
					_, err := db.Get(k)
					return err
				})
				v.Close()
			}
		}()
	}
	for range 4 {
		<-started
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		wantErr(t, <-errs, ErrClosed)
	}
}

func TestMetrics(t *testing.T) {
	db, _ := openMem(t, Options{})
	m, err := db.Metrics()
	if err != nil || m == "" {
		t.Fatalf("Metrics() = %q, %v", m, err)
	}
}
