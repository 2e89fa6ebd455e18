package node

import (
	"bytes"
	crand "crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
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
	opts := chain.ExecOptions{Workers: 2, Rand: crand.Reader}
	if os.Getenv("NODED_BENCH_KEYCACHE") != "" {
		// Senders repeat from block to block, as they do on a live chain.
		opts.KeyCache = crypto.NewKeyCache(1 << 16)
	}
	exec, err := chain.NewExecutor(g.Config(), opts)
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

// BenchmarkTxSendHTTP measures tx_send over HTTP on loopback against a dev
// node (decode, signature, mempool admission), with 16 keep-alive clients.
// Blocks are not produced during the run.
func BenchmarkTxSendHTTP(b *testing.B) {
	const senders, perSender = 64, 400
	tn := startTestNode(b, Config{Home: b.TempDir(), Dev: true, BlockTime: time.Hour, MempoolSize: 1 << 20, DevAccounts: senders})
	var bodies [][]byte
	for nonce := range uint64(perSender) {
		for i := range senders {
			tx := signedTransfer(DevKey(i), DefaultChainID, nonce, types.Address{1}, 1, 1)
			bodies = append(bodies, []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tx_send","params":["0x%x"]}`, tx.Encode())))
		}
	}
	url := "http://" + tn.n.RPCAddr()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	b.SetParallelism(8) // 16 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if int(i) >= len(bodies) {
				b.Fatal("benchmark ran past its transactions; lower -benchtime")
			}
			resp, err := hc.Post(url, "application/json", bytes.NewReader(bodies[i]))
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Contains(body, []byte(`"result"`)) {
				b.Fatalf("tx_send: %s", body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}
