package node

import (
	crand "crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// BenchmarkBlockTransfers measures what a node does with a block of 5,000
// signed transfers from a peer: validate (signatures in batches, in
// parallel), execute, update the state root, and commit to pebble with
// Sync. Building and signing the block are not timed.
func BenchmarkBlockTransfers(b *testing.B) {
	const txs = 5000
	db, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := DevValidatorKey()
	g := &chain.Genesis{ChainID: "bench", Time: 1, BlockGasLimit: chain.DefaultBlockGasLimit,
		Validators: []crypto.PublicKey{val.Public()}}
	keys := make([]crypto.PrivateKey, txs)
	for i := range keys {
		keys[i] = wellKnownKey(fmt.Sprintf("bench %d", i))
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: types.AddressOf(keys[i].Public()), Balance: DevBalance})
	}
	gblk, gres, err := g.Block()
	if err != nil {
		b.Fatal(err)
	}
	gj, _ := marshalGenesis(g)
	if err := db.InitGenesis(gj, gblk, gres); err != nil {
		b.Fatal(err)
	}
	exec, err := chain.NewExecutor(g.Config(), chain.ExecOptions{Workers: 2, Rand: crand.Reader})
	if err != nil {
		b.Fatal(err)
	}
	root, err := db.LoadRoot()
	if err != nil {
		b.Fatal(err)
	}
	head := gblk.Header
	var validating, committing time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := make([]*types.Tx, txs)
		for j := range batch {
			tx := &types.Tx{ChainID: "bench", Nonce: uint64(i), Kind: types.TxTransfer,
				To: types.AddressOf(keys[(j+1)%txs].Public()), Amount: types.NewAmount(1), GasPrice: 1}
			tx.GasLimit = chain.IntrinsicGas(tx)
			tx.Sign(keys[j])
			batch[j] = tx
		}
		blk, _, _, err := exec.BuildBlock(&head, db, root, chain.BlockSpec{Slot: head.Slot + 1, Time: head.Time + 1, Key: val}, batch)
		if err != nil || len(blk.Txs) != txs {
			b.Fatalf("build: %v (%d txs)", err, len(blk.Txs))
		}
		// What a peer receives is the encoded block.
		blk, err = types.DecodeBlock(blk.Encode())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		res, err := exec.ValidateBlock(&head, db, root, blk, head.Time+1)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := db.CommitBlock(blk, res); err != nil {
			b.Fatal(err)
		}
		validating += t1.Sub(t0)
		committing += time.Since(t1)
		root.Apply(res.Buckets)
		head = blk.Header
	}
	b.ReportMetric(float64(b.N*txs)/b.Elapsed().Seconds(), "transfers/s")
	b.ReportMetric(float64(validating.Milliseconds())/float64(b.N), "validate-ms/block")
	b.ReportMetric(float64(committing.Milliseconds())/float64(b.N), "commit-ms/block")
}
