//go:build cgo

package instrument

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/noded/noded/vm/wasm"
	"github.com/wasmerio/wasmer-go/wasmer"
)

// TestTimeoutByLimit stops a running infinite loop by setting the limit
// to 0 from another goroutine, as the VM does when a call's context ends.
func TestTimeoutByLimit(t *testing.T) {
	in := metered(t, loopWAT, Config{})
	in.reset(t, math.MaxInt64/2)
	f, err := in.inst.Exports.GetFunction("spin")
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan time.Time)
	started := make(chan struct{})
	go func() {
		// Let the loop run (used is stored only when the loop stops, so
		// it cannot tell), then stop it.
		<-started
		time.Sleep(50 * time.Millisecond)
		now := time.Now()
		_ = in.limit.Set(int64(0), wasmer.I64)
		stopped <- now
	}()
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := f()
		done <- err
	}()
	at := <-stopped
	select {
	case err := <-done:
		if !isTrap(err) {
			t.Fatalf("spin returned %v, want a trap", err)
		}
		t.Logf("the call returned %v after the limit was set to 0", time.Since(at))
		if used := in.gasUsed(t); used < 1000 {
			t.Errorf("the loop stopped after %d gas: it did not run", used)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not stop after the limit was set to 0")
	}
}

// recursionWAT: sum(n) = n + sum(n-1), a small frame.
const recursionWAT = `(module
  (func $sum (export "sum") (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0
      i32.const 1
      i32.sub
      call $sum
      local.get 0
      i32.add
    end)
  (func $early (export "early") (param i32) (result i32)
    block
      local.get 0
      i32.const 3
      i32.gt_u
      br_if 0
      local.get 0
      return
    end
    block
      local.get 0
      i32.const 5
      i32.gt_u
      br_if 0
      i32.const 55
      br 1
    end
    local.get 0
    i32.const 1
    i32.sub
    call $early))`

func TestRecursionDepth(t *testing.T) {
	in := metered(t, recursionWAT, Config{})
	got, err := in.call(t, 1<<40, "sum", int32(1000))
	if err != nil || got != int32(500500) {
		t.Fatalf("sum(1000) = %v, %v", got, err)
	}
	if d := in.depthNow(t); d != 0 {
		t.Errorf("depth %d after the call returned, want 0", d)
	}
	// Every exit path (return, br to the function's label, fall through
	// the end) gives back the frame's weight.
	for arg, want := range map[int32]int32{0: 0, 3: 3, 4: 55, 5: 55, 6: 55, 100: 55} {
		got, err := in.call(t, 1<<40, "early", arg)
		if err != nil || got != want {
			t.Fatalf("early(%d) = %v, %v; want %d", arg, got, err, want)
		}
		if d := in.depthNow(t); d != 0 {
			t.Errorf("early(%d): depth %d after the call, want 0", arg, d)
		}
	}
	_, err = in.call(t, 1<<40, "sum", int32(10_000_000))
	if !isTrap(err) {
		t.Fatalf("sum(10M) = %v, want a trap", err)
	}
	if d := in.depthNow(t); d <= DefaultMaxStackWeight {
		t.Errorf("depth %d after the trap, want above %d", d, DefaultMaxStackWeight)
	}
	if used := in.gasUsed(t); used > 1<<40 {
		t.Errorf("the trap was out of gas (%d), not depth", used)
	}
}

// fatWAT returns a recursive function with n i64 locals all live across
// its recursive call: a frame of about 8n bytes of native stack.
func fatWAT(n int) string {
	var b strings.Builder
	b.WriteString("(module (func $f (export \"f\") (param $d i64) (result i64)\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "(local $l%d i64)", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "(local.set $l%d (i64.add (local.get $d) (i64.const %d)))\n", i, i)
	}
	b.WriteString("(if (i64.eqz (local.get $d)) (then (return (i64.const 0))))\n")
	b.WriteString("(call $f (i64.sub (local.get $d) (i64.const 1)))\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "(local.get $l%d) (i64.add)\n", i)
	}
	b.WriteString("))")
	return b.String()
}

// TestRecursionMaxFrames recurses with the largest frames the default
// limits allow (4,096 live i64 locals, ~32 KiB of native stack each).
// Uninstrumented, wasmer kills the process with SIGSEGV before the stack's
// end (measured: frames of 1,000 locals, depth 1,000: a frame larger than
// the guard page jumps over it); instrumented,
// the call traps cleanly after 15 frames and the instance stays usable.
func TestRecursionMaxFrames(t *testing.T) {
	lim := wasm.DefaultLimits()
	m := watModule(t, fatWAT(lim.MaxLocals))
	if err := wasm.Validate(m, lim, nil); err != nil {
		t.Fatal(err)
	}
	out, err := Instrument(m, Config{})
	if err != nil {
		t.Fatal(err)
	}
	in := newInstance(t, out.Encode(), true, nil)
	for _, depth := range []int64{1 << 20, 10_000, 1000} {
		if _, err := in.call(t, 1<<40, "f", depth); !isTrap(err) {
			t.Fatalf("f(%d) = %v, want a trap", depth, err)
		}
	}
	// Shallow calls still work: 14 frames of 4,096+ slots fit in 65,536.
	if _, err := in.call(t, 1<<40, "f", int64(10)); err != nil {
		t.Fatalf("f(10): %v", err)
	}
	if d := in.depthNow(t); d != 0 {
		t.Errorf("depth %d after f(10), want 0", d)
	}
}

const startWAT = `(module
  (global $g (mut i32) (i32.const 1))
  (func $init (global.set $g (i32.const 42)))
  (func (export "get") (result i32) (global.get $g))
  (start $init))`

func TestStartExported(t *testing.T) {
	m := watModule(t, startWAT)
	out, err := Instrument(m, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if out.HasStart {
		t.Fatal("the instrumented module still has a start section")
	}
	if !m.HasStart {
		t.Fatal("Instrument modified its input")
	}
	in := newInstance(t, out.Encode(), true, nil)
	if got, err := in.call(t, 100, "get"); err != nil || got != int32(1) {
		t.Fatalf("get before start = %v, %v; want 1 (start must not run at instantiation)", got, err)
	}
	// With no gas, the start function traps.
	if _, err := in.call(t, 0, StartExport); !isTrap(err) {
		t.Fatalf("%s with limit 0 = %v, want a trap", StartExport, err)
	}
	if _, err := in.call(t, 100, StartExport); err != nil {
		t.Fatal(err)
	}
	if in.gasUsed(t) != 2 {
		t.Errorf("start used %d gas, want 2", in.gasUsed(t))
	}
	if got, _ := in.call(t, 100, "get"); got != int32(42) {
		t.Fatalf("get after start = %v, want 42", got)
	}
}

func TestReservedExportName(t *testing.T) {
	m := watModule(t, `(module (func (export "noded_gas_used")))`)
	if _, err := Instrument(m, Config{}); err == nil {
		t.Fatal("a module exporting noded_gas_used was instrumented")
	}
}

func TestBadConfig(t *testing.T) {
	c := DefaultCosts()
	c.Op[wasm.OpBr] = 0
	m := watModule(t, loopWAT)
	if _, err := Instrument(m, Config{Costs: c}); err == nil {
		t.Fatal("a free br was accepted")
	}
}
