package instrument

import (
	"fmt"
	"strings"
)

// genModule builds a random valid module, in WAT, from the bytes of a
// fuzz input. Its functions use integer and float arithmetic, locals,
// globals, blocks, loops, ifs, br, br_if, br_table, calls, loads and
// stores, memory.grow/fill/copy. Every loop and every function entry
// spends one unit of the global $fuel and gives up when it is 0, and
// functions call only functions defined before them, so every call ends.
//
// The generated code keeps the difference NaN canonicalisation makes
// unobservable (no reinterpret, no float stores, no copysign): results
// of the original and instrumented modules must then be equal, with all
// NaNs equal to each other.
type gen struct {
	in    []byte
	pos   int
	b     strings.Builder
	funcs []genFunc
	// per function
	params, locals []string
	depth          int
	labels         int
}

type genFunc struct {
	params []string
	result string
}

var genTypes = []string{"i32", "i64", "f32", "f64"}

func (g *gen) next() int {
	if g.pos >= len(g.in) {
		return 0
	}
	g.pos++
	return int(g.in[g.pos-1])
}

func (g *gen) pick(n int) int { return g.next() % n }

func (g *gen) w(format string, args ...any) { fmt.Fprintf(&g.b, format, args...) }

func genModule(in []byte) (string, []genFunc) {
	g := &gen{in: in}
	g.w("(module\n (memory (export \"memory\") 1 4)\n (global $fuel (mut i32) (i32.const 200))\n")
	for _, t := range genTypes {
		g.w(" (global $g%s (mut %s) (%s.const %d))\n", t, t, t, g.next())
	}
	n := 1 + g.pick(4)
	for i := 0; i < n; i++ {
		f := genFunc{result: genTypes[g.pick(4)]}
		for j := g.pick(4); j > 0; j-- {
			f.params = append(f.params, genTypes[g.pick(4)])
		}
		g.params = f.params
		g.locals = nil
		for j := g.pick(4); j > 0; j-- {
			g.locals = append(g.locals, genTypes[g.pick(4)])
		}
		g.w(" (func $f%d (export \"f%d\")", i, i)
		for _, p := range f.params {
			g.w(" (param %s)", p)
		}
		g.w(" (result %s)", f.result)
		for _, l := range g.locals {
			g.w(" (local %s)", l)
		}
		g.w("\n  (if (i32.eqz (global.get $fuel)) (then (return (%s.const 0))))\n", f.result)
		g.w("  (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))\n")
		g.depth, g.labels = 0, 0
		for j := g.pick(4); j > 0; j-- {
			g.stmt()
		}
		g.expr(f.result)
		g.w(")\n")
		g.funcs = append(g.funcs, f)
	}
	g.w(")\n")
	return g.b.String(), g.funcs
}

func (g *gen) vars(t string) []int {
	var idx []int
	for i, p := range append(append([]string(nil), g.params...), g.locals...) {
		if p == t {
			idx = append(idx, i)
		}
	}
	return idx
}

// addr is an in-bounds address expression (the memory has at least one
// page and accesses are at most 8 bytes).
func (g *gen) addr() {
	g.w("(i32.and ")
	g.expr("i32")
	g.w(" (i32.const 0xfff8))")
}

func (g *gen) stmt() {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 4 {
		g.w("(nop)")
		return
	}
	switch g.pick(9) {
	case 0, 1:
		t := genTypes[g.pick(4)]
		if v := g.vars(t); len(v) > 0 {
			g.w("(local.set %d ", v[g.pick(len(v))])
			g.expr(t)
			g.w(")")
			return
		}
		g.w("(global.set $g%s ", t)
		g.expr(t)
		g.w(")")
	case 2:
		op := []string{"i32.store", "i32.store8", "i32.store16", "i64.store", "i64.store32"}[g.pick(5)]
		g.w("(%s ", op)
		g.addr()
		g.expr(op[:3])
		g.w(")")
	case 3: // a loop that runs while fuel lasts and a condition holds
		l := g.labels
		g.labels++
		g.w("(block $B%d (loop $L%d (br_if $B%d (i32.eqz (global.get $fuel)))"+
			" (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1))) ", l, l, l)
		g.stmt()
		g.w(" (br_if $L%d ", l)
		g.expr("i32")
		g.w(")))")
	case 4:
		g.w("(if ")
		g.expr("i32")
		g.w(" (then ")
		g.stmt()
		g.w(") (else ")
		g.stmt()
		g.w("))")
	case 5: // br_table out of nested blocks
		g.w("(block (block (block (br_table 0 1 2 ")
		g.expr("i32")
		g.w(")) ")
		g.stmt()
		g.w(") ")
		g.stmt()
		g.w(")")
	case 6:
		op := []string{"memory.fill", "memory.copy"}[g.pick(2)]
		g.w("(%s (i32.and ", op)
		g.expr("i32")
		g.w(" (i32.const 0x7fff)) (i32.and ")
		g.expr("i32")
		g.w(" (i32.const 0x7fff)) (i32.and ")
		g.expr("i32")
		g.w(" (i32.const 0x3ff)))")
	case 7:
		g.w("(drop (memory.grow (i32.and ")
		g.expr("i32")
		g.w(" (i32.const 1))))")
	case 8:
		t := genTypes[g.pick(4)]
		g.w("(drop ")
		g.expr(t)
		g.w(")")
	}
}

