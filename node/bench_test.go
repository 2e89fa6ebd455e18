package node

import (
	"bytes"
	crand "crypto/rand"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/cputime"
	"github.com/noded/noded/internal/rawhttp"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// BenchmarkBlockTransfers measures what a node does with a block of 5,000
// signed transfers from a peer: validate (signatures in batches, in
// parallel), execute, update the state root, and commit to pebble with
// Sync. Building and signing the block are not timed. keys=cached is the
// node as it runs, its cache of decompressed sender keys warm (senders
// repeat from block to block, as they do on a live chain); keys=cold
// decompresses every sender's key.
func BenchmarkBlockTransfers(b *testing.B) {
	for _, cached := range []bool{true, false} {
		name := map[bool]string{true: "keys=cached", false: "keys=cold"}[cached]
		b.Run(name, func(b *testing.B) {
			const txs = 5000
			opts := chain.ExecOptions{Workers: 2, Rand: crand.Reader}
			if cached {
				opts.KeyCache = crypto.NewKeyCache(1 << 16)
			}
			bc := newBenchChain(b, txs, opts)
			bc.run(b, func(i, j int) *types.Tx {
				tx := &types.Tx{ChainID: "bench", Nonce: uint64(i), Kind: types.TxTransfer,
					To: types.AddressOf(bc.keys[(j+1)%txs].Public()), Amount: types.NewAmount(1), GasPrice: 1}
				tx.GasLimit = chain.IntrinsicGas(tx)
				return tx
			})
			bc.report(b, "transfers/s")
		})
	}
}

// benchChain is a chain on pebble with one validator and funded senders,
// for benchmarks of what a node does with a peer's block.
type benchChain struct {
	db   *store.DB
	exec *chain.Executor
	root *chain.Root
	head types.Header
	val  crypto.PrivateKey
	keys []crypto.PrivateKey // the senders

	// What apply measured.
	validating, committing, cpu time.Duration
	txs                         int
}

func newBenchChain(b *testing.B, senders int, opts chain.ExecOptions) *benchChain {
	db, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	bc := &benchChain{db: db, val: DevValidatorKey(), keys: make([]crypto.PrivateKey, senders)}
	g := &chain.Genesis{ChainID: "bench", Time: 1, BlockGasLimit: chain.DefaultBlockGasLimit,
		Validators: []crypto.PublicKey{bc.val.Public()}}
	for i := range bc.keys {
		bc.keys[i] = wellKnownKey(fmt.Sprintf("bench %d", i))
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: types.AddressOf(bc.keys[i].Public()), Balance: DevBalance})
	}
	gblk, gres, err := g.Block()
	if err != nil {
		b.Fatal(err)
	}
	gj, _ := marshalGenesis(g)
	if err := db.InitGenesis(gj, gblk, gres); err != nil {
		b.Fatal(err)
	}
	if bc.exec, err = chain.NewExecutor(g.Config(), opts); err != nil {
		b.Fatal(err)
	}
	if bc.root, err = db.LoadRoot(); err != nil {
		b.Fatal(err)
	}
	bc.head = gblk.Header
	return bc
}

// block builds a block of txs on the head (each signed by its sender
// key), as a peer would send it, encoded and decoded.
func (bc *benchChain) block(b *testing.B, txs []*types.Tx) *types.Block {
	blk, _, _, err := bc.exec.BuildBlock(&bc.head, bc.db, bc.root, chain.BlockSpec{Slot: bc.head.Slot + 1, Time: bc.head.Time + 1, Key: bc.val}, txs)
	if err != nil || len(blk.Txs) != len(txs) {
		b.Fatalf("build: %v (%d of %d txs)", err, len(blk.Txs), len(txs))
	}
	blk, err = types.DecodeBlock(blk.Encode())
	if err != nil {
		b.Fatal(err)
	}
	return blk
}

