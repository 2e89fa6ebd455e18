//go:build cgo

package vm

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"
)

// FuzzEngines is a differential fuzzer of the engines: each input
// becomes a random valid module (diffGen: i32/i64/f32/f64 arithmetic,
// NaN bit patterns, conversions that may trap, locals, globals, blocks,
// loops, br_table, direct, recursive and indirect calls, loads and stores
// in and out of bounds, memory.grow/fill/copy), instrumented as the VM
// does (VM.prepare), and its exports run on every engine of the build
// with a gas limit taken from the input. The engines must agree on every
// run's trap (or none), gas used, stack weight, result, memory (its size
// and SHA-256) and globals. It needs cgo: wasmer is one of the engines,
// and its wat2wasm compiles the generated text.
//
// `go test ./vm` runs the seeds (a few seconds) and the inputs saved in
// testdata/fuzz/FuzzEngines; a longer session:
//
//	go test ./vm -run XXX -fuzz FuzzEngines -fuzztime 10m -fuzzminimizetime 10x
//
// (without -fuzzminimizetime the fuzzer spends up to a minute minimizing
// each input that finds new coverage, which wazero's compiler, Go code,
// gives often: it then hardly fuzzes at all; with it, 20-40 inputs a
// second on 2 shared cores).
//
// wasmer runs in child processes, each replaced after diffHelperModules
// modules (see diffHelper).
func FuzzEngines(f *testing.F) {
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 200; i++ {
		b := make([]byte, 48+r.Intn(600))
		r.Read(b)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 8 {
			return
		}
		src, runs, limit := diffGen(in)
		bin, err := wasmer.Wat2Wasm(src)
		if err != nil {
			t.Fatalf("the generated module does not compile: %v\n%s", err, src)
		}
		engines := diffEnginesOnce(t)
		p, err := diffPrepareVM.prepare(bin)
		if err != nil {
			t.Fatalf("the VM refuses the generated module: %v\n%s", err, src)
		}
		var first []diffOutcome
		for i, e := range engines {
			out, err := e.run(p, runs, limit)
			if err != nil {
				t.Fatalf("%s: %v\n%s", e.name, err, src)
			}
			if i == 0 {
				first = out
				continue
			}
			for k := range out {
				if !reflect.DeepEqual(first[k], out[k]) {
					t.Fatalf("run%d (gas limit %d) differs:\n%s: %+v\n%s: %+v\nthe module:\n%s", k, limit,
						engines[0].name, first[k], e.name, out[k], src)
				}
			}
		}
	})
}

// diffEngine runs modules on one engine: in this process, or in a
// helper process if the engine is in diffIsolated.
type diffEngine struct {
	name   string
	engine Engine // bound by a VM; nil if isolated
	helper *diffHelper
}

func (e *diffEngine) run(p prepared, runs int, limit uint64) ([]diffOutcome, error) {
	if e.helper != nil {
		return e.helper.run(p, runs, limit)
	}
	return diffRun(e.engine, p, runs, limit)
}

// diffIsolated are the engines FuzzEngines runs in helper processes.
var diffIsolated = map[string]bool{EngineWasmer: true}

// diffEngines are made once per process, in the order of their names,
// and never closed; diffPrepareVM (on an engine run here) instruments.
var (
	diffEngines   []*diffEngine
	diffPrepareVM *VM
)

func diffEnginesOnce(t *testing.T) []*diffEngine {
	if diffEngines == nil {
		for _, name := range slices.Sorted(maps.Keys(engineFactories)) {
			e := &diffEngine{name: name}
			if diffIsolated[name] {
				e.helper = &diffHelper{engine: name}
			} else {
				v, err := New(engineFactories[name](), Options{})
				if err != nil {
					t.Fatal(err)
				}
				e.engine, diffPrepareVM = v.engine, v
			}
			diffEngines = append(diffEngines, e)
		}
	}
	if len(diffEngines) < 2 {
		t.Skip("one engine in this build: nothing to compare")
	}
	return diffEngines
}

// diffHelper is a child process, this test binary running
// TestDiffEngineHelper, that runs modules on one engine for FuzzEngines.
// wasmer-go cannot fuzz for long in one process: it leaks two memory
// mappings per module compiled (the process aborts near 32,000), and its
// traps get slower as the process compiles modules, closed ones included
// (measured with traps between the compiles: a trap takes 0.1 ms in a
// fresh process, 60 ms after 2,000 modules, 0.2-0.5 s after 8,000),
// until an input takes longer than the 10 s the fuzzer allows. So the
// child is replaced after diffHelperModules modules.
type diffHelper struct {
	engine  string
	cmd     *exec.Cmd
	stdin   io.Closer
	enc     *json.Encoder
	dec     *json.Decoder
	modules int
}

