package vm

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/noded/noded/types"
	"github.com/noded/noded/vm/wasm"
)

// An infinite loop runs out of gas at exactly the limit, on every run.
func TestInfiniteLoopOutOfGas(t *testing.T) {
	e := newHarness(t)
	for _, gas := range []uint64{1, 1000, 123_457, MaxGas} {
		r := e.callGas(harness, "loop", nil, gas)
		wantKind(t, r, KindOutOfGas)
		if r.GasUsed != gas {
			t.Fatalf("gas %d: used %d, want all of it", gas, r.GasUsed)
		}
	}
	// More gas than MaxGas is MaxGas.
	if r := e.callGas(harness, "loop", nil, 5*MaxGas); r.GasUsed != MaxGas {
		t.Fatalf("used %d of 5*MaxGas", r.GasUsed)
	}
}

func TestRecursionTrapsCleanly(t *testing.T) {
	e := newHarness(t)
	for _, m := range []string{"recursion", "mutual"} {
		r := e.call(harness, m, nil)
		ee := wantKind(t, r, KindTrap)
		if ee.Message != "call stack exhausted" {
			t.Fatalf("%s: %q", m, ee.Message)
		}
		if r2 := e.call(harness, m, nil); r2.GasUsed != r.GasUsed {
			t.Fatalf("%s: gas %d then %d", m, r.GasUsed, r2.GasUsed)
		}
	}
	e.mustCall(harness, "echo", nil) // the VM still works
}

func TestMemoryGrowBomb(t *testing.T) {
	e := newHarness(t)
	r := e.mustCall(harness, "grow_bomb", nil)
	if pages := uint32(r.ReturnData[0]) | uint32(r.ReturnData[1])<<8; pages != wasm.DefaultMaxMemoryPages {
		t.Fatalf("memory grew to %d pages, want the cap %d", pages, wasm.DefaultMaxMemoryPages)
	}
	// Asking for 4 GiB costs its pages up front: out of gas.
	r = e.call(harness, "grow_huge", nil)
	wantKind(t, r, KindOutOfGas)
	// An instance whose memory grew is not reused: fresh memory each time.
	for i := 0; i < 3; i++ {
		if r := e.mustCall(harness, "grow_once", nil); r.ReturnData[0] != 1 {
			t.Fatalf("call %d saw a byte left by an earlier call", i)
		}
	}
}

// Modules over the limits are refused before compiling, and the deployer
// pays what was charged up to then.
func TestDeployRejects(t *testing.T) {
	manyFuncs := "(module"
	for i := 0; i < 101; i++ {
		manyFuncs += " (func)"
	}
	manyFuncs += ")"
	bomb := &wasm.Module{
		Types: []wasm.FuncType{{}},
		Funcs: []uint32{0},
		Code:  []wasm.Code{{Locals: []wasm.LocalDecl{{Count: 0xFFFFFFFF, Type: wasm.I64}}, Body: []byte{0x0b}}},
	}
	cases := map[string]struct {
		code []byte
		want string
	}{
		"huge initial memory": {wat(t, `(module (memory (export "memory") 1000))`), "limit"},
		"too many functions":  {wat(t, manyFuncs), "functions"},
		"too many params":     {wat(t, `(module (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))`), "params"},
		"locals bomb":         {bomb.Encode(), "locals"},
		"not wasm":            {[]byte("hello"), ""},
		"foreign import":      {wat(t, `(module (import "wasi" "fd_write" (func)))`), "wasi.fd_write"},
		"bad import type":     {wat(t, `(module (import "env" "storage_read" (func (param i32))))`), "env.storage_read"},
		"simd":                {wat(t, `(module (func (drop (v128.const i64x2 0 0))))`), "SIMD"},
		"reserved export":     {wat(t, `(module (global (export "noded_gas_used") (mut i64) (i64.const 0)))`), "reserved"},
	}
	e := newTestEnv(t, Options{Limits: wasm.Limits{MaxFunctions: 100, MaxParams: 32}})
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := e.vm.Deploy(t.Context(), e.host, &e.env, alice, addr(0x20), c.code, nil, types.Amount{}, MaxGas)
			ee := wantKind(t, r, KindInvalidCode)
			if !strings.Contains(ee.Message, c.want) || !errors.Is(r.Err, wasm.ErrInvalid) {
				t.Fatalf("message %q, want it to mention %q and wrap wasm.ErrInvalid", ee.Message, c.want)
			}
			s := DefaultSchedule()
			if want := s.Deploy + s.DeployPerByte*uint64(len(c.code)); r.GasUsed != want {
				t.Fatalf("gas used %d, want the deploy price %d", r.GasUsed, want)
			}
			if e.host.code[addr(0x20)] != nil {
				t.Fatal("code stored")
			}
			if err := e.vm.Validate(c.code); !errors.Is(err, ErrInvalidCode) {
				t.Fatalf("Validate = %v", err)
			}
		})
	}
	if s := e.vm.Stats(); s.Compiles != 0 {
		t.Fatalf("%d modules compiled; validation must refuse them first", s.Compiles)
	}
	// Too little gas for the deploy price: out of gas, nothing else done.
	r := e.vm.Deploy(t.Context(), e.host, &e.env, alice, addr(0x20), wat(t, counterWAT), nil, types.Amount{}, 100)
	if wantKind(t, r, KindOutOfGas); r.GasUsed != 100 {
		t.Fatalf("used %d", r.GasUsed)
	}
}

