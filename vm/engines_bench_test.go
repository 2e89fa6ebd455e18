package vm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	counter "github.com/noded/noded/contracts/examples/counter-wat"
	"github.com/noded/noded/types"
)

// The contract benchmarks on every engine of the build, side by side in
// one run, so that the engines can be compared under the same load:
//
//	go test ./vm -run '^$' -bench 'Engines' -count 5
//	go test ./vm -run '^$' -bench 'EngineMemory' -benchtime 1x
//
// BenchmarkEngines/engine=NAME/... measures calls, compute, compiling and
// loading from the cache; BenchmarkEngineMemory the memory of a process
// that ran 100,000 calls on 1,000 contracts, one process per engine.
// docs/benchmarks.md ("Contract engines") has the figures.

// BuildExample builds a Go example contract of contracts/examples
// (counter, token, escrow). That package imports this one, so only an
// external test package may call it: engines_examples_test.go sets it.
var BuildExample func(tb testing.TB, name string) []byte

// benchEngineNames lists the engines of this build, wasmer first.
func benchEngineNames() []string {
	var names []string
	for _, n := range []string{EngineWasmer, EngineWazero} {
		if CheckEngine(n) == nil {
			names = append(names, n)
		}
	}
	return names
}

// newEngineEnv is a test env on a fresh engine called name, without any
// compilation cache.
func newEngineEnv(tb testing.TB, name string) *testEnv {
	tb.Helper()
	eng, err := NewEngine(name, EngineOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	v, err := New(eng, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	return &testEnv{t: tb, vm: v, host: newFakeHost(), env: Env{BlockHeight: 7, BlockTime: 1_700_000_000_000, Origin: alice}}
}

// computeWAT burns gas in pure computation: fib is a recursive
// Fibonacci (calls and branches), loop an arithmetic loop.
const computeWAT = `(module
  (memory (export "memory") 1)
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "fib") (i32.store (i32.const 0) (call $fib (i32.const 20))))
  (func (export "loop") (local $i i32) (local $x i64)
    (local.set $x (i64.const 1))
    (loop $l
      (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005)) (i64.const 1442695040888963407)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 50000))))
    (i64.store (i32.const 8) (local.get $x))))`

// BenchmarkEngines runs the contract benchmarks on each engine:
//
//   - EmptyCall: an empty WAT method through VM.Call on a kept instance,
//     the per-call overhead; StorageCall: 2 storage reads and 1 write;
//   - GoCall: increment of the Go counter example (JSON in and out, a
//     storage read and write, an event), on a kept instance;
//   - Compute/fib and Compute/loop: instrumented computation, in gas/s;
//   - Compile/wat-5KB and Compile/go-token-2MB: compiling an instrumented
//     module (the 5 KB harness contract, the Go token example);
//   - CacheLoad/...: making the same module from the engine's cache, as a
//     restarted node does: wasmer deserializes what Module.Serialize wrote
//     (the VM's CodeCache); wazero compiles with its compilation cache
//     folder (EngineOptions.WazeroCacheDir) holding the module.
//
// Compile and CacheLoad each make a module per iteration: wasmer-go
// leaks two memory mappings per module and aborts the process near
// 32,000, so run them with -benchtime Nx (bench/run.sh does); a
// sub-benchmark that would pass benchModuleBudget skips.
func BenchmarkEngines(b *testing.B) {
	for _, name := range benchEngineNames() {
		b.Run("engine="+name, func(b *testing.B) {
			e := newEngineEnv(b, name)
			b.Run("EmptyCall", func(b *testing.B) {
				benchCallsOn(b, e, deployOnce(b, e, addr(0x42), func() []byte { return wat(b, storageWAT) }), "empty", nil)
			})
			b.Run("StorageCall", func(b *testing.B) {
				benchCallsOn(b, e, deployOnce(b, e, addr(0x42), func() []byte { return wat(b, storageWAT) }), "transfer", nil)
			})
			b.Run("GoCall", func(b *testing.B) {
				c := deployOnce(b, e, addr(0x61), func() []byte { return buildExample(b, "counter") })
				benchCallsOn(b, e, c, "increment", nil)
				// A kept instance's memory is restored after each call.
				_, hash, _ := e.host.Code(c)
				if m := e.vm.modules[hash]; m != nil && m.snap != nil {
					b.ReportMetric(float64(len(m.snap.Memory))/1024, "memory-KB")
				}
			})
			for _, m := range []string{"fib", "loop"} {
				b.Run("Compute/"+m, func(b *testing.B) {
					c := deployOnce(b, e, addr(0x44), func() []byte { return wat(b, computeWAT) })
					benchCallsOn(b, e, c, m, nil)
				})
			}
			modules := []struct {
				name string
				code func(b *testing.B) []byte
			}{
				{"wat-5KB", func(b *testing.B) []byte { return wat(b, harnessWAT) }},
				{"go-token-2MB", func(b *testing.B) []byte { return buildExample(b, "token") }},
			}
			instrumented := map[string][]byte{}
			prepared := func(b *testing.B, i int) []byte {
				m := modules[i]
				if code, ok := instrumented[m.name]; ok {
					return code
				}
				p, err := e.vm.prepare(m.code(b))
				if err != nil {
					b.Fatal(err)
				}
				instrumented[m.name] = p.code
				return p.code
			}
			b.Run("Compile", func(b *testing.B) {
				for i, m := range modules {
					b.Run(m.name, func(b *testing.B) {
						code := prepared(b, i)
						benchModules(b, name, len(code), func() (Module, error) { return e.vm.engine.Compile(code) })
					})
				}
			})
			b.Run("CacheLoad", func(parent *testing.B) {
				type loader struct {
					load func() (Module, error)
					size int64
				}
				loaders := map[string]loader{}
				for i, m := range modules {
					parent.Run(m.name, func(b *testing.B) {
						code := prepared(b, i)
						l, ok := loaders[m.name]
						if !ok {
							l.load, l.size = cachedLoader(parent, b, name, code)
							loaders[m.name] = l
						}
						benchModules(b, name, len(code), l.load)
						b.ReportMetric(float64(l.size)/1024, "cache-KB")
					})
				}
			})
		})
	}
}

// deployOnce deploys the code that code returns at a on e's VM, the first
// time it is asked for a, and returns a.
func deployOnce(b *testing.B, e *testEnv, a types.Address, code func() []byte) types.Address {
	if c, _, _ := e.host.Code(a); c == nil {
		r := e.vm.Deploy(context.Background(), e.host, &e.env, alice, a, code(), nil, types.Amount{}, MaxGas)
		if r.Err != nil {
			b.Fatalf("deploy: %v", r.Err)
		}
		e.host.journal = e.host.journal[:0]
	}
	return a
}

// buildExample builds a Go example contract, or skips the benchmark.
func buildExample(tb testing.TB, name string) []byte {
	tb.Helper()
	if BuildExample == nil {
		tb.Skip("the Go examples are built by engines_examples_test.go (package vm_test)")
	}
	return BuildExample(tb, name)
}

// benchModuleBudget is how many modules the Compile and CacheLoad
// benchmarks make in one process: wasmer-go aborts near 32,000.
const benchModuleBudget = 20_000

var benchModulesMade int

// benchModules makes b.N modules with newModule and closes them, reporting
// the time per module.
func benchModules(b *testing.B, engine string, size int, newModule func() (Module, error)) {
	if engine == EngineWasmer {
		if benchModulesMade+b.N > benchModuleBudget {
			b.Skipf("%d more wasmer modules would pass the process's budget of %d (wasmer-go leaks two mappings per module): use -benchtime Nx", b.N, benchModuleBudget)
		}
		benchModulesMade += b.N
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := newModule()
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
	b.ReportMetric(float64(size)/1024, "wasm-KB")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/module")
}

// cachedLoader returns a function that makes code's module from the
// cache of a new engine called name, after compiling it once into that
// cache, and the size of the cached form. The engine and its cache live
// as long as owner.
func cachedLoader(owner, b testing.TB, name string, code []byte) (func() (Module, error), int64) {
	dir := owner.TempDir()
	eng, err := NewEngine(name, EngineOptions{WazeroCacheDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	v, err := New(eng, Options{}) // binds the host functions
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(func() { _ = v.Close() })
	m, err := eng.Compile(code)
	if err != nil {
		b.Fatal(err)
	}
	data, err := m.Serialize()
	m.Close()
	switch {
	case err == nil:
		return func() (Module, error) { return eng.Load(data) }, int64(len(data))
	case errors.Is(err, ErrNotSerializable):
		// Closing the module dropped it from the engine's memory: the
		// next compile finds it in the cache folder.
		var size int64
		_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil {
					size += info.Size()
				}
			}
			return nil
		})
		if size == 0 {
			b.Fatalf("engine %s wrote nothing to its cache folder", name)
		}
		return func() (Module, error) { return eng.Compile(code) }, size
	default:
		b.Fatal(err)
		return nil, 0
	}
}

// The memory benchmark: a process of its own per engine (the test binary
// run again), so that one engine's leaks do not count against the other.

const (
	memChildEnv     = "NODED_BENCH_MEM_CHILD"     // the engine the child measures
	memModulesEnv   = "NODED_BENCH_MEM_MODULES"   // the file of the contracts' code
	memCallsEnv     = "NODED_BENCH_MEM_CALLS"     // calls, default 100,000
	memContractsEnv = "NODED_BENCH_MEM_CONTRACTS" // contracts, default 1,000
	memReportPrefix = "engine-memory: "
)

// memSample is the memory of the process at one point.
type memSample struct {
	RSS     int64 // VmRSS, bytes
	RssAnon int64 // RssAnon: anonymous memory (heaps, Go's and the engine's)
	Heap    int64 // Go heap in use after a collection (HeapAlloc)
	Maps    int   // memory mappings (/proc/self/maps lines)
}

// memReport is what a child prints.
type memReport struct {
	Engine                 string
	Contracts, Calls       int
	Before, Deployed, Done memSample
	Warm                   memSample // after the first call of each contract
	CallSeconds            float64
}

// BenchmarkEngineMemory deploys 1,000 distinct copies of the counter
// example (counter-wat, each with one more function returning its own
// number, so that their code and compiled modules differ) and makes
// 100,000 increment calls spread evenly over them, in a new process per
// engine. It reports the process's memory after the calls (rss-MB,
// rssanon-MB, heap-MB: the Go heap), the same before the deploys, the
// growth of RssAnon per contract deployed, and the growth of RssAnon and
// of the Go heap per call after the first call of each contract. -short: 100
// contracts and 10,000 calls; NODED_BENCH_MEM_CONTRACTS and
// NODED_BENCH_MEM_CALLS set other counts.
func BenchmarkEngineMemory(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc/self/status")
	}
	contracts, calls := 1000, 100_000
	if testing.Short() {
		contracts, calls = 100, 10_000
	}
	contracts = envInt(b, memContractsEnv, contracts)
	calls = envInt(b, memCallsEnv, calls)
	if calls <= contracts {
		b.Fatalf("%d calls on %d contracts: want more calls than contracts", calls, contracts)
	}
	file := filepath.Join(b.TempDir(), "contracts.bin")
	var buf bytes.Buffer
	for i := range contracts {
		code := wat(b, distinctCounterWAT(i))
		buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(code))))
		buf.Write(code)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, name := range benchEngineNames() {
		b.Run("engine="+name, func(b *testing.B) {
			var r memReport
			for i := 0; i < b.N; i++ {
				r = runMemChild(b, name, file, contracts, calls)
			}
			mb := func(v int64) float64 { return float64(v) / (1 << 20) }
			b.ReportMetric(mb(r.Before.RSS), "rss-before-MB")
			b.ReportMetric(mb(r.Done.RSS), "rss-MB")
			b.ReportMetric(mb(r.Before.RssAnon), "rssanon-before-MB")
			b.ReportMetric(mb(r.Done.RssAnon), "rssanon-MB")
			b.ReportMetric(mb(r.Before.Heap), "heap-before-MB")
			b.ReportMetric(mb(r.Done.Heap), "heap-MB")
			b.ReportMetric(float64(r.Deployed.RssAnon-r.Before.RssAnon)/1024/float64(r.Contracts), "rssanon-KB/contract")
			b.ReportMetric(float64(r.Done.RssAnon-r.Warm.RssAnon)/float64(r.Calls-r.Contracts), "rssanon-B/call")
			b.ReportMetric(float64(r.Done.Heap-r.Warm.Heap)/float64(r.Calls-r.Contracts), "heap-B/call")
			b.ReportMetric(float64(r.Done.Maps), "mappings")
			b.ReportMetric(float64(r.Calls)/r.CallSeconds, "calls/s")
			b.Logf("%s: %d contracts, %d calls: RSS %.1f -> %.1f -> %.1f -> %.1f MB, RssAnon %.1f -> %.1f -> %.1f -> %.1f MB, Go heap %.1f -> %.1f -> %.1f -> %.1f MB, mappings %d -> %d -> %d -> %d (before the deploys -> after them -> after a call of each -> after the calls)",
				name, r.Contracts, r.Calls, mb(r.Before.RSS), mb(r.Deployed.RSS), mb(r.Warm.RSS), mb(r.Done.RSS),
				mb(r.Before.RssAnon), mb(r.Deployed.RssAnon), mb(r.Warm.RssAnon), mb(r.Done.RssAnon),
				mb(r.Before.Heap), mb(r.Deployed.Heap), mb(r.Warm.Heap), mb(r.Done.Heap),
				r.Before.Maps, r.Deployed.Maps, r.Warm.Maps, r.Done.Maps)
		})
	}
}