func (g *gen) expr(t string) {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 6 || g.pos >= len(g.in) {
		g.leaf(t)
		return
	}
	switch g.pick(12) {
	case 0, 1:
		g.leaf(t)
	case 2, 3, 4: // binary
		var ops []string
		if t[0] == 'i' {
			ops = []string{"add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"}
		} else {
			ops = []string{"add", "sub", "mul", "div", "min", "max"}
		}
		g.w("(%s.%s ", t, ops[g.pick(len(ops))])
		g.expr(t)
		g.w(" ")
		g.expr(t)
		g.w(")")
	case 5: // unary
		var ops []string
		switch t {
		case "i32":
			ops = []string{"i32.clz", "i32.ctz", "i32.popcnt", "i32.extend8_s", "i32.extend16_s", "i32.eqz"}
		case "i64":
			ops = []string{"i64.clz", "i64.ctz", "i64.popcnt", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s"}
		default:
			ops = []string{"abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"}
			for i := range ops {
				ops[i] = t + "." + ops[i]
			}
		}
		g.w("(%s ", ops[g.pick(len(ops))])
		g.expr(t)
		g.w(")")
	case 6: // conversions
		from := genTypes[g.pick(4)]
		g.convert(t, from)
	case 7: // comparison, as i32
		if t != "i32" {
			g.leaf(t)
			return
		}
		c := genTypes[g.pick(4)]
		var ops []string
		if c[0] == 'i' {
			ops = []string{"eq", "ne", "lt_s", "lt_u", "gt_s", "ge_u", "le_s"}
		} else {
			ops = []string{"eq", "ne", "lt", "gt", "le", "ge"}
		}
		g.w("(%s.%s ", c, ops[g.pick(len(ops))])
		g.expr(c)
		g.w(" ")
		g.expr(c)
		g.w(")")
	case 8: // load
		var ops []string
		switch t {
		case "i32":
			ops = []string{"i32.load", "i32.load8_s", "i32.load8_u", "i32.load16_s"}
		case "i64":
			ops = []string{"i64.load", "i64.load8_u", "i64.load32_s"}
		default:
			ops = []string{t + ".load"}
		}
		g.w("(%s ", ops[g.pick(len(ops))])
		g.addr()
		g.w(")")
	case 9: // if / select
		if g.pick(2) == 0 {
			g.w("(if (result %s) ", t)
			g.expr("i32")
			g.w(" (then ")
			g.stmt()
			g.expr(t)
			g.w(") (else ")
			g.expr(t)
			g.w("))")
		} else {
			g.w("(select ")
			g.expr(t)
			g.w(" ")
			g.expr(t)
			g.w(" ")
			g.expr("i32")
			g.w(")")
		}
	case 10: // block left early by br_if
		g.w("(block (result %s) ", t)
		g.expr(t)
		g.w(" ")
		g.expr("i32")
		g.w(" br_if 0 drop ")
		g.expr(t)
		g.w(")")
	case 11: // call an earlier function with the right result
		var cands []int
		for i, f := range g.funcs {
			if f.result == t {
				cands = append(cands, i)
			}
		}
		if len(cands) == 0 {
			g.leaf(t)
			return
		}
		f := cands[g.pick(len(cands))]
		g.w("(call $f%d", f)
		for _, p := range g.funcs[f].params {
			g.w(" ")
			g.expr(p)
		}
		g.w(")")
	}
}

func (g *gen) convert(to, from string) {
	if to == from {
		g.expr(to)
		return
	}
	var op string
	switch {
	case to == "i32" && from == "i64":
		op = "i32.wrap_i64"
	case to == "i64" && from == "i32":
		op = []string{"i64.extend_i32_s", "i64.extend_i32_u"}[g.pick(2)]
	case to[0] == 'i': // from a float
		op = fmt.Sprintf("%s.trunc_sat_%s_%s", to, from, []string{"s", "u"}[g.pick(2)])
		if g.pick(4) == 0 {
			op = fmt.Sprintf("%s.trunc_%s_s", to, from) // may trap
		}
	case to == "f32" && from == "f64":
		op = "f32.demote_f64"
	case to == "f64" && from == "f32":
		op = "f64.promote_f32"
	default: // float from an int
		op = fmt.Sprintf("%s.convert_%s_%s", to, from, []string{"s", "u"}[g.pick(2)])
	}
	g.w("(%s ", op)
	g.expr(from)
	g.w(")")
}

func (g *gen) leaf(t string) {
	switch g.pick(4) {
	case 0, 1:
		if v := g.vars(t); len(v) > 0 {
			g.w("(local.get %d)", v[g.pick(len(v))])
			return
		}
		fallthrough
	case 2:
		v := int64(int8(g.next())) * int64(g.next()+1)
		if t[0] == 'f' {
			switch g.pick(8) {
			case 0:
				g.w("(%s.const nan)", t)
				return
			case 1:
				g.w("(%s.const -inf)", t)
				return
			}
			g.w("(%s.const %d.5)", t, v)
			return
		}
		g.w("(%s.const %d)", t, v)
	default:
		g.w("(global.get $g%s)", t)
	}
}