func TestStartFunction(t *testing.T) {
	const startWAT = `(module
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (func $start (i32.store8 (i32.const 0) (i32.add (i32.load8_u (i32.const 0)) (i32.const 7))))
  (start $start)
  (func (export "get") (call $ret (i32.const 0) (i32.const 1))))`
	e := newTestEnv(t, Options{})
	c := addr(0x30)
	d := e.deploy(c, wat(t, startWAT), nil)
	if d.GasUsed <= DefaultSchedule().Deploy {
		t.Fatal("start function not charged at deploy")
	}
	for i := 0; i < 3; i++ {
		if r := e.mustCall(c, "get", nil); r.ReturnData[0] != 7 {
			t.Fatalf("call %d: start ran %d/7 times", i, r.ReturnData[0])
		}
	}
	wantKind(t, e.call(c, "noded_start", nil), KindNoMethod)

	// A start function may not call the host.
	const hostStart = `(module
  (import "env" "block_height" (func $h (result i64)))
  (func $start (drop (call $h)))
  (start $start))`
	r := e.vm.Deploy(t.Context(), e.host, &e.env, alice, addr(0x31), wat(t, hostStart), nil, types.Amount{}, MaxGas)
	if ee := wantKind(t, r, KindHostError); ee.Message != "host call block_height: not allowed in the start function or _initialize" {
		t.Fatalf("message %q", ee.Message)
	}
	if e.host.code[addr(0x31)] != nil {
		t.Fatal("failed deploy left its code")
	}
}

func TestInitFailureUndoesDeploy(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.host.balances[alice] = types.NewAmount(50)
	code := wat(t, `(module (func (export "init") unreachable))`)
	r := e.vm.Deploy(t.Context(), e.host, &e.env, alice, addr(0x32), code, nil, types.NewAmount(20), MaxGas)
	wantKind(t, r, KindTrap)
	if bal := e.host.balances[alice]; e.host.code[addr(0x32)] != nil || bal.Uint64() != 50 {
		t.Fatal("failed deploy left code or moved value")
	}
}

// A trap inside a sub-call undoes the sub-call's writes and events; the
// caller goes on and its own writes stay.
func TestSubCallTrap(t *testing.T) {
	e := newHarness(t)
	r := e.mustCall(harness, "write_then_call", callInput(harness, "write_trap", nil))
	if r.ReturnData[0] != byte(KindTrap) {
		t.Fatalf("sub-call code %d, want %d", r.ReturnData[0], KindTrap)
	}
	if len(r.Events) != 0 {
		t.Fatalf("events of the failed sub-call kept: %+v", r.Events)
	}
	if _, ok := e.host.storage[fakeKey(harness, []byte("b"))]; ok {
		t.Fatal("the trapped sub-call's write was kept")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := e.host.storage[fakeKey(harness, []byte(k))]; !ok {
			t.Fatalf("the caller's write %q is missing", k)
		}
	}
}