// apply validates and commits blk and makes it the head.
func (bc *benchChain) apply(b *testing.B, blk *types.Block) {
	t0, cpu0 := time.Now(), cputime.Process()
	res, err := bc.exec.ValidateBlock(&bc.head, bc.db, bc.root, blk, bc.head.Time+1)
	if err != nil {
		b.Fatal(err)
	}
	t1 := time.Now()
	if err := bc.db.CommitBlock(blk, res); err != nil {
		b.Fatal(err)
	}
	bc.root.Apply(res.Buckets)
	bc.head = blk.Header
	bc.validating += t1.Sub(t0)
	bc.committing += time.Since(t1)
	bc.cpu += cputime.Process() - cpu0
	bc.txs += len(blk.Txs)
}

// run times b.N blocks, each of one transaction per sender made by
// txAt(iteration, sender) and signed by the sender: only validating and
// committing them count.
func (bc *benchChain) run(b *testing.B, txAt func(i, j int) *types.Tx) {
	bc.validating, bc.committing, bc.cpu, bc.txs = 0, 0, 0, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := make([]*types.Tx, len(bc.keys))
		for j := range batch {
			batch[j] = txAt(i, j)
			batch[j].Sign(bc.keys[j])
		}
		blk := bc.block(b, batch)
		b.StartTimer()
		bc.apply(b, blk)
	}
}

// report reports what run measured: transactions per second (in unit),
// and per block the time to validate and to commit, and the CPU time of
// the process, which unlike the others does not depend on what else runs
// on the machine (GOMAXPROCS x 1000 / cpu-ms/block is the rate of blocks
// that an idle machine would reach if the work spread over every core).
func (bc *benchChain) report(b *testing.B, unit string) {
	blocks := float64(b.N)
	b.ReportMetric(float64(bc.txs)/b.Elapsed().Seconds(), unit)
	b.ReportMetric(float64(bc.validating.Microseconds())/1e3/blocks, "validate-ms/block")
	b.ReportMetric(float64(bc.committing.Microseconds())/1e3/blocks, "commit-ms/block")
	b.ReportMetric(float64(bc.cpu.Microseconds())/1e3/blocks, "cpu-ms/block")
}

// BenchmarkTxSendHTTP measures tx_send over HTTP on loopback against a dev
// node (decode, signature, mempool admission), from 16 keep-alive
// connections with one request in flight each. The client is
// internal/rawhttp, as light as a load tool like wrk, so that the two cores
// go to the node. Blocks are not produced during the run. cpu-us/tx is the
// CPU of the process (node and client) per transaction.
func BenchmarkTxSendHTTP(b *testing.B) {
	const senders, perSender, conns = 64, 1000, 16
	tn := startTestNode(b, Config{Home: b.TempDir(), Dev: true, BlockTime: time.Hour, MempoolSize: 1 << 20, DevAccounts: senders})
	var bodies [][]byte
	for nonce := range uint64(perSender) {
		for i := range senders {
			tx := signedTransfer(DevKey(i), DefaultChainID, nonce, types.Address{1}, 1, 1)
			bodies = append(bodies, fmt.Appendf(nil, `{"jsonrpc":"2.0","id":1,"method":"tx_send","params":["0x%x"]}`, tx.Encode()))
		}
	}
	if b.N > len(bodies) {
		b.Fatalf("-benchtime %dx is more than the %d transactions prepared", b.N, len(bodies))
	}
	b.ResetTimer()
	cpu0 := cputime.Process()
	err := rawhttp.Load(tn.n.RPCAddr(), conns, b.N, func(i int) []byte { return bodies[i] }, func(code int, body []byte) error {
		if code != http.StatusOK || !bytes.Contains(body, []byte(`"result"`)) {
			return fmt.Errorf("tx_send: %d %s", code, body)
		}
		return nil
	})
	b.StopTimer()
	cpu := cputime.Process() - cpu0
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/tx")
}
