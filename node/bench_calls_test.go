//go:build cgo

package node

import (
	crand "crypto/rand"
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// storageWAT's method "bump" does 2 storage reads and 1 write: b = a + b + 1.
const storageWAT = `(module
  (import "env" "storage_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "ab")
  (func (export "bump")
    (drop (call $read (i32.const 0) (i32.const 1) (i32.const 16) (i32.const 8)))
    (drop (call $read (i32.const 1) (i32.const 1) (i32.const 24) (i32.const 8)))
    (i64.store (i32.const 24) (i64.add (i64.add (i64.load (i32.const 16)) (i64.load (i32.const 24))) (i64.const 1)))
    (call $write (i32.const 1) (i32.const 1) (i32.const 24) (i32.const 8))))`

// BenchmarkBlockContractCalls is BenchmarkBlockTransfers for contract
// calls: a peer's block of 5,000 signed calls of a method that does 2
// storage reads and 1 write, validated (signatures in batches, in
// parallel), executed, hashed into the state root and committed, on each
// engine.
func BenchmarkBlockContractCalls(b *testing.B) {
	code, err := wasmer.Wat2Wasm(storageWAT)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range vm.EngineNames() {
		b.Run("engine="+name, func(b *testing.B) {
			const txs = 5000
			e, err := vm.NewEngine(name, vm.EngineOptions{})
			if err != nil {
				b.Fatal(err)
			}
			v, err := vm.New(e, vm.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { v.Close() })
			bc := newBenchChain(b, txs, chain.ExecOptions{Workers: 2, Rand: crand.Reader, VM: v, KeyCache: crypto.NewKeyCache(1 << 16)})
			deployer := bc.keys[0]
			deploy := client.NewDeploy("bench", 0, code, nil, types.Amount{}, 1_000_000, 1)
			deploy.Sign(deployer)
			bc.apply(b, bc.block(b, []*types.Tx{deploy}))
			contract := types.ContractAddress(types.AddressOf(deployer.Public()), 0)
			var gas uint64
			bc.run(b, func(i, j int) *types.Tx {
				nonce := uint64(i)
				if j == 0 {
					nonce++ // the deployer's first nonce went to the deploy
				}
				return client.NewCall("bench", nonce, contract, "bump", nil, types.Amount{}, 100_000, 1)
			})
			if head := bc.head; head.GasUsed > 0 {
				gas = head.GasUsed / txs
			}
			bc.report(b, "calls/s")
			b.ReportMetric(float64(gas), "gas/call")
		})
	}
}
