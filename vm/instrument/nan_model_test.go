//go:build cgo

package instrument

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
)

// A float expression and its value under the instrumenter's rule: every
// NaN an instruction of classCanonF32/F64 makes is the canonical NaN;
// neg, abs, copysign, loads, stores, locals, calls, select and the
// reinterpretations move bits unchanged.
type nanExpr struct {
	wat  string
	eval func(p *nanArgs) uint64 // bits of the f32 (low 32) or f64 result
}

// nanGen builds random float expressions over the params $a, $b (of the
// type asked for, and of the other type: $a32 $b32 / $a64 $b64) and the
// i32 $c.
type nanGen struct{ r *rand.Rand }

// nanArgs are the arguments, as bits.
type nanArgs struct {
	a64, b64 uint64
	a32, b32 uint64
	c        int32
}

func canon32(x float32) uint64 {
	if x != x {
		return uint64(CanonicalNaN32)
	}
	return uint64(math.Float32bits(x))
}

func canon64(x float64) uint64 {
	if x != x {
		return CanonicalNaN64
	}
	return math.Float64bits(x)
}

func f32b(v uint64) float32 { return math.Float32frombits(uint32(v)) }

// expr returns an expression of type f64 if f64, else f32.
func (g *nanGen) expr(f64 bool, depth int) nanExpr {
	t, it := "f32", "i32"
	if f64 {
		t, it = "f64", "i64"
	}
	if depth <= 0 || g.r.Intn(5) == 0 {
		switch g.r.Intn(3) {
		case 0:
			return nanExpr{"(local.get $a_" + t + ")", func(p *nanArgs) uint64 { return pick(f64, p.a64, p.a32) }}
		case 1:
			return nanExpr{"(local.get $b_" + t + ")", func(p *nanArgs) uint64 { return pick(f64, p.b64, p.b32) }}
		default:
			k := []float64{0, -1.5, 3, math.Inf(1), 1e-40}[g.r.Intn(5)]
			v := param(k, f64)
			return nanExpr{fmt.Sprintf("(%s.const %v)", t, watFloat(k)), func(p *nanArgs) uint64 { return v }}
		}
	}
	d := depth - 1
	x := g.expr(f64, d)
	type bin func(x, y float64) float64
	arith := func(name string, f bin, f32 func(x, y float32) float32) nanExpr {
		y := g.expr(f64, d)
		return nanExpr{fmt.Sprintf("(%s.%s %s %s)", t, name, x.wat, y.wat), func(p *nanArgs) uint64 {
			xv, yv := x.eval(p), y.eval(p)
			if f64 {
				return canon64(f(math.Float64frombits(xv), math.Float64frombits(yv)))
			}
			return canon32(f32(f32b(xv), f32b(yv)))
		}}
	}
	unary := func(name string, f func(float64) float64) nanExpr {
		return nanExpr{fmt.Sprintf("(%s.%s %s)", t, name, x.wat), func(p *nanArgs) uint64 {
			xv := x.eval(p)
			if f64 {
				return canon64(f(math.Float64frombits(xv)))
			}
			return canon32(float32(f(float64(f32b(xv)))))
		}}
	}
	sign := uint64(1) << 63
	if !f64 {
		sign = 1 << 31
	}
	switch g.r.Intn(17) {
	case 0:
		return arith("add", func(x, y float64) float64 { return x + y }, func(x, y float32) float32 { return x + y })
	case 1:
		return arith("sub", func(x, y float64) float64 { return x - y }, func(x, y float32) float32 { return x - y })
	case 2:
		return arith("mul", func(x, y float64) float64 { return x * y }, func(x, y float32) float32 { return x * y })
	case 3:
		return arith("div", func(x, y float64) float64 { return x / y }, func(x, y float32) float32 { return x / y })
	case 4:
		return arith("min", func(x, y float64) float64 { return min(x, y) }, func(x, y float32) float32 { return min(x, y) })
	case 5:
		return arith("max", func(x, y float64) float64 { return max(x, y) }, func(x, y float32) float32 { return max(x, y) })
	case 6:
		return []func() nanExpr{
			func() nanExpr { return unary("sqrt", math.Sqrt) },
			func() nanExpr { return unary("ceil", math.Ceil) },
			func() nanExpr { return unary("floor", math.Floor) },
			func() nanExpr { return unary("trunc", math.Trunc) },
			func() nanExpr { return unary("nearest", math.RoundToEven) },
		}[g.r.Intn(5)]()
	case 7: // neg, abs: the sign bit only
		if g.r.Intn(2) == 0 {
			return nanExpr{fmt.Sprintf("(%s.neg %s)", t, x.wat), func(p *nanArgs) uint64 { return x.eval(p) ^ sign }}
		}
		return nanExpr{fmt.Sprintf("(%s.abs %s)", t, x.wat), func(p *nanArgs) uint64 { return x.eval(p) &^ sign }}
	case 8:
		y := g.expr(f64, d)
		return nanExpr{fmt.Sprintf("(%s.copysign %s %s)", t, x.wat, y.wat), func(p *nanArgs) uint64 {
			return x.eval(p)&^sign | y.eval(p)&sign
		}}
	case 9:
		y := g.expr(f64, d)
		return nanExpr{fmt.Sprintf("(select %s %s (local.get $c))", x.wat, y.wat), func(p *nanArgs) uint64 {
			xv, yv := x.eval(p), y.eval(p)
			if p.c != 0 {
				return xv
			}
			return yv
		}}
	case 10: // a comparison, back to a float
		y := g.expr(f64, d)
		return nanExpr{fmt.Sprintf("(%s.convert_i32_s (%s.lt %s %s))", t, t, x.wat, y.wat), func(p *nanArgs) uint64 {
			xv, yv := x.eval(p), y.eval(p)
			lt := false
			if f64 {
				lt = math.Float64frombits(xv) < math.Float64frombits(yv)
			} else {
				lt = f32b(xv) < f32b(yv)
			}
			if lt {
				return param(1, f64)
			}
			return param(0, f64)
		}}
	case 11: // through the other type
		y := g.expr(!f64, d)
		if f64 {
			return nanExpr{fmt.Sprintf("(f64.promote_f32 %s)", y.wat), func(p *nanArgs) uint64 {
				return canon64(float64(f32b(y.eval(p))))
			}}
		}
		return nanExpr{fmt.Sprintf("(f32.demote_f64 %s)", y.wat), func(p *nanArgs) uint64 {
			return canon32(float32(math.Float64frombits(y.eval(p))))
		}}
	case 12: // a local, a block, an if
		y := g.expr(f64, d)
		switch g.r.Intn(3) {
		case 0:
			return nanExpr{fmt.Sprintf("(local.tee $t_%s %s)", t, x.wat), x.eval}
		case 1:
			return nanExpr{fmt.Sprintf("(block (result %s) %s)", t, x.wat), x.eval}
		}
		return nanExpr{fmt.Sprintf("(if (result %s) (local.get $c) (then %s) (else %s))", t, x.wat, y.wat), func(p *nanArgs) uint64 {
			if p.c != 0 {
				return x.eval(p)
			}
			return y.eval(p)
		}}
	case 13: // memory
		return nanExpr{fmt.Sprintf("(block (result %s) (%s.store (i32.const 64) %s) (%s.load (i32.const 64)))", t, t, x.wat, t), x.eval}
	case 14: // a call
		return nanExpr{fmt.Sprintf("(call $id_%s %s)", t, x.wat), x.eval}
	case 15: // bits and back
		return nanExpr{fmt.Sprintf("(%s.reinterpret_%s (%s.reinterpret_%s %s))", t, it, it, t, x.wat), x.eval}
	default: // a dropped value, a br_if out of a block with a value
		y := g.expr(f64, d)
		if g.r.Intn(2) == 0 {
			return nanExpr{fmt.Sprintf("(block (result %s) (drop %s) %s)", t, x.wat, y.wat), func(p *nanArgs) uint64 {
				x.eval(p)
				return y.eval(p)
			}}
		}
		return nanExpr{fmt.Sprintf("(block (result %s) %s (local.get $c) br_if 0 drop %s)", t, x.wat, y.wat), func(p *nanArgs) uint64 {
			xv, yv := x.eval(p), y.eval(p)
			if p.c != 0 {
				return xv
			}
			return yv
		}}
	}
}

