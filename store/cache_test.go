package store

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/noded/noded/chain"
)

// allKeys returns every key any state of the model ever had.
func (c *testChain) allKeys() [][]byte {
	seen := map[string]bool{}
	var keys [][]byte
	for _, st := range c.states {
		for k := range st {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, []byte(k))
			}
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	return keys
}

// TestStateCacheFollowsWrites checks that Get, served from the state cache
// once a key was read or written, shows the head state after commits,
// reverts and reopening, including keys deleted and keys never present.
func TestStateCacheFollowsWrites(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 41, 20)
	c.initDB(db)
	for round := range 6 {
		c.commitN(db, 3, 2, 30)
		keys := c.allKeys()
		// Twice: the first Get of a key may fill the cache, the second
		// is served from it.
		checkState(t, db, c.state(), keys)
		checkState(t, db, c.state(), keys)
		if round%2 == 1 {
			if _, err := db.RevertHead(); err != nil {
				t.Fatal(err)
			}
			c.revert()
			checkState(t, db, c.state(), keys)
		}
	}
	if len(db.cache.m) == 0 {
		t.Fatal("the state cache stayed empty: the test does not exercise it")
	}
}

// TestStateCacheConcurrentReads commits blocks while readers Get the keys
// they change: a value read from pebble before a commit must never be
// cached after it. At the end every key Get returns must be the head's.
func TestStateCacheConcurrentReads(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 42, 20)
	c.initDB(db)
	c.commitN(db, 2, 1, 40)
	var keys atomic.Pointer[[][]byte]
	k := c.allKeys()
	keys.Store(&k)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var readErr atomic.Pointer[error]
	for r := range 3 {
		wg.Go(func() {
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ks := *keys.Load()
				if _, err := db.Get(ks[i%len(ks)]); err != nil {
					readErr.Store(&err)
					return
				}
			}
		})
	}
	for range 40 {
		c.commitN(db, 1, 1, 40)
		k := c.allKeys()
		keys.Store(&k)
	}
	close(stop)
	wg.Wait()
	if p := readErr.Load(); p != nil {
		t.Fatal(*p)
	}
	checkState(t, db, c.state(), c.allKeys())
}

// TestStateCacheNotBehindBatch reads every key in the moment between a
// block's batch commit and the state cache's update: a client that can
// already read the block's receipts must read its state, not the cached
// state before it.
func TestStateCacheNotBehindBatch(t *testing.T) {
	db, _ := openMem(t, Options{})
	c := newTestChain(t, 43, 20)
	c.initDB(db)
	c.commitN(db, 3, 1, 40)
	var want map[string][]byte
	var keys [][]byte
	checks := 0
	db.afterBatch = func(height uint64) {
		if _, err := db.BlockByHeight(height); err != nil {
			t.Fatalf("block %d unreadable after its batch: %v", height, err)
		}
		checkState(t, db, want, keys)
		checks++
	}
	for range 10 {
		keys = c.allKeys()
		checkState(t, db, c.state(), keys) // fills the cache
		blk, res := c.next(1, 40)
		c.accept(blk, res)
		want, keys = c.state(), c.allKeys()
		if err := db.CommitBlock(blk, res); err != nil {
			t.Fatal(err)
		}
	}
	if checks != 10 || len(db.cache.m) == 0 {
		t.Fatalf("%d checks, %d cached entries: the test does not exercise the cache", checks, len(db.cache.m))
	}
}

// TestStateCacheBound checks that the cache keeps to its size and still
// answers correctly for what it holds.
func TestStateCacheBound(t *testing.T) {
	c := newStateCache(64 << 10)
	for i := range 10_000 {
		key := fmt.Appendf(nil, "key %d", i)
		_, _, gen := c.get(key)
		c.put(key, bytes.Repeat([]byte{byte(i)}, 1+i%50), gen)
		if c.bytes > c.max {
			t.Fatalf("after %d puts: %d bytes cached, bound %d", i+1, c.bytes, c.max)
		}
	}
	total := 0
	for k, v := range c.m {
		total += len(k) + len(v) + entryOverhead
		var i int
		fmt.Sscanf(k, "key %d", &i)
		if !bytes.Equal(v, bytes.Repeat([]byte{byte(i)}, 1+i%50)) {
			t.Fatalf("%s holds %x", k, v)
		}
	}
	if total != c.bytes || len(c.m) < 100 {
		t.Fatalf("%d entries of %d bytes, accounted %d", len(c.m), total, c.bytes)
	}
	// A value read before a write is not cached after it, whether the
	// write was a block's (apply) or another (clear).
	for _, write := range []func(){
		func() { c.apply([]chain.Change{{Key: []byte("other"), New: []byte("v")}}) },
		c.clear,
	} {
		_, _, gen := c.get([]byte("late"))
		write()
		c.put([]byte("late"), []byte("stale"), gen)
		if _, ok, _ := c.get([]byte("late")); ok {
			t.Fatal("a value read before a write was cached after it")
		}
	}
}
