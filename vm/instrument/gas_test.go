//go:build cgo

package instrument

import (
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"
)

// countLoop counts $i up to $n: 9 gas per iteration, 4 for the last
// test.
const countLoop = `
    block
      loop
        local.get $i
        local.get $n
        i32.ge_u
        br_if 1
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
`

const loopWAT = `(module
  (func (export "add") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.add)
  (func (export "count") (param $n i32) (result i32) (local $i i32)
` + countLoop + `
    local.get $i)
  (func (export "spin")
    loop
      br 0
    end))`

// TestGasExact checks gas against costs computed by hand from the default
// table: the gas of a call is the sum of the prices of the instructions it
// executes.
func TestGasExact(t *testing.T) {
	in := metered(t, loopWAT, Config{})
	// add: local.get, i32.const, i32.add (1 each), end (0).
	if got, err := in.call(t, 1000, "add", int32(40)); err != nil || got != int32(42) {
		t.Fatalf("add = %v, %v", got, err)
	}
	if g := in.gasUsed(t); g != 3 {
		t.Errorf("add: gas %d, want 3", g)
	}
	// count(n): n iterations of 9 (4 for the test and br_if, 5 for the
	// increment and br), the last test (4), and local.get (1).
	for _, n := range []int32{0, 1, 10, 1000} {
		got, err := in.call(t, 1<<40, "count", n)
		if err != nil || got != n {
			t.Fatalf("count(%d) = %v, %v", n, got, err)
		}
		if g, want := in.gasUsed(t), 9*int64(n)+5; g != want {
			t.Errorf("count(%d): gas %d, want %d", n, g, want)
		}
	}
}

// TestInfiniteLoopStopsAtLimit: each iteration of spin costs 1 (the br),
// so with limit L it runs exactly L iterations and traps in the next.
func TestInfiniteLoopStopsAtLimit(t *testing.T) {
	in := metered(t, loopWAT, Config{})
	for _, limit := range []int64{0, 1, 1000, 1234567} {
		_, err := in.call(t, limit, "spin")
		if !isTrap(err) {
			t.Fatalf("spin with limit %d: %v, want a trap", limit, err)
		}
		if g := in.gasUsed(t); g != limit+1 {
			t.Errorf("spin with limit %d: used %d after the trap, want %d", limit, g, limit+1)
		}
	}
}

const trapWAT = `(module
  (import "env" "note" (func $note))
  (memory 1)
  (func (export "count_then_trap") (param $n i32) (result i32) (local $i i32)
` + countLoop + `
    i32.const 7
    drop
    i32.const -1
    i32.load)
  (func (export "straight") (result i32)
    i32.const 1
    i32.const 2
    i32.add
    i32.const 3
    i32.add)
  (func $inner (result i32)
    i32.const 1
    i32.const 2
    i32.add)
  (func (export "calls_inner") (result i32)
    call $inner
    i32.const 1
    i32.add)
  (func (export "then_note") (param i32)
    local.get 0
    i32.const 1
    i32.add
    drop
    call $note))`

// trapInstance instantiates trapWAT, instrumented, with an import that
// counts its calls.
func trapInstance(t *testing.T) (*instance, *int) {
	t.Helper()
	out, err := Instrument(watModule(t, trapWAT), Config{})
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{store: wasmer.NewStore(engine)}
	t.Cleanup(in.close)
	if in.mod, err = wasmer.NewModule(in.store, out.Encode()); err != nil {
		t.Fatal(err)
	}
	notes := new(int)
	note := wasmer.NewFunction(in.store, wasmer.NewFunctionType(nil, nil), func([]wasmer.Value) ([]wasmer.Value, error) {
		*notes++
		return nil, nil
	})
	imports := wasmer.NewImportObject()
	imports.Register("env", map[string]wasmer.IntoExtern{"note": note})
	if in.inst, err = wasmer.NewInstance(in.mod, imports); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]**wasmer.Global{GasUsedExport: &in.used, GasLimitExport: &in.limit, DepthExport: &in.depth} {
		if *g, err = in.inst.Exports.GetGlobal(name); err != nil {
			t.Fatal(err)
		}
	}
	return in, notes
}

// TestGasAtTrap: the gas counter lives in a local while the code runs;
// at a trap, used must still hold every segment run, the trapping one
// whole, and the depth of the frames.
func TestGasAtTrap(t *testing.T) {
	in, _ := trapInstance(t)
	for _, n := range []int32{0, 1, 100} {
		if _, err := in.call(t, 1<<40, "count_then_trap", n); !isTrap(err) {
			t.Fatalf("count_then_trap(%d): %v, want a trap", n, err)
		}
		// 9 per iteration, 4 for the last test, 6 for the segment of
		// the load (const, drop, const, load).
		if g, want := in.gasUsed(t), 9*int64(n)+10; g != want {
			t.Errorf("count_then_trap(%d): used %d after the trap, want %d", n, g, want)
		}
		if d := in.depthNow(t); d == 0 {
			t.Errorf("count_then_trap(%d): depth 0 after the trap, want the frame's weight", n)
		}
	}
}

// TestOutOfGasChecks: out of gas is noticed after the segment that
// passed the limit, but before the call returns to the host, before a
// host function runs, and on a call that does not end in a check.
func TestOutOfGasChecks(t *testing.T) {
	in, notes := trapInstance(t)
	// straight costs 5 and has no loop or call: the check at its exit.
	if got, err := in.call(t, 5, "straight"); err != nil || got != int32(6) {
		t.Fatalf("straight with limit 5 = %v, %v", got, err)
	}
	if _, err := in.call(t, 4, "straight"); !isTrap(err) {
		t.Fatalf("straight with limit 4 = %v, want out of gas", err)
	}
	if g := in.gasUsed(t); g != 5 {
		t.Errorf("straight: used %d after the trap, want 5", g)
	}
	// calls_inner: 4 for the call, 3 in inner, 2 after.
	if got, err := in.call(t, 9, "calls_inner"); err != nil || got != int32(4) {
		t.Fatalf("calls_inner with limit 9 = %v, %v", got, err)
	}
	for _, limit := range []int64{0, 3, 8} {
		if _, err := in.call(t, limit, "calls_inner"); !isTrap(err) {
			t.Fatalf("calls_inner with limit %d = %v, want out of gas", limit, err)
		}
		if g := in.gasUsed(t); g <= limit {
			t.Errorf("calls_inner with limit %d: used %d after the trap", limit, g)
		}
	}
	// then_note: 8 up to and with the call; the import does not run
	// when that passes the limit.
	if _, err := in.call(t, 8, "then_note", int32(1)); err != nil || *notes != 1 {
		t.Fatalf("then_note with limit 8: %v, %d notes", err, *notes)
	}
	if _, err := in.call(t, 7, "then_note", int32(1)); !isTrap(err) || *notes != 1 {
		t.Fatalf("then_note with limit 7: %v, %d notes, want a trap before the import", err, *notes)
	}
	if g := in.gasUsed(t); g != 8 {
		t.Errorf("then_note: used %d after the trap, want 8", g)
	}
}