// A sub-call's revert data is readable by the caller.
func TestSubCallRevertData(t *testing.T) {
	e := newHarness(t)
	r := e.mustCall(harness, "call", callInput(harness, "write_revert", nil))
	if r.ReturnData[0] != byte(KindRevert) || string(r.ReturnData[1:]) != "boom" {
		t.Fatalf("call returned %q", r.ReturnData)
	}
	if len(e.host.storage) != 0 {
		t.Fatal("reverted sub-call's write kept")
	}
	r = e.mustCall(harness, "call", callInput(harness, "echo", []byte("pong")))
	if r.ReturnData[0] != 0 || string(r.ReturnData[1:]) != "pong" {
		t.Fatalf("call returned %q", r.ReturnData)
	}
	r = e.mustCall(harness, "call", callInput(addr(0x77), "echo", nil))
	if r.ReturnData[0] != byte(KindNoContract) || len(r.ReturnData) != 1 {
		t.Fatalf("call of no contract returned %q", r.ReturnData)
	}
}

// A sub-call gets at most the gas asked for, and its gas is charged to
// the caller.
func TestSubCallGas(t *testing.T) {
	e := newHarness(t)
	r := e.mustCall(harness, "call_5000", callInput(harness, "loop", nil))
	if r.ReturnData[0] != byte(KindOutOfGas) {
		t.Fatalf("code %d", r.ReturnData[0])
	}
	r2 := e.mustCall(harness, "call_5000", callInput(harness, "echo", nil))
	if r2.ReturnData[0] != 0 {
		t.Fatalf("echo with 5000 gas: code %d", r2.ReturnData[0])
	}
	if r.GasUsed-r2.GasUsed > 5000 || r.GasUsed <= r2.GasUsed {
		t.Fatalf("looping callee cost the caller %d vs %d for a quick one", r.GasUsed, r2.GasUsed)
	}
	// With all the gas forwarded, the callee's out-of-gas ends the caller
	// too, at exactly the limit.
	r = e.callGas(harness, "call", callInput(harness, "loop", nil), 500_000)
	if wantKind(t, r, KindOutOfGas); r.GasUsed != 500_000 {
		t.Fatalf("used %d", r.GasUsed)
	}
}

// Re-entrancy works (a second instance of the same contract) up to the
// depth limit, where the innermost call fails with KindDepth.
func TestReentrancyDepthLimit(t *testing.T) {
	for _, depth := range []int{DefaultMaxCallDepth, 5} {
		e := newTestEnv(t, Options{MaxCallDepth: depth})
		e.deploy(harness, wat(t, harnessWAT), nil)
		r := e.mustCall(harness, "recurse", nil)
		if r.ReturnData[0] != byte(KindDepth) || int(r.ReturnData[1]) != depth-1 {
			t.Fatalf("depth %d: recurse returned %v", depth, r.ReturnData)
		}
	}
}

// slowHost is a Host whose storage reads take a millisecond, like a cold
// disk.
type slowHost struct{ *fakeHost }

func (h slowHost) StorageGet(c types.Address, k []byte) ([]byte, error) {
	time.Sleep(time.Millisecond)
	return h.fakeHost.StorageGet(c, k)
}

// A slow query stops at its context's deadline with KindTimeout, quickly.
func TestTimeout(t *testing.T) {
	e := newHarness(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := e.vm.Call(ctx, slowHost{e.host}, &e.env, CallRequest{Caller: alice, Contract: harness, Method: "storage_loop", Gas: MaxGas})
	elapsed := time.Since(start)
	wantKind(t, r, KindTimeout)
	if !errors.Is(r.Err, ErrTimeout) {
		t.Fatal("not ErrTimeout")
	}
	if elapsed > time.Second {
		t.Fatalf("stopped after %v", elapsed)
	}
	t.Logf("stopped %v after the call began (deadline 200ms)", elapsed)
	// A context already done stops the call before it runs.
	r = e.vm.Call(ctx, e.host, &e.env, CallRequest{Caller: alice, Contract: harness, Method: "echo", Gas: MaxGas})
	wantKind(t, r, KindTimeout)
	// The VM is usable after.
	e.mustCall(harness, "echo", nil)
}

func TestHostFailureIsInternal(t *testing.T) {
	e := newHarness(t)
	boom := errors.New("disk on fire")
	e.host.failGet = boom
	r := e.call(harness, "call", callInput(harness, "storage_loop", nil))
	wantKind(t, r, KindInternal)
	if !errors.Is(r.Err, boom) || !errors.Is(r.Err, ErrInternal) {
		t.Fatalf("error %v does not wrap the host error", r.Err)
	}
	e.host.failGet = nil
	if r := e.mustCall(harness, "echo", []byte("ok")); !bytes.Equal(r.ReturnData, []byte("ok")) {
		t.Fatal("VM unusable after an internal error")
	}
}
