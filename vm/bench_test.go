package vm

import (
	"context"
	"testing"
	"time"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// storageWAT reads two keys and writes one: the shape of a token transfer.
const storageWAT = `(module
  (import "env" "storage_read" (func $sr (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $sw (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "balance-of-alice")
  (data (i32.const 16) "balance-of-bob..")
  (func (export "transfer")
    (drop (call $sr (i32.const 0) (i32.const 16) (i32.const 64) (i32.const 8)))
    (drop (call $sr (i32.const 16) (i32.const 16) (i32.const 72) (i32.const 8)))
    (i64.store (i32.const 72) (i64.add (i64.load (i32.const 72)) (i64.const 1)))
    (call $sw (i32.const 16) (i32.const 16) (i32.const 72) (i32.const 8)))
  (func (export "empty")))`

func benchCalls(b *testing.B, method string, reuse bool) {
	e := newTestEnv(b, Options{})
	e.vm.reuse = reuse
	c := addr(0x42)
	e.deploy(c, wat(b, storageWAT), nil)
	benchCallsOn(b, e, c, method, nil)
}

// benchCallsOn calls method of contract c on e b.N times and reports
// calls/s, us/call, and gas/call and gas/s if the calls use gas.
func benchCallsOn(b *testing.B, e *testEnv, c types.Address, method string, input []byte) {
	req := CallRequest{Caller: alice, Contract: c, Method: method, Input: input, Gas: MaxGas}
	ctx := context.Background()
	var gas uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := e.vm.Call(ctx, e.host, &e.env, req)
		if r.Err != nil {
			b.Fatal(r.Err)
		}
		gas += r.GasUsed
		e.host.journal = e.host.journal[:0]
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/s, "calls/s")
	b.ReportMetric(s*1e6/float64(b.N), "us/call")
	if gas > 0 {
		b.ReportMetric(float64(gas)/float64(b.N), "gas/call")
		b.ReportMetric(float64(gas)/s, "gas/s")
	}
}

// BenchmarkStorageCall: 2 storage reads and 1 write through VM.Call,
// with a kept instance (restored after each call) and with a fresh
// instance per call.
func BenchmarkStorageCall(b *testing.B) {
	b.Run("kept-instance", func(b *testing.B) { benchCalls(b, "transfer", true) })
	b.Run("fresh-instance", func(b *testing.B) { benchCalls(b, "transfer", false) })
}

// BenchmarkEmptyCall is the per-call overhead of the VM.
func BenchmarkEmptyCall(b *testing.B) {
	b.Run("kept-instance", func(b *testing.B) { benchCalls(b, "empty", true) })
	b.Run("fresh-instance", func(b *testing.B) { benchCalls(b, "empty", false) })
}

// maxModuleLoads caps the modules a benchmark makes: wasmer-go leaks two
// mappings per module and the process aborts near 32,000.
const maxModuleLoads = 2000

// BenchmarkCompile and BenchmarkLoad: compiling an instrumented module
// against loading its serialized form (the code cache).
func BenchmarkCompile(b *testing.B) {
	e := newTestEnv(b, Options{})
	p, err := e.vm.prepare(wat(b, harnessWAT))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(p.code)), "wasm-bytes")
	var n int
	start := time.Now()
	for i := 0; i < min(b.N, maxModuleLoads); i++ {
		m, err := e.vm.engine.Compile(p.code)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
		n++
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(n), "us/compile")
}

func BenchmarkLoad(b *testing.B) {
	e := newTestEnv(b, Options{})
	p, _ := e.vm.prepare(wat(b, harnessWAT))
	m, err := e.vm.engine.Compile(p.code)
	if err != nil {
		b.Fatal(err)
	}
	data, err := m.Serialize()
	m.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(data)), "serialized-bytes")
	var n int
	start := time.Now()
	for i := 0; i < min(b.N, maxModuleLoads); i++ {
		m, err := e.vm.engine.Load(data)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
		n++
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(n), "us/load")
}