func envInt(tb testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// distinctCounterWAT is the counter example with a function returning i
// added, so that each i gives other code.
func distinctCounterWAT(i int) string {
	src := strings.TrimSpace(counter.WAT)
	return strings.TrimSuffix(src, ")") + fmt.Sprintf("\n  (func (export \"bench_id\") (drop (i64.const %d))))", i)
}

// runMemChild runs TestEngineMemoryChild in a new process and returns
// its report.
func runMemChild(b *testing.B, engine, file string, contracts, calls int) memReport {
	cmd := exec.Command(os.Args[0], "-test.run=^TestEngineMemoryChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), memChildEnv+"="+engine, memModulesEnv+"="+file,
		memContractsEnv+"="+strconv.Itoa(contracts), memCallsEnv+"="+strconv.Itoa(calls))
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child process for %s: %v\n%s", engine, err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if _, js, ok := strings.Cut(sc.Text(), memReportPrefix); ok {
			var r memReport
			if err := json.Unmarshal([]byte(js), &r); err != nil {
				b.Fatal(err)
			}
			return r
		}
	}
	b.Fatalf("no report from the child process for %s:\n%s", engine, out)
	return memReport{}
}

// TestEngineMemoryChild is BenchmarkEngineMemory's measurement, in the
// child process it starts; otherwise it skips.
func TestEngineMemoryChild(t *testing.T) {
	engine := os.Getenv(memChildEnv)
	if engine == "" {
		t.Skip("run by BenchmarkEngineMemory in a process of its own")
	}
	data, err := os.ReadFile(os.Getenv(memModulesEnv))
	if err != nil {
		t.Fatal(err)
	}
	var codes [][]byte
	for len(data) >= 4 {
		n := binary.LittleEndian.Uint32(data)
		codes, data = append(codes, data[4:4+n]), data[4+n:]
	}
	calls := envInt(t, memCallsEnv, 100_000)
	if n := envInt(t, memContractsEnv, len(codes)); n != len(codes) {
		t.Fatalf("%d contracts in the file, %d expected", len(codes), n)
	}
	e := newEngineEnv(t, engine)
	ctx := context.Background()
	addrs := make([]types.Address, len(codes))
	r := memReport{Engine: engine, Contracts: len(codes), Calls: calls}
	r.Before = sampleMemory(t)
	for i, code := range codes {
		addrs[i] = types.Address{0xC1, byte(i >> 16), byte(i >> 8), byte(i)}
		e.deploy(addrs[i], code, nil)
		e.host.journal = e.host.journal[:0]
	}
	codes, data = nil, nil
	r.Deployed = sampleMemory(t)
	start := time.Now()
	for i := range calls {
		if i == len(addrs) {
			paused := time.Now()
			r.Warm = sampleMemory(t)
			start = start.Add(time.Since(paused))
		}
		req := CallRequest{Caller: alice, Contract: addrs[i%len(addrs)], Method: counter.MethodIncrement, Gas: 100_000}
		if res := e.vm.Call(ctx, e.host, &e.env, req); res.Err != nil {
			t.Fatalf("call %d: %v", i, res.Err)
		}
		e.host.journal = e.host.journal[:0]
	}
	r.CallSeconds = time.Since(start).Seconds()
	r.Done = sampleMemory(t)
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%s\n", memReportPrefix, js)
	runtime.KeepAlive(e)
}

// sampleMemory returns the process's memory after a collection that
// returns freed memory to the system.
func sampleMemory(tb testing.TB) memSample {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := memSample{Heap: int64(ms.HeapAlloc)}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			s.RSS = n << 10
		case "RssAnon":
			s.RssAnon = n << 10
		}
	}
	if maps, err := os.ReadFile("/proc/self/maps"); err == nil {
		s.Maps = bytes.Count(maps, []byte{'\n'})
	}
	return s
}
