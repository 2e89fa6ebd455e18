package vm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Tests of contracts built by the standard Go toolchain (GOOS=wasip1):
// WASI answered deterministically, _initialize charged once, snapshots.
// The contract is testdata/gocontract, built once per test process; the
// compiled module is shared between the tests' VMs through an in-memory
// code cache (compiling a Go module takes seconds).

var goBuild struct {
	once sync.Once
	code []byte
	err  error
	skip string
}

// goContract builds testdata/gocontract, or skips the test without a go
// command.
func goContract(t testing.TB) []byte {
	t.Helper()
	goBuild.once.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
			if _, err := os.Stat(goCmd); err != nil {
				goBuild.skip = "no go command to build a Go contract with"
				return
			}
		}
		dir, err := os.MkdirTemp("", "vm-gocontract")
		if err != nil {
			goBuild.err = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "c.wasm")
		cmd := exec.Command(goCmd, "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
		cmd.Dir = "testdata/gocontract"
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
		if msg, err := cmd.CombinedOutput(); err != nil {
			goBuild.err = err
			goBuild.skip = string(msg)
			return
		}
		goBuild.code, goBuild.err = os.ReadFile(out)
		if goBuild.err == nil {
			goBuild.err = pin(goBuild.code)
		}
	})
	if goBuild.err != nil {
		t.Fatalf("build the Go contract: %v\n%s", goBuild.err, goBuild.skip)
	}
	if goBuild.skip != "" {
		t.Skip(goBuild.skip)
	}
	return goBuild.code
}

// pinned holds a VM per engine that loaded the Go contract and is never
// closed, so that the tests' VMs find its compiled module in the shared
// caches (wazero's in-memory cache drops a module when the last runtime
// using it closes it).
var pinned []*VM

// pin loads code on a VM of every engine, kept for the test process.
func pin(code []byte) error {
	for _, newEngine := range engineFactories {
		v, err := New(newEngine(), Options{CodeCache: testCodeCache})
		if err != nil {
			return err
		}
		if err := v.LoadCode(code); err != nil {
			return err
		}
		pinned = append(pinned, v)
	}
	return nil
}

// memCodeCache is a CodeCache in memory, shared by the tests' VMs.
type memCodeCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *memCodeCache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok
}

func (c *memCodeCache) Put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = data
}

var testCodeCache = &memCodeCache{m: map[string][]byte{}}

// newGoEnv is a test env whose VM shares the compiled modules, with the
// Go contract deployed at goAddr.
func newGoEnv(t testing.TB) (*testEnv, Result) {
	code := goContract(t)
	e := newTestEnv(t, Options{CodeCache: testCodeCache})
	e.env.TxHash = types.Hash{1, 2, 3}
	return e, e.deploy(goAddr, code, nil)
}

var goAddr = addr(0x60)

func TestGoContractDeployChargesInitializeOnce(t *testing.T) {
	e, d := newGoEnv(t)
	code := goContract(t)
	s := DefaultSchedule()
	price := s.Deploy + s.DeployPerByte*uint64(len(code))
	init := d.GasUsed - price
	t.Logf("Go contract: %d bytes, deploy price %d, _initialize %d gas", len(code), price, init)
	if init < 100_000 || d.GasUsed > MaxGas/2 {
		t.Fatalf("deploy used %d gas: %d for _initialize", d.GasUsed, init)
	}
	// Calls are charged their own work only: the restored snapshot stands
	// for _initialize.
	r := e.mustCall(goAddr, "empty", nil)
	if r.GasUsed > 20_000 {
		t.Fatalf("empty method used %d gas", r.GasUsed)
	}
	if r2 := e.mustCall(goAddr, "empty", nil); r2.GasUsed != r.GasUsed {
		t.Fatalf("empty method: %d then %d gas", r.GasUsed, r2.GasUsed)
	}
	for i := 0; i < 3; i++ {
		if r := e.mustCall(goAddr, "fresh", nil); binary.LittleEndian.Uint64(r.ReturnData) != 1 {
			t.Fatalf("call %d saw the state of an earlier call", i)
		}
	}
	wantKind(t, e.call(goAddr, "_initialize", nil), KindNoMethod)
}