// worstWAT holds candidate worst instruction mixes: each method burns gas
// until it runs out.
const worstWAT = `(module
  (import "env" "gas_left" (func $gas_left (result i64)))
  (import "env" "storage_write" (func $sw (param i32 i32 i32 i32)))
  (import "env" "storage_read" (func $sr (param i32 i32 i32 i32) (result i32)))
  (import "env" "sha256" (func $sha (param i32 i32 i32)))
  (memory (export "memory") 2)
  (table 1 funcref)
  (elem (i32.const 0) $nop)
  (type $v (func))
  (func $nop)
  (func (export "br_loop") (loop $l (br $l)))
  (func (export "call_loop") (loop $l (call $nop) (br $l)))
  (func (export "call_indirect_loop") (loop $l (call_indirect (type $v) (i32.const 0)) (br $l)))
  (func (export "div_loop") (local $x i64) (local.set $x (i64.const 7))
    (loop $l (local.set $x (i64.div_u (i64.const -1) (local.get $x))) (br $l)))
  (func (export "grow_fail_loop") (loop $l (drop (memory.grow (i32.const 0))) (br $l)))
  (func (export "copy_loop") (loop $l (memory.copy (i32.const 0) (i32.const 65536) (i32.const 65536)) (br $l)))
  (func (export "host_gas_left_loop") (loop $l (drop (call $gas_left)) (br $l)))
  (func (export "storage_write_loop") (loop $l (call $sw (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)) (br $l)))
  (func (export "storage_read_loop") (loop $l (drop (call $sr (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 8))) (br $l)))
  (func (export "sha_loop") (loop $l (call $sha (i32.const 0) (i32.const 0) (i32.const 64)) (br $l)))
  (func $rec (export "recursion") (call $rec)))`

// BenchmarkWorstGasPerSecond runs 10,000,000 gas (MaxGas) of each mix and
// reports the time it takes: it must stay far below the 5 s timeout.
func BenchmarkWorstGasPerSecond(b *testing.B) {
	for _, m := range []string{"br_loop", "call_loop", "call_indirect_loop", "div_loop", "grow_fail_loop", "copy_loop",
		"host_gas_left_loop", "storage_write_loop", "storage_read_loop", "sha_loop", "recursion"} {
		b.Run(m, func(b *testing.B) {
			e := newTestEnv(b, Options{})
			c := addr(0x43)
			e.deploy(c, wat(b, worstWAT), nil)
			b.ResetTimer()
			var gas uint64
			for i := 0; i < b.N; i++ {
				r := e.vm.Call(context.Background(), e.host, &e.env, CallRequest{Caller: alice, Contract: c, Method: m, Gas: MaxGas})
				if r.Err == nil {
					b.Fatal("no error")
				}
				gas += r.GasUsed
				e.host.journal = e.host.journal[:0]
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(gas)
			b.ReportMetric(ns, "ns/gas")
			b.ReportMetric(ns*float64(MaxGas)/1e6, "ms/MaxGas")
		})
	}
}

// BenchmarkGoCall is the engine's overhead per call of a Go contract: an
// empty method through VM.Call, with the kept instance restored after
// each call (the pages it wrote), and with a new instance each time
// (restored from the snapshot).
func BenchmarkGoCall(b *testing.B) {
	for _, mode := range []string{"kept-instance", "new-instance"} {
		b.Run(mode, func(b *testing.B) {
			e, _ := newGoEnv(b)
			req := CallRequest{Caller: alice, Contract: goAddr, Method: "empty", Gas: 100_000}
			m := e.vm.modules[types.Hash(crypto.Sum256(goContract(b)))]
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if mode == "new-instance" {
					for _, inst := range m.idle {
						inst.Close()
					}
					m.idle = nil
				}
				if r := e.vm.Call(ctx, e.host, &e.env, req); r.Err != nil {
					b.Fatal(r.Err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/call")
		})
	}
}
