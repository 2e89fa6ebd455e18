package mempool

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// benchTx is a transaction ready to add.
type benchTx struct {
	tx   *types.Tx
	hash types.Hash
	size int
}

const (
	benchSenders = 10_000
	benchNonces  = 16
)

// benchTxs holds benchNonces transactions from each of benchSenders
// funded senders, nonce-major (every sender's nonce 0, then every nonce 1,
// ...), with random gas prices, and a state that funds them. The pool does
// not verify signatures, so they are not signed.
var benchTxs = sync.OnceValues(func() ([]benchTx, *fakeState) {
	rng := rand.New(rand.NewPCG(1, 2))
	st := newFakeState()
	keys := make([]crypto.PublicKey, benchSenders)
	for i := range keys {
		var seed [crypto.SeedSize]byte
		seed[0], seed[1] = byte(i), byte(i>>8)
		k, err := crypto.NewKeyFromSeed(seed[:])
		if err != nil {
			panic(err)
		}
		keys[i] = k.Public()
		st.set(types.AddressOf(keys[i]), 1<<50, 0)
	}
	txs := make([]benchTx, 0, benchSenders*benchNonces)
	for n := range uint64(benchNonces) {
		for _, k := range keys {
			tx := &types.Tx{ChainID: testChainID, Nonce: n, From: k, Kind: types.TxTransfer, To: sink,
				Amount: types.NewAmount(1), GasLimit: chain.TxBaseGas, GasPrice: 1 + rng.Uint64N(1000)}
			txs = append(txs, benchTx{tx: tx, hash: tx.Hash(), size: len(tx.Encode())})
		}
	}
	return txs, st
})

// runAdds adds the benchmark transactions b.N times over, into a fresh
// pool each time they run out, and reports transactions per second.
func runAdds(b *testing.B, cfg Config) {
	txs, st := benchTxs()
	exec := testExecutor(b)
	newPool := func() *Pool {
		p, err := New(cfg, exec)
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	p := newPool()
	refused := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j := i % len(txs)
		if j == 0 && i > 0 {
			b.StopTimer()
			p = newPool()
			b.StartTimer()
		}
		t := &txs[j]
		if _, err := p.Add(t.tx, t.hash, t.size, st); err != nil {
			refused++
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "txs/s")
	b.ReportMetric(float64(refused)/float64(b.N), "refused/op")
}

// BenchmarkAdd measures inserting into a pool with room: 10,000 senders
// with 16 nonces each.
func BenchmarkAdd(b *testing.B) { runAdds(b, Config{}) }

// BenchmarkAddFull measures inserting into a full pool, where every
// newcomer evicts the cheapest transaction or is refused.
func BenchmarkAddFull(b *testing.B) { runAdds(b, Config{MaxTxs: 20_000}) }

// BenchmarkPending measures choosing 10,000 block candidates from 160,000
// pending transactions of 10,000 senders.
func BenchmarkPending(b *testing.B) {
	txs, st := benchTxs()
	p := newTestPool(b, Config{})
	for _, t := range txs {
		if _, err := p.Add(t.tx, t.hash, t.size, st); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if got := p.Pending(10_000); len(got) != 10_000 {
			b.Fatalf("%d candidates", len(got))
		}
	}
}
