package store

import (
	"bytes"
	"slices"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// transferBlock builds a block of n transfers on c's head: 2n distinct
// existing accounts change (sender and recipient), as a block of n
// transfers between funded accounts does.
func transferBlock(c *testChain, accounts []types.Address, n int) (*types.Block, *chain.BlockResult) {
	st := c.state()
	perm := c.rng.Perm(len(accounts))[:2*n]
	chs := make([]chain.Change, 0, 2*n)
	for _, i := range perm {
		k := chain.AccountKey(accounts[i])
		acc := types.Account{Balance: types.NewAmount(c.rng.Uint64()), Nonce: c.rng.Uint64N(1000)}
		chs = append(chs, chain.Change{Key: k, Old: st[string(k)], New: acc.Encode()})
	}
	sortChanges(chs)
	return c.build(&c.head().Header, n, chs)
}

func sortChanges(chs []chain.Change) {
	slices.SortFunc(chs, func(a, b chain.Change) int { return bytes.Compare(a.Key, b.Key) })
}

// benchChain returns a disk database with a genesis of accounts funded
// accounts.
func benchChain(b *testing.B, accounts int) (*DB, *testChain, []types.Address) {
	c := newTestChain(b, 50, accounts)
	addrs := make([]types.Address, 0, accounts)
	for _, ch := range c.res[0].Changes {
		addrs = append(addrs, types.Address(ch.Key[1:]))
	}
	db := openDisk(b, b.TempDir(), Options{})
	c.initDB(db)
	return db, c, addrs
}

// BenchmarkCommitBlock commits blocks of 5,000 transfers (10,000 changed
// accounts, nearly all 1,024 buckets) to a database on disk, synced.
func BenchmarkCommitBlock(b *testing.B) {
	db, c, addrs := benchChain(b, 20_000)
	b.ResetTimer()
	batch := 0
	for b.Loop() {
		b.StopTimer()
		blk, res := transferBlock(c, addrs, 5_000)
		batch += prepareBlock(blk, res).size() + undoSize(res.Changes)
		b.StartTimer()
		if err := db.CommitBlock(blk, res); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		c.accept(blk, res)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/block")
	b.ReportMetric(float64(batch)/float64(b.N)/1e6, "MB/batch")
}

// BenchmarkRevertHead reverts blocks of 5,000 transfers.
func BenchmarkRevertHead(b *testing.B) {
	db, c, addrs := benchChain(b, 20_000)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		blk, res := transferBlock(c, addrs, 5_000)
		if err := db.CommitBlock(blk, res); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := db.RevertHead(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet reads accounts at the head.
func BenchmarkGet(b *testing.B) {
	db, _, addrs := benchChain(b, 20_000)
	i := 0
	for b.Loop() {
		if _, err := db.Get(chain.AccountKey(addrs[i%len(addrs)])); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkLoadRoot loads and checks the 1,024 buckets.
func BenchmarkLoadRoot(b *testing.B) {
	db, _, _ := benchChain(b, 1_000)
	for b.Loop() {
		if _, err := db.LoadRoot(); err != nil {
			b.Fatal(err)
		}
	}
}
