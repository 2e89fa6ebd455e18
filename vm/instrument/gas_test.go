package instrument

import (
	"testing"
)

const loopWAT = `(module
  (func (export "add") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.add)
  (func (export "count") (param $n i32) (result i32) (local $i i32)
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