func pick(f64 bool, x64, x32 uint64) uint64 {
	if f64 {
		return x64
	}
	return x32
}

// param is the bits of the argument v as an f64, or as an f32.
func param(v float64, f64 bool) uint64 {
	if f64 {
		return math.Float64bits(v)
	}
	return uint64(math.Float32bits(float32(v)))
}

func watFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case v == 0:
		return "0"
	}
	return fmt.Sprintf("%g", v)
}

// TestNaNModel checks random float expressions, run instrumented, against
// the rule that every NaN arithmetic makes is canonical the moment it is
// made: the instrumenter canonicalises only where the bits can be seen,
// which must not change any result.
func TestNaNModel(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	g := &nanGen{r: r}
	// NaNs with payloads and signs, and ordinary values, as f64 bits;
	// the f32 params get the same values converted (NaNs: their own f32
	// patterns, below).
	nan64s := []uint64{0x7ff4000000000001, 0xfff8000000000000, 0x7ff8000012345678}
	nan32s := []uint32{0x7fa00001, 0xffc00000, 0x7fc12345}
	vals := []float64{0, math.Copysign(0, -1), 2.5, -7, math.Inf(-1)}
	for mod := 0; mod < 6; mod++ {
		var b strings.Builder
		b.WriteString(`(module (memory 1)
  (func $id_f32 (param f32) (result f32) (local.get 0))
  (func $id_f64 (param f64) (result f64) (local.get 0))
`)
		var exprs []nanExpr
		var f64s []bool
		for i := 0; i < 40; i++ {
			f64 := r.Intn(2) == 0
			e := g.expr(f64, 5)
			exprs, f64s = append(exprs, e), append(f64s, f64)
			res, conv := "i32", "i32.reinterpret_f32"
			if f64 {
				res, conv = "i64", "i64.reinterpret_f64"
			}
			fmt.Fprintf(&b, `  (func (export "e%d") (param $a_f64 f64) (param $b_f64 f64) (param $a_f32 f32) (param $b_f32 f32) (param $c i32) (result %s)
    (local $t_f32 f32) (local $t_f64 f64)
    (%s %s))
`, i, res, conv, e.wat)
		}
		b.WriteString(")")
		in := metered(t, b.String(), Config{})
		for i, e := range exprs {
			for trial := 0; trial < 8; trial++ {
				var p nanArgs
				pickArg := func() (uint64, uint64) {
					if r.Intn(2) == 0 {
						k := r.Intn(len(nan64s))
						return nan64s[k], uint64(nan32s[k])
					}
					v := vals[r.Intn(len(vals))]
					return math.Float64bits(v), uint64(math.Float32bits(float32(v)))
				}
				p.a64, p.a32 = pickArg()
				p.b64, p.b32 = pickArg()
				p.c = int32(r.Intn(2))
				got, err := in.call(t, 1<<40, fmt.Sprintf("e%d", i), math.Float64frombits(p.a64), math.Float64frombits(p.b64),
					math.Float32frombits(uint32(p.a32)), math.Float32frombits(uint32(p.b32)), p.c)
				if err != nil {
					t.Fatal(err)
				}
				var gotBits uint64
				if f64s[i] {
					gotBits = uint64(got.(int64))
				} else {
					gotBits = uint64(uint32(got.(int32)))
				}
				if want := e.eval(&p); gotBits != want {
					t.Fatalf("e%d(%+v) = %#x, want %#x\n%s", i, p, gotBits, want, e.wat)
				}
			}
		}
	}
}
