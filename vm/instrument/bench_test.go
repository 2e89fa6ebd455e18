//go:build cgo

package instrument

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/noded/noded/vm/wasm"
)

const bigGoContract = `package main

import (
	"encoding/json"
	"fmt"
	"strconv"
)

type T struct {
	A int
	B string
	C []float64
}

//go:wasmexport run
func run(n int32) int32 {
	t := T{A: int(n), B: strconv.Itoa(int(n)), C: []float64{1.5, float64(n)}}
	b, _ := json.Marshal(t)
	var u T
	_ = json.Unmarshal(b, &u)
	return int32(len(fmt.Sprintf("%v %s", u, b)))
}

func main() {}
`

// BenchmarkInstrumentGo measures each step on a Go-built module of about
// 3 MB (fmt, encoding/json, strconv).
func BenchmarkInstrumentGo(b *testing.B) {
	code := buildGo(b, bigGoContract)
	m, err := wasm.Parse(code)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("module: %d bytes, %d functions", len(code), len(m.Funcs))
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(code)))
		for b.Loop() {
			if _, err := wasm.Parse(code); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			if err := wasm.Validate(m, wasm.Limits{}, allowWASI); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("instrument", func(b *testing.B) {
		for b.Loop() {
			if _, err := Instrument(m, Config{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("binary", func(b *testing.B) { // parse + instrument + encode
		b.SetBytes(int64(len(code)))
		var out []byte
		for b.Loop() {
			if out, err = InstrumentBinary(code, Config{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(out))/float64(len(code)), "size-ratio")
	})
}

var workloads = []struct {
	name string
	wat  string
	arg  int32
}{
	{"loop", `(module (func (export "run") (param $n i32) (result i32) (local $i i32) (local $s i32)
	  (block (loop
	    (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
	    (local.set $s (i32.add (local.get $s) (local.get $i)))
	    (local.set $i (i32.add (local.get $i) (i32.const 1)))
	    (br 0)))
	  (local.get $s)))`, 1_000_000},
	{"fib", `(module (func $fib (export "run") (param $n i32) (result i32)
	  (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
	    (then (local.get $n))
	    (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
	                   (call $fib (i32.sub (local.get $n) (i32.const 2))))))))`, 25},
	{"memory", `(module (memory (export "memory") 1)
	  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $a i32) (local $s i64)
	  (block (loop
	    (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
	    (local.set $a (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 0xfff8)))
	    (i64.store (local.get $a) (i64.add (i64.load (local.get $a)) (i64.extend_i32_u (local.get $i))))
	    (local.set $s (i64.add (local.get $s) (i64.load offset=8 (i32.and (local.get $a) (i32.const 0xffe0)))))
	    (local.set $i (i32.add (local.get $i) (i32.const 1)))
	    (br 0)))
	  (i32.wrap_i64 (local.get $s))))`, 1_000_000},
	{"float", `(module (func (export "run") (param $n i32) (result i32) (local $i i32) (local $x f64)
	  (local.set $x (f64.const 1))
	  (block (loop
	    (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
	    (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 1.0000001)) (f64.sqrt (f64.convert_i32_u (local.get $i)))))
	    (local.set $i (i32.add (local.get $i) (i32.const 1)))
	    (br 0)))
	  (i32.trunc_sat_f64_s (local.get $x))))`, 1_000_000},
}

// BenchmarkExec runs each workload under wasmer before and after
// instrumentation; the ratio of the two is the metering slowdown, which
// the ratio sub-benchmark measures directly (see benchRatio).
func BenchmarkExec(b *testing.B) {
	for _, w := range workloads {
		m := watModule(b, w.wat)
		out, err := Instrument(m, Config{})
		if err != nil {
			b.Fatal(err)
		}
		code := map[bool][]byte{false: m.Encode(), true: out.Encode()}
		for _, v := range []struct {
			name    string
			metered bool
		}{{"original", false}, {"instrumented", true}} {
			b.Run(w.name+"/"+v.name, func(b *testing.B) {
				in := newInstance(b, code[v.metered], v.metered, nil)
				for b.Loop() {
					if _, err := in.call(b, math.MaxInt64/2, "run", w.arg); err != nil {
						b.Fatal(err)
					}
				}
				if v.metered {
					b.ReportMetric(float64(in.gasUsed(b)), "gas/op")
				}
			})
		}
		b.Run(w.name+"/ratio", func(b *testing.B) {
			orig, instr := newInstance(b, code[false], false, nil), newInstance(b, code[true], true, nil)
			benchRatio(b, func() { orig.call(b, 0, "run", w.arg) }, func() {
				if _, err := instr.call(b, math.MaxInt64/2, "run", w.arg); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// benchRatio calls orig and instr in turn, once each per iteration (in
// alternating order), and reports the median of the ratios of their
// times as "x-instr/orig": the metering slowdown, measured so that a load
// on the machine that comes and goes slows both alike.
func benchRatio(b *testing.B, orig, instr func()) {
	var ratios []float64
	for i := 0; b.Loop(); i++ {
		var to, ti time.Duration
		if i%2 == 0 {
			t0 := time.Now()
			orig()
			t1 := time.Now()
			instr()
			to, ti = t1.Sub(t0), time.Since(t1)
		} else {
			t0 := time.Now()
			instr()
			t1 := time.Now()
			orig()
			ti, to = t1.Sub(t0), time.Since(t1)
		}
		ratios = append(ratios, float64(ti)/float64(to))
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "x-instr/orig")
}
