package examples

import (
	crand "crypto/rand"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/contracts/harness"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// BenchmarkTokenTransfers measures the token example's transfer through
// the block path, as a node receiving a block from a peer runs it:
// chain's ValidateBlock verifies the signatures (in batches, on 2 workers,
// alongside execution), executes each transaction in the VM and computes
// the state root. Each block holds one transfer from each of 1,000
// accounts to another; building and signing blocks is not timed. The
// block gas limit is raised so that a block holds them all.
func BenchmarkTokenTransfers(b *testing.B) {
	const senders = 1000
	code := Build(b, "token")
	v, err := vm.New(vm.NewWasmerEngine(), vm.Options{CodeCache: harness.CodeCache()})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	key := func(label string) crypto.PrivateKey {
		seed := sha256.Sum256([]byte(label))
		k, _ := crypto.NewKeyFromSeed(seed[:])
		return k
	}
	val, owner := key("bench validator"), key("bench owner")
	g := &chain.Genesis{ChainID: "bench", Time: 1_700_000_000_000, BlockGasLimit: 1 << 40,
		Validators: []crypto.PublicKey{val.Public()}}
	keys := make([]crypto.PrivateKey, senders)
	rich := types.NewAmount(1 << 62)
	g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: types.AddressOf(owner.Public()), Balance: rich})
	for i := range keys {
		keys[i] = key(fmt.Sprintf("bench sender %d", i))
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: types.AddressOf(keys[i].Public()), Balance: rich})
	}
	gblk, gres, err := g.Block()
	if err != nil {
		b.Fatal(err)
	}
	exec, err := chain.NewExecutor(g.Config(), chain.ExecOptions{Workers: 2, Rand: crand.Reader, VM: v})
	if err != nil {
		b.Fatal(err)
	}
	state, root := chain.NewMemState(), chain.NewRoot()
	head := gblk.Header
	commit := func(blk *types.Block, res *chain.BlockResult) {
		state.Apply(res.Changes)
		root.Apply(res.Buckets)
		head = blk.Header
	}
	commit(gblk, gres)
	nonces := map[types.Address]uint64{}
	sign := func(k crypto.PrivateKey, tx *types.Tx) *types.Tx {
		a := types.AddressOf(k.Public())
		tx.ChainID, tx.Nonce, tx.GasPrice = "bench", nonces[a], 1
		if tx.GasLimit == 0 {
			tx.GasLimit = 1_000_000
		}
		nonces[a]++
		tx.Sign(k)
		return tx
	}
	build := func(txs []*types.Tx) *types.Block {
		blk, res, invalid, err := exec.BuildBlock(&head, state, root, chain.BlockSpec{Slot: head.Slot + 1, Time: head.Time + 1000, Key: val}, txs)
		if err != nil || len(invalid) != 0 || len(blk.Txs) != len(txs) {
			b.Fatalf("build: %v %v (%d of %d txs)", err, invalid, len(blk.Txs), len(txs))
		}
		for _, rc := range res.Receipts {
			if rc.Status != types.ReceiptSuccess {
				b.Fatalf("setup transaction failed: %s", rc.Error)
			}
		}
		return blk
	}

	// Set up: deploy the token, mint to every sender (not timed).
	deploy := sign(owner, &types.Tx{Kind: types.TxDeploy, Code: code, Input: []byte(`{"name":"Bench","symbol":"B","supply":"0"}`), GasLimit: chain.MaxTxGas})
	blk := build([]*types.Tx{deploy})
	res, err := exec.ValidateBlock(&head, state, root, blk, head.Time+1000)
	if err != nil {
		b.Fatal(err)
	}
	commit(blk, res)
	token := types.ContractAddress(types.AddressOf(owner.Public()), 0)
	var mints []*types.Tx
	for _, k := range keys {
		in := fmt.Sprintf(`{"to":%q,"amount":"1000000000000"}`, types.AddressOf(k.Public()))
		mints = append(mints, sign(owner, &types.Tx{Kind: types.TxCall, To: token, Method: "mint", Input: []byte(in)}))
	}
	blk = build(mints)
	res, _ = exec.ValidateBlock(&head, state, root, blk, head.Time+1000)
	commit(blk, res)

	var validating, building time.Duration
	var gas uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		txs := make([]*types.Tx, senders)
		for j, k := range keys {
			to := types.AddressOf(keys[(j+1+i)%senders].Public())
			in := fmt.Sprintf(`{"to":%q,"amount":"%d"}`, to, 1+i%7)
			txs[j] = sign(k, &types.Tx{Kind: types.TxCall, To: token, Method: "transfer", Input: []byte(in), GasLimit: 400_000})
		}
		t0 := time.Now()
		blk := build(txs)
		building += time.Since(t0)
		if blk, err = types.DecodeBlock(blk.Encode()); err != nil { // what a peer receives
			b.Fatal(err)
		}
		b.StartTimer()
		t0 = time.Now()
		res, err := exec.ValidateBlock(&head, state, root, blk, head.Time+1000)
		validating += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		for _, rc := range res.Receipts {
			if rc.Status != types.ReceiptSuccess {
				b.Fatalf("transfer failed: %s", rc.Error)
			}
		}
		gas += res.GasUsed
		commit(blk, res)
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N * senders)
	b.ReportMetric(n/validating.Seconds(), "transfers/s")
	b.ReportMetric(float64(validating.Microseconds())/n, "us/transfer")
	b.ReportMetric(float64(gas)/n, "gas/transfer")
	b.ReportMetric(float64(building.Microseconds())/n, "build-us/transfer")
	s := v.Stats()
	b.ReportMetric(float64(s.Instances), "instances")
}