const (
	diffHelperModules = 1000
	diffHelperEnv     = "NODED_DIFF_HELPER" // the engine a child runs
)

// diffRequest and diffResponse are the messages to and from a helper.
type diffRequest struct {
	Code, Image []byte
	Runs        int
	Limit       uint64
}

type diffResponse struct {
	Outcomes []diffOutcome
	Err      string
}

func (h *diffHelper) run(p prepared, runs int, limit uint64) ([]diffOutcome, error) {
	if h.cmd != nil && h.modules >= diffHelperModules {
		h.stop()
	}
	if h.cmd == nil {
		if err := h.start(); err != nil {
			return nil, err
		}
	}
	h.modules++
	var resp diffResponse
	if err := h.enc.Encode(diffRequest{Code: p.code, Image: p.image, Runs: runs, Limit: limit}); err != nil {
		h.stop()
		return nil, fmt.Errorf("helper process: %w", err)
	}
	if err := h.dec.Decode(&resp); err != nil {
		h.stop()
		return nil, fmt.Errorf("helper process died: %w", err)
	}
	if resp.Err != "" {
		return nil, errors.New(resp.Err)
	}
	return resp.Outcomes, nil
}

func (h *diffHelper) start() error {
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiffEngineHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), diffHelperEnv+"="+h.engine)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	h.cmd, h.stdin, h.enc, h.dec, h.modules = cmd, in, json.NewEncoder(in), json.NewDecoder(out), 0
	return nil
}

// stop closes the child's input, at the end of which it exits, and waits
// for it.
func (h *diffHelper) stop() {
	h.stdin.Close()
	_ = h.cmd.Wait()
	h.cmd = nil
}

// TestDiffEngineHelper is the body of a diffHelper child: it runs the
// modules it reads from its input on the engine diffHelperEnv names and
// writes their outcomes, until its input ends.
func TestDiffEngineHelper(t *testing.T) {
	name := os.Getenv(diffHelperEnv)
	if name == "" {
		t.Skip("the helper process of FuzzEngines")
	}
	v, err := New(engineFactories[name](), Options{})
	if err != nil {
		t.Fatal(err)
	}
	dec, enc := json.NewDecoder(os.Stdin), json.NewEncoder(os.Stdout)
	for {
		var req diffRequest
		if err := dec.Decode(&req); err != nil {
			if err == io.EOF {
				os.Exit(0) // no test output on the parent's pipe
			}
			t.Fatal(err)
		}
		var resp diffResponse
		resp.Outcomes, err = diffRun(v.engine, prepared{code: req.Code, image: req.Image}, req.Runs, req.Limit)
		if err != nil {
			resp.Err = err.Error()
		}
		if err := enc.Encode(resp); err != nil {
			t.Fatal(err)
		}
	}
}

// diffOutcome is what a run of an export left.
type diffOutcome struct {
	Trap    string // "" if none
	GasUsed uint64
	Depth   uint32
	Result  uint64 // the 8 bytes at the run's result slot
	Pages   int
	Memory  string // SHA-256, hex
	Globals []uint64
}

// diffRun compiles the prepared module on e, instantiates it as the VM
// does (the initial memory from the image, when prepare took the data
// segments out) and calls the exports run0... in turn with the gas
// limit, in the same instance until one traps, then in a fresh one.
func diffRun(e Engine, p prepared, runs int, limit uint64) ([]diffOutcome, error) {
	m, err := e.Compile(p.code)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	var inst Instance
	defer func() {
		if inst != nil {
			inst.Close()
		}
	}()
	out := make([]diffOutcome, runs)
	for k := range out {
		if inst == nil {
			if inst, err = m.Instantiate(); err != nil {
				return nil, err
			}
			if p.image != nil && !inst.Restore(&Snapshot{Memory: p.image}) {
				return nil, errors.New("the initial memory could not be set")
			}
		}
		inst.SetMeter(0, limit, 0)
		err := inst.Call(fmt.Sprintf("run%d", k))
		o := &out[k]
		if err != nil {
			var trap *Trap
			if !errors.As(err, &trap) {
				return nil, err
			}
			o.Trap = trap.Code.String()
		}
		o.GasUsed, o.Depth = inst.GasUsed(), inst.Depth()
		mem := inst.Memory()
		o.Pages, o.Memory = len(mem)/wasmPageSize, fmt.Sprintf("%x", sha256.Sum256(mem))
		o.Result = binary.LittleEndian.Uint64(mem[diffResultSlot+8*k:])
		o.Globals = inst.Snapshot().Globals
		if err != nil {
			inst.Close()
			inst = nil
		}
	}
	return out, nil
}

