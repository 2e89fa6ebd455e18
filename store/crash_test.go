package store

import (
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// A crash at any moment (simulated by cloning a crashable in-memory file
// system with all synced and a random part of the unsynced data) leaves a
// database that opens at a block whose commit had started, no older than
// the last commit that returned, with the state and root of that block.
func TestCrashConsistency(t *testing.T) {
	fs := vfs.NewCrashableMem()
	db, err := Open("db", quiet(Options{FS: fs, KeepUndo: 4}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := newTestChain(t, 60, 100)
	c.initDB(db)
	const blocks = 20
	var commits []func() error
	for range blocks {
		blk, res := c.next(20, 80)
		c.accept(blk, res)
		commits = append(commits, func() error { return db.CommitBlock(blk, res) })
	}

	// The writer announces each commit and then runs it while the test
	// takes a crash image, so the images fall at varied points of commits
	// (before, during, after the WAL write and sync).
	var started, done atomic.Int64 // blocks whose commit began, returned
	announce := make(chan struct{})
	writerErr := make(chan error, 1)
	go func() {
		defer close(announce)
		for _, commit := range commits {
			announce <- struct{}{}
			started.Add(1)
			if err := commit(); err != nil {
				writerErr <- err
				return
			}
			done.Add(1)
		}
		writerErr <- nil
	}()

	rng := rand.New(rand.NewPCG(7, 7))
	check := func(lo, hi int64) {
		t.Helper()
		clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
		cdb, err := Open("db", quiet(Options{FS: clone, KeepUndo: 4}))
		if err != nil {
			t.Fatalf("open after crash: %v", err)
		}
		defer cdb.Close()
		head, err := cdb.Head()
		if err != nil {
			t.Fatal(err)
		}
		h := int64(head.Height)
		if h < lo || h > hi {
			t.Fatalf("after a crash with blocks 1..%d committed and up to %d started, the head is %d", lo, hi, h)
		}
		if head != c.blocks[h].Header {
			t.Fatalf("head %d is not the block committed at that height", h)
		}
		if err := cdb.VerifyState(); err != nil {
			t.Fatal(err)
		}
		if err := diffState(cdb, c.states[h], c.keys); err != nil {
			t.Fatalf("state after crash at head %d: %v", h, err)
		}
		// The database goes on: the next block commits.
		if h < blocks {
			blk, res := c.blocks[h+1], c.res[h+1]
			if err := cdb.CommitBlock(blk, res); err != nil {
				t.Fatal(err)
			}
		}
	}
	crashes := 0
	for range announce {
		for range rng.IntN(5_000) { // a random moment of the commit
			runtime.Gosched()
		}
		check(done.Load(), started.Load()+1)
		crashes++
	}
	if err := <-writerErr; err != nil {
		t.Fatal(err)
	}
	check(blocks, blocks)
	t.Logf("%d crashes", crashes+1)
}
