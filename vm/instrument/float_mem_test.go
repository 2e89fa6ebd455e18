//go:build cgo

package instrument

import (
	"math"
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"
)

// nanWAT has one function per NaN-producing instruction, each returning
// the raw bits of its result.
const nanWAT = `(module
  (func (export "f32.div") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.div (local.get 0) (local.get 1))))
  (func (export "f32.add") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.add (local.get 0) (local.get 1))))
  (func (export "f32.sub") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.sub (local.get 0) (local.get 1))))
  (func (export "f32.mul") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.mul (local.get 0) (local.get 1))))
  (func (export "f32.min") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.min (local.get 0) (local.get 1))))
  (func (export "f32.max") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.max (local.get 0) (local.get 1))))
  (func (export "f32.sqrt") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.sqrt (local.get 0))))
  (func (export "f32.ceil") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.ceil (local.get 0))))
  (func (export "f32.floor") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.floor (local.get 0))))
  (func (export "f32.trunc") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.trunc (local.get 0))))
  (func (export "f32.nearest") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.nearest (local.get 0))))
  (func (export "f32.demote") (param f64 f64) (result i32) (i32.reinterpret_f32 (f32.demote_f64 (local.get 0))))
  (func (export "f64.div") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.div (local.get 0) (local.get 1))))
  (func (export "f64.add") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.add (local.get 0) (local.get 1))))
  (func (export "f64.sub") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.sub (local.get 0) (local.get 1))))
  (func (export "f64.mul") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.mul (local.get 0) (local.get 1))))
  (func (export "f64.min") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.min (local.get 0) (local.get 1))))
  (func (export "f64.max") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.max (local.get 0) (local.get 1))))
  (func (export "f64.sqrt") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.sqrt (local.get 0))))
  (func (export "f64.ceil") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.ceil (local.get 0))))
  (func (export "f64.floor") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.floor (local.get 0))))
  (func (export "f64.trunc") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.trunc (local.get 0))))
  (func (export "f64.nearest") (param f64 f64) (result i64) (i64.reinterpret_f64 (f64.nearest (local.get 0))))
  (func (export "f64.promote") (param f32 f32) (result i64) (i64.reinterpret_f64 (f64.promote_f32 (local.get 0))))
  (func (export "zero_div_zero") (result i32)
    (i32.reinterpret_f32 (f32.div (f32.const 0) (f32.const 0))))
  (func (export "sqrt_neg") (result i64)
    (i64.reinterpret_f64 (f64.sqrt (f64.const -1)))))`

func TestNaNCanonical(t *testing.T) {
	plain := newInstance(t, watModule(t, nanWAT).Encode(), false, nil)
	in := metered(t, nanWAT, Config{})
	// NaNs with payloads and signs that engines propagate differently.
	nan32 := []float32{
		math.Float32frombits(0x7fa00001), // signalling, payload
		math.Float32frombits(0xffc00000), // negative quiet: x86's default NaN
		math.Float32frombits(0x7fc12345), // quiet, payload
	}
	nan64 := []float64{
		math.Float64frombits(0x7ff4000000000001),
		math.Float64frombits(0xfff8000000000000),
		math.Float64frombits(0x7ff8000012345678),
	}
	check := func(name string, want, got any) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %#x, want %#x", name, got, want)
		}
	}
	ops32 := []string{"f32.div", "f32.add", "f32.sub", "f32.mul", "f32.min", "f32.max", "f32.sqrt", "f32.ceil", "f32.floor", "f32.trunc", "f32.nearest"}
	ops64 := []string{"f64.div", "f64.add", "f64.sub", "f64.mul", "f64.min", "f64.max", "f64.sqrt", "f64.ceil", "f64.floor", "f64.trunc", "f64.nearest"}
	for _, op := range ops32 {
		for _, x := range nan32 {
			for _, y := range []float32{1.5, x} {
				got, err := in.call(t, 1000, op, x, y)
				if err != nil {
					t.Fatal(err)
				}
				check(op, int32(CanonicalNaN32), got)
			}
		}
		// Numbers pass unchanged.
		got, _ := in.call(t, 1000, op, float32(2.25), float32(4))
		p, _ := plain.call(t, 0, op, float32(2.25), float32(4))
		if got != p {
			t.Errorf("%s(2.25, 4): %#x instrumented, %#x plain", op, got, p)
		}
	}
	for _, op := range ops64 {
		for _, x := range nan64 {
			for _, y := range []float64{1.5, x} {
				got, err := in.call(t, 1000, op, x, y)
				if err != nil {
					t.Fatal(err)
				}
				check(op, int64(CanonicalNaN64), got)
			}
		}
		got, _ := in.call(t, 1000, op, 2.25, 4.0)
		p, _ := plain.call(t, 0, op, 2.25, 4.0)
		if got != p {
			t.Errorf("%s(2.25, 4): %#x instrumented, %#x plain", op, got, p)
		}
	}
	for _, x := range nan64 {
		got, _ := in.call(t, 1000, "f32.demote", x, x)
		check("f32.demote", int32(CanonicalNaN32), got)
	}
	for _, x := range nan32 {
		got, _ := in.call(t, 1000, "f64.promote", x, x)
		check("f64.promote", int64(CanonicalNaN64), got)
	}
	got, _ := in.call(t, 1000, "zero_div_zero")
	p, _ := plain.call(t, 0, "zero_div_zero")
	check("0/0", int32(CanonicalNaN32), got)
	t.Logf("0/0 = %#x uninstrumented, %#x instrumented", uint32(p.(int32)), uint32(got.(int32)))
	got, _ = in.call(t, 1000, "sqrt_neg")
	p, _ = plain.call(t, 0, "sqrt_neg")
	check("sqrt(-1)", int64(CanonicalNaN64), got)
	t.Logf("sqrt(-1) = %#x uninstrumented, %#x instrumented", uint64(p.(int64)), uint64(got.(int64)))
}

