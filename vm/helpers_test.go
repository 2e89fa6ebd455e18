package vm

import (
	"context"
	"os"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/noded/noded/types"
)

// engineFactories are the engines the conformance tests and the
// cross-engine tests (vectors, fuzz) run on: wazero always, wasmer in a
// build with cgo (engines_cgo_test.go).
var engineFactories = map[string]func() Engine{
	EngineWazero: func() Engine { return NewWazeroEngine(WazeroOptions{Cache: testWazeroCache}) },
}

// testWazeroCache is wazero's in-memory compilation cache, shared by the
// tests' engines as testCodeCache is by wasmer's: a module compiled by
// one engine is found by the others while some engine keeps it open
// (pin keeps the Go contract's).
var testWazeroCache = wazero.NewCompilationCache()

// testEngine names the engine of newTestEnv: NODED_VM_ENGINE, else the
// build's DefaultEngine. `NODED_VM_ENGINE=wazero go test ./vm` runs
// every VM test on wazero.
var testEngine = func() string {
	if e := os.Getenv("NODED_VM_ENGINE"); e != "" {
		return e
	}
	return DefaultEngine
}()

// newEngine returns a fresh engine named name, failing the test if it
// is not in this build.
func newEngine(t testing.TB, name string) Engine {
	t.Helper()
	f, ok := engineFactories[name]
	if !ok {
		t.Skipf("engine %q is not in this build", name)
	}
	return f()
}

func addr(b byte) types.Address {
	var a types.Address
	a[0], a[19] = 0xC0, b
	return a
}

var (
	alice = addr(0xA1)
	bob   = addr(0xB0)
)

// testEnv is a VM, a fake host and a block env.
type testEnv struct {
	t    testing.TB
	vm   *VM
	host *fakeHost
	env  Env
}

func newTestEnv(t testing.TB, opts Options) *testEnv {
	t.Helper()
	v, err := New(newEngine(t, testEngine), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &testEnv{t: t, vm: v, host: newFakeHost(), env: Env{BlockHeight: 7, BlockTime: 1_700_000_000_000, Origin: alice}}
}

// deploy deploys code at a and fails the test if it does not succeed.
func (e *testEnv) deploy(a types.Address, code []byte, init []byte) Result {
	e.t.Helper()
	r := e.vm.Deploy(context.Background(), e.host, &e.env, alice, a, code, init, types.Amount{}, MaxGas)
	if r.Err != nil {
		e.t.Fatalf("deploy: %v", r.Err)
	}
	return r
}

// call calls method of contract a from alice with MaxGas.
func (e *testEnv) call(a types.Address, method string, input []byte) Result {
	return e.callGas(a, method, input, MaxGas)
}

func (e *testEnv) callGas(a types.Address, method string, input []byte, gas uint64) Result {
	return e.vm.Call(context.Background(), e.host, &e.env, CallRequest{Caller: alice, Contract: a, Method: method, Input: input, Gas: gas})
}

// mustCall calls and fails the test on an error.
func (e *testEnv) mustCall(a types.Address, method string, input []byte) Result {
	e.t.Helper()
	r := e.call(a, method, input)
	if r.Err != nil {
		e.t.Fatalf("call %s: %v", method, r.Err)
	}
	return r
}

// wantKind fails the test unless r failed with kind.
func wantKind(t testing.TB, r Result, kind ErrorKind) *ExecError {
	t.Helper()
	if r.Err == nil {
		t.Fatalf("call succeeded, want %v", kind)
	}
	ee, ok := r.Err.(*ExecError)
	if !ok || ee.Kind != kind {
		t.Fatalf("error %v, want kind %v", r.Err, kind)
	}
	return ee
}