func TestGoContractClockAndSleep(t *testing.T) {
	e, _ := newGoEnv(t)
	r := e.mustCall(goAddr, "now", nil)
	if got := binary.LittleEndian.Uint64(r.ReturnData); got != e.env.BlockTime*1_000_000 {
		t.Fatalf("time.Now = %d ns, want the block time %d ms", got, e.env.BlockTime)
	}
	if since := binary.LittleEndian.Uint64(r.ReturnData[8:]); since != 0 {
		t.Fatalf("time.Since = %d within a call", since)
	}
	r = e.mustCall(goAddr, "sleep", nil)
	if slept := binary.LittleEndian.Uint64(r.ReturnData); slept < 1_500_000_000 || slept > 1_600_000_000 {
		t.Fatalf("slept %d ns of virtual time, want 1.5 s", slept)
	}
	e.env.BlockTime += 1000
	r = e.mustCall(goAddr, "now", nil)
	if got := binary.LittleEndian.Uint64(r.ReturnData); got != e.env.BlockTime*1_000_000 {
		t.Fatalf("time.Now = %d after a sleep in another call", got)
	}
}

func TestGoContractRandomness(t *testing.T) {
	e, _ := newGoEnv(t)
	a := e.mustCall(goAddr, "random", nil).ReturnData
	b := e.mustCall(goAddr, "random", nil).ReturnData
	if !bytes.Equal(a, b) {
		t.Fatal("the same transaction drew different random bytes")
	}
	e.env.TxHash[0]++
	if c := e.mustCall(goAddr, "random", nil).ReturnData; bytes.Equal(a, c) || len(c) != 48 {
		t.Fatal("another transaction drew the same random bytes")
	}
	// A second VM agrees.
	e2, _ := newGoEnv(t)
	e2.env.TxHash = e.env.TxHash
	if c, d := e.mustCall(goAddr, "random", nil).ReturnData, e2.mustCall(goAddr, "random", nil).ReturnData; !bytes.Equal(c, d) {
		t.Fatal("two VMs drew different random bytes")
	}
}

func TestGoContractMapsGoroutinesGC(t *testing.T) {
	e, _ := newGoEnv(t)
	first := e.mustCall(goAddr, "maporder", nil).ReturnData
	for i := 0; i < 3; i++ {
		if again := e.mustCall(goAddr, "maporder", nil).ReturnData; !bytes.Equal(first, again) {
			t.Fatalf("map order changed between calls:\n%q\n%q", first, again)
		}
	}
	e2, _ := newGoEnv(t)
	e2.vm.reuse = false // every call in a fresh instance that runs _initialize
	if other := e2.mustCall(goAddr, "maporder", nil).ReturnData; !bytes.Equal(first, other) {
		t.Fatalf("map order differs in a fresh instance:\n%q\n%q", first, other)
	}
	if r := e.mustCall(goAddr, "goroutines", nil); !bytes.Equal(r.ReturnData, []byte{0, 1, 4, 9, 16, 25, 36, 49, 64, 81}) {
		t.Fatalf("goroutines returned %v", r.ReturnData)
	}
	if r := e.mustCall(goAddr, "gc", nil); binary.LittleEndian.Uint64(r.ReturnData) == 0 {
		t.Fatal("no GC ran")
	}
}

func TestGoContractOutputAndFailures(t *testing.T) {
	e, _ := newGoEnv(t)
	r := e.mustCall(goAddr, "print", nil)
	want := []string{goAddr.String() + ": hello from Go 64", goAddr.String() + ": to stderr, no newline"}
	if !reflect.DeepEqual(r.Logs, want) {
		t.Fatalf("logs %q, want %q", r.Logs, want)
	}
	ee := wantKind(t, e.call(goAddr, "panics", nil), KindTrap)
	if ee.Message != "unreachable executed after panic: boom 64" {
		t.Fatalf("panic: %q", ee.Message)
	}
	ee = wantKind(t, e.call(goAddr, "nilderef", nil), KindTrap)
	if !strings.HasPrefix(ee.Message, "unreachable executed after panic: runtime error: invalid memory address or nil pointer dereference") {
		t.Fatalf("nil dereference: %q", ee.Message)
	}
	r = e.call(goAddr, "revert", nil)
	if ee := wantKind(t, r, KindRevert); ee.Message != "no way" {
		t.Fatalf("revert: %q", ee.Message)
	}
	// Failed calls leave the contract working, in the snapshot's state.
	if r := e.mustCall(goAddr, "fresh", nil); binary.LittleEndian.Uint64(r.ReturnData) != 1 {
		t.Fatal("state after failures")
	}
}

