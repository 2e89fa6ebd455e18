package store

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestRevertHead(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 10, 60)
	c.initDB(db)
	c.commitN(db, 6, 15, 80)

	// Revert four blocks, one at a time; after each, the store must equal
	// the model at the parent exactly: head, blocks, indexes, state, root.
	for range 4 {
		reverted := c.head()
		revertedRes := c.res[len(c.res)-1]
		parent, err := db.RevertHead()
		if err != nil {
			t.Fatal(err)
		}
		c.revert()
		if parent != c.head().Header {
			t.Fatalf("RevertHead returned height %d, want %d", parent.Height, c.head().Header.Height)
		}
		checkChain(t, db, c)
		for _, th := range revertedRes.TxHashes {
			_, err := db.TxLocation(th)
			wantErr(t, err, ErrNotFound)
		}
		// The reverted block stays stored by hash.
		if _, err := db.BlockByHash(reverted.Hash()); err != nil {
			t.Fatalf("reverted block lost: %v", err)
		}
		if _, err := db.Receipts(reverted.Hash()); err != nil {
			t.Fatalf("reverted receipts lost: %v", err)
		}
		if _, ok, _ := get(db.pdb, undoKey(reverted.Header.Height)); ok {
			t.Fatal("the undo record of a reverted block is still stored")
		}
	}

	// A fork from there commits, and reverts too.
	c.commitN(db, 3, 10, 40)
	checkChain(t, db, c)
	if _, err := db.RevertHead(); err != nil {
		t.Fatal(err)
	}
	c.revert()
	checkChain(t, db, c)
}

func TestRevertToGenesis(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 11, 20)
	c.initDB(db)
	c.commitN(db, 3, 5, 30)
	for range 3 {
		if _, err := db.RevertHead(); err != nil {
			t.Fatal(err)
		}
		c.revert()
	}
	checkChain(t, db, c)
	_, err := db.RevertHead()
	wantErr(t, err, ErrNoUndo)
	checkChain(t, db, c)
}

func TestRevertRecommitSameBlock(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 12, 20)
	c.initDB(db)
	c.commitN(db, 2, 5, 30)
	blk, res := c.head(), c.res[len(c.res)-1]
	if _, err := db.RevertHead(); err != nil {
		t.Fatal(err)
	}
	if err := db.CommitBlock(blk, res); err != nil {
		t.Fatal(err)
	}
	checkChain(t, db, c)
}

func TestRevertPruned(t *testing.T) {
	db, _ := openMem(t, Options{KeepUndo: 3})
	c := newTestChain(t, 13, 20)
	c.initDB(db)
	c.commitN(db, 6, 5, 20)
	for range 3 {
		if _, err := db.RevertHead(); err != nil {
			t.Fatal(err)
		}
		c.revert()
	}
	_, err := db.RevertHead()
	wantErr(t, err, ErrNoUndo)
	checkChain(t, db, c)
}

// undoHeights lists the heights that have an undo record.
func undoHeights(t *testing.T, db *DB) []uint64 {
	t.Helper()
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixUndo}, UpperBound: prefixEnd(prefixUndo)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var hs []uint64
	for ok := it.First(); ok; ok = it.Next() {
		h, err := decodeU64(it.Key()[1:], "height")
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	return hs
}

func TestPruning(t *testing.T) {
	fs := vfs.NewMem()
	db, _ := openMem(t, Options{FS: fs, KeepUndo: 4})
	c := newTestChain(t, 14, 20)
	c.initDB(db)
	if hs := undoHeights(t, db); len(hs) != 0 {
		t.Fatalf("undo records %v after genesis", hs)
	}
	c.commitN(db, 3, 2, 10)
	assertHeights(t, undoHeights(t, db), 1, 3)
	c.commitN(db, 7, 2, 10)
	assertHeights(t, undoHeights(t, db), 7, 10)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Keeping fewer blocks prunes the surplus with the next commit.
	db, _ = openMem(t, Options{FS: fs, KeepUndo: 2})
	c.commitN(db, 1, 2, 10)
	assertHeights(t, undoHeights(t, db), 10, 11)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Keeping more starts from what is there.
	db, _ = openMem(t, Options{FS: fs, KeepUndo: 100})
	c.commitN(db, 3, 2, 10)
	assertHeights(t, undoHeights(t, db), 10, 14)
	checkChain(t, db, c)
}

func assertHeights(t *testing.T, hs []uint64, from, to uint64) {
	t.Helper()
	ok := uint64(len(hs)) == to-from+1
	for i := 0; ok && i < len(hs); i++ {
		ok = hs[i] == from+uint64(i)
	}
	if !ok {
		t.Fatalf("undo records for heights %v, want %d..%d", hs, from, to)
	}
}
