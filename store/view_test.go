package store

import (
	"errors"
	"sync"
	"testing"

	"github.com/noded/noded/chain"
)

func TestStateAt(t *testing.T) {
	db, _ := openMem(t, Options{KeepUndo: 5})
	c := newTestChain(t, 20, 40)
	c.initDB(db)
	c.commitN(db, 8, 5, 60)
	head := uint64(8)
	// Kept: undo records of 4..8, so states 3..8.
	for h := uint64(3); h <= head; h++ {
		v, err := db.StateAt(h)
		if err != nil {
			t.Fatalf("StateAt(%d): %v", h, err)
		}
		if v.Header() != c.blocks[h].Header {
			t.Fatalf("StateAt(%d) shows block %d", h, v.Header().Height)
		}
		checkState(t, v, c.states[h], c.keys)
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
	}
	_, err := db.StateAt(2)
	wantErr(t, err, ErrStateUnavailable)
	_, err = db.StateAt(head + 1)
	wantErr(t, err, ErrNotFound)
}

func TestStateAtGenesis(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 21, 40)
	c.initDB(db)
	c.commitN(db, 3, 5, 60)
	v, err := db.StateAt(0)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	checkState(t, v, c.states[0], c.keys)
	for _, ch := range c.res[0].Changes {
		var a [20]byte
		copy(a[:], ch.Key[1:])
		acc, err := v.Account(a)
		if err != nil {
			t.Fatal(err)
		}
		if string(acc.Encode()) != string(ch.New) {
			t.Fatal("genesis account differs in StateAt(0)")
		}
	}
}

// A view keeps showing its block's state while the chain moves on, and
// views of past heights made before and after a revert agree.
func TestViewIsolation(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 22, 40)
	c.initDB(db)
	c.commitN(db, 3, 5, 60)
	atHead, err := db.HeadState()
	if err != nil {
		t.Fatal(err)
	}
	defer atHead.Close()
	at2, err := db.StateAt(2)
	if err != nil {
		t.Fatal(err)
	}
	defer at2.Close()
	c.commitN(db, 3, 5, 60)
	checkState(t, atHead, c.states[3], c.keys)
	checkState(t, at2, c.states[2], c.keys)
	for range 2 {
		if _, err := db.RevertHead(); err != nil {
			t.Fatal(err)
		}
		c.revert()
	}
	checkState(t, atHead, c.states[3], c.keys)
	later, err := db.StateAt(2)
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	checkState(t, later, c.states[2], c.keys)
}

func TestIterateStateRanges(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 23, 200)
	c.initDB(db)
	c.commitN(db, 2, 5, 200)
	v, err := db.StateAt(1)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, r := range []stateReader{db, v} {
		// Chunks of buckets, iterated one after the other, give the whole
		// state, each entry in its chunk's buckets.
		total := 0
		for from := 0; from < chain.NumBuckets; from += 100 {
			to := min(from+100, chain.NumBuckets)
			err := r.IterateState(uint16(from), uint16(to), func(key, _ []byte) error {
				if b := int(chain.BucketOf(key)); b < from || b >= to {
					t.Fatalf("key of bucket %d in chunk [%d, %d)", b, from, to)
				}
				total++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		all := 0
		if err := r.IterateState(0, chain.NumBuckets, func(_, _ []byte) error { all++; return nil }); err != nil {
			t.Fatal(err)
		}
		if total != all || all == 0 {
			t.Fatalf("chunks hold %d entries, the whole range %d", total, all)
		}
		if err := r.IterateState(5, 4, func(_, _ []byte) error { return nil }); err == nil {
			t.Fatal("an inverted range was accepted")
		}
		stop := errors.New("stop")
		n := 0
		err := r.IterateState(0, chain.NumBuckets, func(_, _ []byte) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Fatalf("iteration went on after an error: %v, %d calls", err, n)
		}
	}
}

// Readers running during commits always see whole blocks: a view's state
// is exactly the model's state at the view's height.
func TestConcurrentReads(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 24, 50)
	c.initDB(db)
	const blocks = 12
	var pending []func() error
	for range blocks {
		blk, res := c.next(5, 40)
		c.accept(blk, res)
		pending = append(pending, func() error { return db.CommitBlock(blk, res) })
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				v, err := db.HeadState()
				if err != nil {
					t.Error(err)
					return
				}
				h := v.Header().Height
				if err := diffState(v, c.states[h], nil); err != nil {
					t.Errorf("view at height %d: %v", h, err)
				}
				if _, err := db.Get(c.keys[0]); err != nil {
					t.Error(err)
				}
				v.Close()
			}
		})
	}
	for _, commit := range pending {
		if err := commit(); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	checkChain(t, db, c)
}