func TestGoContractStorageAndGrowth(t *testing.T) {
	e, _ := newGoEnv(t)
	if r := e.mustCall(goAddr, "store", []byte("v1")); len(r.ReturnData) != 0 {
		t.Fatalf("store: %q", r.ReturnData)
	}
	if r := e.mustCall(goAddr, "store", []byte("v2")); string(r.ReturnData) != "v1" {
		t.Fatalf("store: %q", r.ReturnData)
	}
	// 1 MiB of allocations grows the memory: the instance is not kept,
	// and the next calls are as before.
	before := e.vm.Stats()
	big := e.mustCall(goAddr, "alloc", binary.LittleEndian.AppendUint64(nil, 1024))
	small := e.mustCall(goAddr, "alloc", binary.LittleEndian.AppendUint64(nil, 1))
	again := e.mustCall(goAddr, "alloc", binary.LittleEndian.AppendUint64(nil, 1024))
	if big.GasUsed != again.GasUsed || small.GasUsed >= big.GasUsed {
		t.Fatalf("alloc gas: %d, %d, %d", big.GasUsed, small.GasUsed, again.GasUsed)
	}
	if s := e.vm.Stats(); s.Instances-before.Instances != 1 {
		t.Fatalf("grown instances kept: %+v then %+v", before, s)
	}
}

// A Go contract stopped by the node's time limit fails with a timeout
// (node-local); its instance is discarded and the next call runs.
func TestGoContractTimeout(t *testing.T) {
	e, _ := newGoEnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	r := e.vm.Call(ctx, e.host, &e.env, CallRequest{Caller: alice, Contract: goAddr, Method: "spin", Gas: MaxGas})
	if !errors.Is(r.Err, ErrTimeout) && !errors.Is(r.Err, ErrOutOfGas) {
		t.Fatalf("spin with a 1 ms limit: %v", r.Err)
	}
	if r := e.call(goAddr, "spin", nil); !errors.Is(r.Err, ErrOutOfGas) || r.GasUsed != MaxGas {
		t.Fatalf("spin: %v, %d gas", r.Err, r.GasUsed)
	}
	if r := e.mustCall(goAddr, "fresh", nil); binary.LittleEndian.Uint64(r.ReturnData) != 1 {
		t.Fatal("state after the timeout")
	}
}

// The same calls give the same gas, results and storage with kept
// instances, with a fresh instance (running _initialize) for every call,
// and in a second VM.
func TestGoContractDeterminism(t *testing.T) {
	run := func(reuse bool) ([]outcomeRecord, []string) {
		e, d := newGoEnv(t)
		e.vm.reuse = reuse
		out := []outcomeRecord{{Gas: d.GasUsed}}
		for i := 0; i < 3; i++ {
			for _, m := range []string{"empty", "now", "random", "maporder", "goroutines", "store", "panics", "revert", "fresh", "gc", "sleep"} {
				r := e.callGas(goAddr, m, []byte{byte(i)}, MaxGas)
				rec := outcomeRecord{Gas: r.GasUsed, Return: r.ReturnData, Events: r.Events}
				if r.Err != nil {
					rec.Err = r.Err.Error()
				}
				out = append(out, rec)
				e.env.TxHash[1]++
				e.env.BlockTime += 7
			}
		}
		return out, e.host.dump()
	}
	a, sa := run(true)
	b, sb := run(true)
	c, sc := run(false)
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) || !reflect.DeepEqual(a[i], c[i]) {
			t.Fatalf("step %d differs:\n%+v\n%+v\n%+v", i, a[i], b[i], c[i])
		}
	}
	if !reflect.DeepEqual(sa, sb) || !reflect.DeepEqual(sa, sc) {
		t.Fatal("storage differs")
	}
}

// After each call the kept instance's memory is exactly the snapshot,
// however it was restored (pages written since, or mapped afresh). An
// instance whose memory grew (gc allocates 4 MB) is not kept.
func TestGoContractRestoreExact(t *testing.T) {
	e, _ := newGoEnv(t)
	m := e.vm.modules[types.Hash(crypto.Sum256(goContract(t)))]
	kept := 0
	for i, method := range []string{"empty", "maporder", "alloc", "print", "gc", "alloc", "fresh", "goroutines", "empty"} {
		var in []byte
		if method == "alloc" {
			in = binary.LittleEndian.AppendUint64(nil, uint64(i))
		}
		e.mustCall(goAddr, method, in)
		if len(m.idle) == 0 {
			continue
		}
		kept++
		if !bytes.Equal(m.idle[0].Memory(), m.snap.Memory) {
			t.Fatalf("%s: memory differs from the snapshot after restore", method)
		}
	}
	if kept < 8 {
		t.Fatalf("%d of 9 calls kept their instance", kept)
	}
}