// diffResultSlot is where run k stores its function's result, at +8k.
const diffResultSlot = 0xF000

// diffGen turns fuzz input into a module in WAT: up to 5 functions of
// random signatures, each exported through a wrapper runK that calls it
// with constant arguments and stores its result; it also returns the
// number of wrappers and the gas limit of each run. Every function entry
// and loop iteration spends a unit of the global $fuel (at most 8,260),
// so every run ends, whatever calls what: deep recursion may exhaust the
// stack weight, and the gas limit may stop a run anywhere.
func diffGen(in []byte) (src string, runs int, limit uint64) {
	g := &diffGenerator{in: in}
	switch g.n(4) {
	case 0:
		limit = uint64(1 + g.n(256)*20)
	case 1:
		limit = uint64(1000 + g.n(256)*1000)
	default:
		limit = 5_000_000
	}
	nf := 1 + g.n(5)
	for i := 0; i < nf; i++ {
		var s diffSig
		for j := g.n(4); j > 0; j-- {
			s.params = append(s.params, g.typ())
		}
		s.result = g.typ()
		g.sigs = append(g.sigs, s)
	}
	g.w("(module\n  (memory (export \"memory\") 1 3)\n")
	g.w("  (global $fuel (mut i32) (i32.const %d))\n", 100+g.n(256)*32)
	for _, t := range diffTypes {
		g.w("  (global $g_%s (mut %s) ", t, t)
		g.konst(t)
		g.w(")\n")
	}
	g.w("  (data (i32.const 0) \"")
	for i := 0; i < 64; i++ {
		g.w("\\%02x", g.next())
	}
	// NaNs with payloads, signalling and negative, and infinities
	g.w("\")\n  (data (i32.const 64) \"\\01\\00\\a0\\7f\\23\\01\\c0\\ff\\00\\00\\80\\7f\\01\\00\\00\\00\\00\\00\\f4\\7f\\ab\\00\\00\\00\\00\\00\\f8\\ff\")\n")
	g.w("  (table %d funcref)\n  (elem (i32.const 0)", nf)
	for i := range g.sigs {
		g.w(" $f%d", i)
	}
	g.w(")\n")
	for i, s := range g.sigs {
		g.w("  (type $s%d (func", i)
		if len(s.params) > 0 {
			g.w(" (param %s)", strings.Join(s.params, " "))
		}
		g.w(" (result %s)))\n", s.result)
	}
	for i := range g.sigs {
		g.function(i)
	}
	for i, s := range g.sigs {
		g.w("  (func (export \"run%d\") (%s.store (i32.const %d) (call $f%d", i, s.result, diffResultSlot+8*i, i)
		for _, p := range s.params {
			g.w(" ")
			g.konst(p)
		}
		g.w(")))\n")
	}
	g.w(")\n")
	return g.sb.String(), nf, limit
}

var diffTypes = []string{"i32", "i64", "f32", "f64"}

type diffSig struct {
	params []string
	result string
}

type diffGenerator struct {
	in     []byte
	pos    int
	sb     strings.Builder
	sigs   []diffSig
	vars   []string // the function's params and locals
	result string   // the function's result type
	self   int      // the function's index
	depth  int
	labels int
}

func (g *diffGenerator) next() int {
	if g.pos >= len(g.in) {
		return 0
	}
	g.pos++
	return int(g.in[g.pos-1])
}

func (g *diffGenerator) n(k int) int { return g.next() % k }

func (g *diffGenerator) u32() uint32 {
	return uint32(g.next()) | uint32(g.next())<<8 | uint32(g.next())<<16 | uint32(g.next())<<24
}

func (g *diffGenerator) typ() string { return diffTypes[g.n(4)] }

func (g *diffGenerator) w(format string, args ...any) { fmt.Fprintf(&g.sb, format, args...) }