const memWAT = `(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
  (func (export "copy") (param i32) (memory.copy (i32.const 0) (i32.const 8) (local.get 0)))
  (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0))))`

func TestMemoryCharges(t *testing.T) {
	in := metered(t, memWAT, Config{})
	// grow: local.get (1) + memory.grow (100) + 4096 per page.
	for _, n := range []int32{0, 1, 10} {
		got, err := in.call(t, 1<<40, "grow", n)
		if err != nil || got == int32(-1) {
			t.Fatalf("grow(%d) = %v, %v", n, got, err)
		}
		if g, want := in.gasUsed(t), 101+4096*int64(n); g != want {
			t.Errorf("grow(%d): gas %d, want %d", n, g, want)
		}
	}
	// The memory had no maximum: it got the default, 256 pages, and
	// growing past it fails (but is still charged).
	if got, _ := in.call(t, 1<<40, "grow", int32(300)); got != int32(-1) {
		t.Errorf("grow(300) past the 256-page cap = %v, want -1", got)
	}
	if g, want := in.gasUsed(t), int64(101+4096*300); g != want {
		t.Errorf("failed grow(300): gas %d, want %d", g, want)
	}
	// fill and copy: 3 for the operands, 4 for the instruction, 1 per
	// 8 bytes rounded up.
	for _, n := range []int32{0, 1, 8, 9, 65536} {
		for _, op := range []string{"fill", "copy"} {
			if _, err := in.call(t, 1<<40, op, n); err != nil {
				t.Fatalf("%s(%d): %v", op, n, err)
			}
			if g, want := in.gasUsed(t), 7+(int64(n)+7)/8; g != want {
				t.Errorf("%s(%d): gas %d, want %d", op, n, g, want)
			}
		}
	}
	if _, err := in.call(t, 1<<40, "fill", int32(65536)); err != nil {
		t.Fatal(err)
	}
	if got, _ := in.call(t, 100, "byte", int32(65535)); got != int32(7) {
		t.Errorf("memory after fill: %v, want 7", got)
	}
	// Out of gas before the fill runs: memory unchanged.
	if _, err := in.call(t, 1000, "fill", int32(1<<20)); !isTrap(err) {
		t.Fatalf("fill of 1 MiB with limit 1000 = %v, want a trap", err)
	}
	if g := in.gasUsed(t); g <= 1000 {
		t.Errorf("gas after the trap %d, want above the limit", g)
	}
}

// TestDynamicChargeSaturates: a charge that would wrap used around 2^64
// saturates and traps instead.
func TestDynamicChargeSaturates(t *testing.T) {
	c := DefaultCosts()
	c.MemoryGrowPerPage = math.MaxUint32
	in := metered(t, memWAT, Config{Costs: c})
	in.reset(t, math.MaxInt64)
	if err := in.used.Set(int64(1)<<62, wasmer.I64); err != nil {
		t.Fatal(err)
	}
	f, _ := in.inst.Exports.GetFunction("grow")
	// (2^32-1)^2 + 2^62 > 2^64: without saturation used would wrap to
	// about 2^62 - 2^33, below the limit, and grow would just fail.
	if _, err := f(int32(-1)); !isTrap(err) {
		t.Fatalf("grow(2^32-1) = %v, want a trap", err)
	}
	if g := in.gasUsed(t); g != -1 {
		t.Errorf("used %#x after the trap, want 2^64-1", uint64(g))
	}
}