func (g *diffGenerator) function(i int) {
	s := g.sigs[i]
	g.vars = append([]string(nil), s.params...)
	g.result, g.depth, g.labels = s.result, 0, 0
	g.w("  (func $f%d (type $s%d)", i, i)
	for j := g.n(5); j > 0; j-- {
		t := g.typ()
		g.vars = append(g.vars, t)
		g.w(" (local %s)", t)
	}
	if g.n(4) == 0 { // a large frame, for deep recursion to exhaust the stack weight
		for j := 16 + g.n(64); j > 0; j-- {
			g.vars = append(g.vars, "i64")
			g.w(" (local i64)")
		}
	}
	g.self = i
	g.w("\n    (if (i32.le_s (global.get $fuel) (i32.const 0)) (then (return (%s.const 0))))\n", s.result)
	g.w("    (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))\n")
	for j := 1 + g.n(6); j > 0; j-- {
		g.w("    ")
		g.stmt()
		g.w("\n")
	}
	g.w("    ")
	g.expr(s.result)
	g.w(")\n")
}

// localOf returns the index of a param or local of type t, or -1.
func (g *diffGenerator) localOf(t string) int {
	var idx []int
	for i, v := range g.vars {
		if v == t {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return -1
	}
	return idx[g.n(len(idx))]
}

// konst writes a constant of type t (also a global's initial value):
// edge values, NaNs with payloads, or bits from the input.
func (g *diffGenerator) konst(t string) {
	k := g.n(8)
	switch t {
	case "i32":
		v := []string{"0", "1", "-1", "0x7fffffff", "0x80000000", "31", "32"}
		if k < len(v) {
			g.w("(i32.const %s)", v[k])
			return
		}
		g.w("(i32.const %d)", int32(g.u32()))
	case "i64":
		v := []string{"0", "1", "-1", "0x7fffffffffffffff", "0x8000000000000000", "63", "64"}
		if k < len(v) {
			g.w("(i64.const %s)", v[k])
			return
		}
		g.w("(i64.const %d)", int64(uint64(g.u32())<<32|uint64(g.u32())))
	case "f32":
		v := []string{"nan", "-nan:0x7fffff", "nan:0x200001", "-inf", "-0", "0x1p-149", "1.5"}
		if k < len(v) {
			g.w("(f32.const %s)", v[k])
			return
		}
		g.w("(f32.const %s)", diffFloat(uint64(g.u32()), 32))
	case "f64":
		v := []string{"nan", "-nan:0x8000000000001", "nan:0x4000000000001", "inf", "-0", "0x1p-1074", "-2.5"}
		if k < len(v) {
			g.w("(f64.const %s)", v[k])
			return
		}
		g.w("(f64.const %s)", diffFloat(uint64(g.u32())<<32|uint64(g.u32()), 64))
	}
}

// diffFloat writes the float of the given bits exactly in WAT: a NaN
// with its sign and payload, or a hexadecimal float.
func diffFloat(bits uint64, size int) string {
	f, mant := math.Float64frombits(bits), uint64(1)<<52
	if size == 32 {
		f, mant = float64(math.Float32frombits(uint32(bits))), 1<<23
	}
	sign := ""
	if math.Signbit(f) {
		sign = "-"
	}
	switch {
	case math.IsNaN(f):
		return fmt.Sprintf("%snan:%#x", sign, bits&(mant-1))
	case math.IsInf(f, 0):
		return sign + "inf"
	}
	return strconv.FormatFloat(f, 'x', -1, size)
}

// addr writes an address: mostly within the first page, sometimes near
// or past the end of memory, sometimes anything.
func (g *diffGenerator) addr() {
	switch g.n(8) {
	case 0:
		g.w("(i32.const %d)", 65536-8+g.n(16))
	case 1:
		g.expr("i32")
	default:
		g.w("(i32.and ")
		g.expr("i32")
		g.w(" (i32.const 0xfff7))")
	}
}

func (g *diffGenerator) stmt() {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 3 {
		g.w("(nop)")
		return
	}
	switch g.n(12) {
	case 0, 1:
		t := g.typ()
		if l := g.localOf(t); l >= 0 {
			g.w("(local.set %d ", l)
		} else {
			g.w("(global.set $g_%s ", t)
		}
		g.expr(t)
		g.w(")")
	case 2, 3:
		t := g.typ()
		op := map[string][]string{
			"i32": {"store", "store8", "store16"},
			"i64": {"store", "store8", "store16", "store32"},
			"f32": {"store"},
			"f64": {"store"},
		}[t]
		g.w("(%s.%s offset=%d ", t, op[g.n(len(op))], g.n(9))
		g.addr()
		g.w(" ")
		g.expr(t)
		g.w(")")
	case 4:
		g.w("(if ")
		g.expr("i32")
		g.w(" (then ")
		g.stmt()
		g.w(") (else ")
		g.stmt()
		g.w("))")
	case 5: // a loop while fuel lasts and a condition holds
		l := g.labels
		g.labels++
		g.w("(block $out%d (loop $loop%d (br_if $out%d (i32.le_s (global.get $fuel) (i32.const 0)))", l, l, l)
		g.w(" (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1))) ")
		g.stmt()
		g.w(" ")
		g.stmt()
		g.w(" (br_if $loop%d ", l)
		g.expr("i32")
		g.w(")))")
	case 6: // br_table out of nested blocks
		g.w("(block (block (block (br_table 0 1 2 ")
		g.expr("i32")
		g.w(")) ")
		g.stmt()
		g.w(") ")
		g.stmt()
		g.w(")")
	case 7:
		op := []string{"memory.fill", "memory.copy"}[g.n(2)]
		g.w("(%s ", op)
		g.addr()
		g.w(" (i32.and ")
		g.expr("i32")
		g.w(" (i32.const 0xffff)) (i32.and ")
		g.expr("i32")
		g.w(" (i32.const 0x7ff)))")
	case 8:
		g.w("(drop (memory.grow (i32.and ")
		g.expr("i32")
		g.w(" (i32.const 3))))")
	case 9:
		g.w("(if ")
		g.expr("i32")
		g.w(" (then (return ")
		g.expr(g.result)
		g.w(")))")
	case 10:
		if g.n(2) == 0 { // recursion while fuel lasts
			g.w("(if (i32.gt_s (global.get $fuel) (i32.const 0)) (then (drop (call $f%d", g.self)
			for _, p := range g.sigs[g.self].params {
				g.w(" ")
				g.leaf(p)
			}
			g.w("))))")
			return
		}
		g.w("(if (i32.eq ")
		g.expr("i32")
		g.w(" (i32.const 7)) (then unreachable))")
	default:
		t := g.typ()
		g.w("(drop ")
		g.expr(t)
		g.w(")")
	}
}

// Operators by operand type.
var (
	diffUnary = map[string][]string{
		"i32": {"clz", "ctz", "popcnt", "eqz", "extend8_s", "extend16_s"},
		"i64": {"clz", "ctz", "popcnt", "extend8_s", "extend16_s", "extend32_s"},
		"f32": {"abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"},
		"f64": {"abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"},
	}
	diffIntBinary   = []string{"add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"}
	diffFloatBinary = []string{"add", "sub", "mul", "div", "min", "max", "copysign"}
	diffIntCompare  = []string{"eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"}
	diffFloatCmp    = []string{"eq", "ne", "lt", "gt", "le", "ge"}
	diffLoads       = map[string][]string{
		"i32": {"load", "load8_s", "load8_u", "load16_s", "load16_u"},
		"i64": {"load", "load8_s", "load8_u", "load16_s", "load16_u", "load32_s", "load32_u"},
		"f32": {"load"},
		"f64": {"load"},
	}
)

func (g *diffGenerator) expr(t string) {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 6 || g.pos >= len(g.in) {
		g.leaf(t)
		return
	}
	switch g.n(16) {
	case 0, 1:
		g.leaf(t)
	case 2, 3, 4:
		ops := diffIntBinary
		if t[0] == 'f' {
			ops = diffFloatBinary
		}
		g.w("(%s.%s ", t, ops[g.n(len(ops))])
		if g.n(6) == 0 { // both operands from one multi-value block
			g.w("(block (result %s %s) ", t, t)
			g.expr(t)
			g.w(" ")
			g.expr(t)
			g.w("))")
			return
		}
		g.expr(t)
		g.w(" ")
		g.expr(t)
		g.w(")")
	case 5:
		ops := diffUnary[t]
		op := ops[g.n(len(ops))]
		if op == "eqz" { // i32.eqz of an i32 or i64
			from := []string{"i32", "i64"}[g.n(2)]
			g.w("(%s.eqz ", from)
			g.expr(from)
			g.w(")")
			return
		}
		g.w("(%s.%s ", t, op)
		g.expr(t)
		g.w(")")
	case 6:
		if t != "i32" {
			g.convert(t)
			return
		}
		from := g.typ()
		ops := diffIntCompare
		if from[0] == 'f' {
			ops = diffFloatCmp
		}
		g.w("(%s.%s ", from, ops[g.n(len(ops))])
		g.expr(from)
		g.w(" ")
		g.expr(from)
		g.w(")")
	case 7, 8:
		g.convert(t)
	case 9:
		ops := diffLoads[t]
		g.w("(%s.%s offset=%d ", t, ops[g.n(len(ops))], g.n(9))
		g.addr()
		g.w(")")
	case 10:
		g.w("(select ")
		g.expr(t)
		g.w(" ")
		g.expr(t)
		g.w(" ")
		g.expr("i32")
		g.w(")")
	case 11:
		g.w("(if (result %s) ", t)
		g.expr("i32")
		g.w(" (then ")
		g.stmt()
		g.w(" ")
		g.expr(t)
		g.w(") (else ")
		g.expr(t)
		g.w("))")
	case 12:
		g.w("(block (result %s) ", t)
		g.expr(t)
		g.w(" ")
		g.expr("i32")
		g.w(" br_if 0 drop ")
		g.expr(t)
		g.w(")")
	case 13:
		g.call(t)
	case 14:
		if l := g.localOf(t); l >= 0 {
			g.w("(local.tee %d ", l)
			g.expr(t)
			g.w(")")
			return
		}
		g.leaf(t)
	default:
		if t == "i32" {
			if g.n(2) == 0 {
				g.w("(memory.size)")
				return
			}
			g.w("(memory.grow (i32.and ")
			g.expr("i32")
			g.w(" (i32.const 1)))")
			return
		}
		g.leaf(t)
	}
}

// call calls a function whose result is t: directly (any function, this
// one included: fuel bounds the recursion) or through the table, where
// the index may be past the table or name a function of another type.
func (g *diffGenerator) call(t string) {
	var cands []int
	for i, s := range g.sigs {
		if s.result == t {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		g.leaf(t)
		return
	}
	f := cands[g.n(len(cands))]
	indirect := g.n(3) == 0
	if indirect {
		g.w("(call_indirect (type $s%d)", f)
	} else {
		g.w("(call $f%d", f)
	}
	for _, p := range g.sigs[f].params {
		g.w(" ")
		g.expr(p)
	}
	if indirect {
		g.w(" (i32.const %d)", g.n(len(g.sigs)+1))
	}
	g.w(")")
}

// convert writes a conversion to t from another type, traps included.
func (g *diffGenerator) convert(t string) {
	from := g.typ()
	if from == t {
		from = diffTypes[(slices.Index(diffTypes, t)+1+g.n(3))%4]
	}
	var op string
	switch {
	case t == "i32" && from == "i64":
		op = "i32.wrap_i64"
	case t == "i64" && from == "i32":
		op = "i64.extend_i32_" + []string{"s", "u"}[g.n(2)]
	case t[0] == 'i': // from a float
		switch g.n(4) {
		case 0:
			op = fmt.Sprintf("%s.trunc_%s_%s", t, from, []string{"s", "u"}[g.n(2)])
		case 1:
			if t[1:] == from[1:] {
				op = fmt.Sprintf("%s.reinterpret_%s", t, from)
				break
			}
			fallthrough
		default:
			op = fmt.Sprintf("%s.trunc_sat_%s_%s", t, from, []string{"s", "u"}[g.n(2)])
		}
	case t == "f32" && from == "f64":
		op = "f32.demote_f64"
	case t == "f64" && from == "f32":
		op = "f64.promote_f32"
	default: // a float from an integer
		if t[1:] == from[1:] && g.n(2) == 0 {
			op = fmt.Sprintf("%s.reinterpret_%s", t, from)
		} else {
			op = fmt.Sprintf("%s.convert_%s_%s", t, from, []string{"s", "u"}[g.n(2)])
		}
	}
	g.w("(%s ", op)
	g.expr(from)
	g.w(")")
}

func (g *diffGenerator) leaf(t string) {
	switch g.n(4) {
	case 0:
		if l := g.localOf(t); l >= 0 {
			g.w("(local.get %d)", l)
			return
		}
		g.konst(t)
	case 1:
		g.w("(global.get $g_%s)", t)
	default:
		g.konst(t)
	}
}
