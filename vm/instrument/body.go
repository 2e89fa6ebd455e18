package instrument

import (
	"fmt"

	"github.com/noded/noded/vm/wasm"
)

// globals are the indices of the globals Instrument adds.
type globals struct{ used, limit, depth uint32 }

// extraStack bounds how far the code the rewriter inserts raises the
// operand stack above the original code's height (the dynamic gas charge
// needs 3 slots, NaN canonicalisation 3).
const extraStack = 4

// Opcode classes the rewriter cares about.
const (
	classBoundary    = 1 << iota // a new gas segment starts after it
	classUnreachable             // the code after it is dead until the next end or else
	classCanonF32                // produces an f32 whose NaN payload is not specified
	classCanonF64                // produces an f64 whose NaN payload is not specified
	classDynamic                 // charges per unit of its last operand
)

var opClass = func() (c [wasm.NumOpcodes]uint8) {
	for _, op := range []wasm.Opcode{wasm.OpLoop, wasm.OpIf, wasm.OpElse, wasm.OpEnd, wasm.OpBr, wasm.OpBrIf,
		wasm.OpBrTable, wasm.OpReturn, wasm.OpCall, wasm.OpCallIndirect, wasm.OpUnreachable} {
		c[op] |= classBoundary
	}
	for _, op := range []wasm.Opcode{wasm.OpBr, wasm.OpBrTable, wasm.OpReturn, wasm.OpUnreachable} {
		c[op] |= classUnreachable
	}
	for _, op := range []wasm.Opcode{wasm.OpF32Ceil, wasm.OpF32Floor, wasm.OpF32Trunc, wasm.OpF32Nearest,
		wasm.OpF32Sqrt, wasm.OpF32Add, wasm.OpF32Sub, wasm.OpF32Mul, wasm.OpF32Div, wasm.OpF32Min,
		wasm.OpF32Max, wasm.OpF32DemoteF64} {
		c[op] |= classCanonF32
	}
	for _, op := range []wasm.Opcode{wasm.OpF64Ceil, wasm.OpF64Floor, wasm.OpF64Trunc, wasm.OpF64Nearest,
		wasm.OpF64Sqrt, wasm.OpF64Add, wasm.OpF64Sub, wasm.OpF64Mul, wasm.OpF64Div, wasm.OpF64Min,
		wasm.OpF64Max, wasm.OpF64PromoteF32} {
		c[op] |= classCanonF64
	}
	for _, op := range []wasm.Opcode{wasm.OpMemoryGrow, wasm.OpMemoryCopy, wasm.OpMemoryFill, wasm.OpMemoryInit} {
		c[op] |= classDynamic
	}
	return c
}()

// Canonical NaNs: the quiet NaN with an empty payload and positive sign,
// the one arm64 produces and x86-64 does not.
const (
	CanonicalNaN32 uint32 = 0x7fc00000
	CanonicalNaN64 uint64 = 0x7ff8000000000000
)

// Instruction bytes the rewriter emits.
const (
	opUnreachable = 0x00
	opIf          = 0x04
	opEnd         = 0x0b
	opBlock       = 0x02
	opBr          = 0x0c
	opSelect      = 0x1b
	opLocalGet    = 0x20
	opLocalSet    = 0x21
	opLocalTee    = 0x22
	opGlobalGet   = 0x23
	opGlobalSet   = 0x24
	opI32Const    = 0x41
	opI64Const    = 0x42
	opF32Const    = 0x43
	opF64Const    = 0x44
	opI32GtU      = 0x4b
	opI64LtU      = 0x54
	opI64GtU      = 0x56
	opF32Eq       = 0x5b
	opF64Eq       = 0x61
	opI32Add      = 0x6a
	opI32Sub      = 0x6b
	opI64Add      = 0x7c
	opI64Mul      = 0x7e
	opI64ShrU     = 0x88
	opI64ExtendU  = 0xad
	blockEmpty    = 0x40
)

type ctl struct {
	height          int // operand stack height below the block's params
	params, results int
}

// rewriter instruments function bodies. Its buffers are reused from one
// function to the next.
type rewriter struct {
	costs     *Costs
	cfg       Config
	g         globals
	types     []wasm.FuncType
	funcTypes []uint32
	nImpFuncs uint32
	cr        wasm.CodeReader
	body, seg []byte
	ctrl      []ctl

	// Per function.
	nLocals           uint32 // params and declared locals
	scratch           []wasm.ValType
	tmpI64, tmpI32    uint32 // scratch locals, allocated on first use
	tmpF32, tmpF64    uint32
	hasI64, hasI32    bool
	hasF32, hasF64    bool
	height, maxHeight int
	segCost           uint64
	segDead           bool
}

func newRewriter(m *wasm.Module, cfg Config, g globals) (*rewriter, error) {
	rw := &rewriter{costs: cfg.Costs, cfg: cfg, g: g, types: m.Types}
	for _, im := range m.Imports {
		if im.Kind == wasm.KindFunc {
			rw.funcTypes = append(rw.funcTypes, im.Func)
		}
	}
	rw.nImpFuncs = uint32(len(rw.funcTypes))
	rw.funcTypes = append(rw.funcTypes, m.Funcs...)
	for fn, t := range rw.funcTypes {
		if int64(t) >= int64(len(m.Types)) {
			return nil, fmt.Errorf("%w: function %d: type %d out of range", wasm.ErrInvalid, fn, t)
		}
	}
	return rw, nil
}

func (rw *rewriter) errf(fn uint32, in wasm.Instr, format string, args ...any) error {
	return fmt.Errorf("%w: function %d: offset %#x in body: %v: "+format,
		append([]any{wasm.ErrInvalid, fn, in.Start, in.Op}, args...)...)
}

// function returns the instrumented form of defined function i.
func (rw *rewriter) function(i uint32, c *wasm.Code) (wasm.Code, error) {
	fn := rw.nImpFuncs + i
	ft := rw.types[rw.funcTypes[fn]]
	nLocals := uint64(len(ft.Params)) + c.NumLocals()
	if nLocals > 1<<30 {
		return wasm.Code{}, fmt.Errorf("%w: function %d: %d locals", wasm.ErrLimit, fn, nLocals)
	}
	rw.nLocals = uint32(nLocals)
	rw.scratch = rw.scratch[:0]
	rw.hasI64, rw.hasI32, rw.hasF32, rw.hasF64 = false, false, false, false
	rw.height, rw.maxHeight = 0, 0
	rw.segCost, rw.segDead = 0, false
	rw.body, rw.seg = rw.body[:0], rw.seg[:0]
	rw.ctrl = append(rw.ctrl[:0], ctl{results: len(ft.Results)})

	rw.cr.Reset(c.Body, 0, fmt.Sprintf("function %d", fn))
	for !rw.cr.Done() {
		in, err := rw.cr.Next()
		if err != nil {
			return wasm.Code{}, err
		}
		if len(rw.ctrl) == 0 {
			return wasm.Code{}, rw.errf(fn, in, "code after the function's end")
		}
		// return becomes a branch to the block wrapped around the body,
		// so that every exit passes the epilogue.
		depth := len(rw.ctrl) - 1
		if err := rw.track(fn, in); err != nil {
			return wasm.Code{}, err
		}
		op := in.Op
		rw.segCost += uint64(rw.costs.Op[op])
		class := opClass[op]
		switch {
		case op == wasm.OpReturn:
			rw.seg = append(rw.seg, opBr)
			rw.seg = wasm.AppendU32(rw.seg, uint32(depth))
		case class&classDynamic != 0:
			price, shift := rw.costs.BulkPerWord, 3
			if op == wasm.OpMemoryGrow {
				price, shift = rw.costs.MemoryGrowPerPage, 0
			}
			rw.seg = rw.appendDynamicCharge(rw.seg, price, shift)
			rw.seg = append(rw.seg, c.Body[in.Start:in.End]...)
		default:
			rw.seg = append(rw.seg, c.Body[in.Start:in.End]...)
			if class&classCanonF32 != 0 {
				rw.seg = rw.appendCanonF32(rw.seg)
			} else if class&classCanonF64 != 0 {
				rw.seg = rw.appendCanonF64(rw.seg)
			}
		}
		if class&classBoundary != 0 {
			rw.flush()
			switch {
			case class&classUnreachable != 0:
				rw.segDead = true
			case op == wasm.OpEnd || op == wasm.OpElse:
				rw.segDead = false
			}
		}
	}
	if len(rw.ctrl) != 0 {
		return wasm.Code{}, fmt.Errorf("%w: function %d: body does not end", wasm.ErrInvalid, fn)
	}
	rw.flush()
	return rw.finish(fn, ft, c), nil
}

// track follows the operand stack height, to bound the frame size.
func (rw *rewriter) track(fn uint32, in wasm.Instr) error {
	top := &rw.ctrl[len(rw.ctrl)-1]
	switch in.Op {
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
		if in.Op == wasm.OpIf {
			rw.pop(1)
		}
		p, r, ok := in.Block.Arity(rw.types)
		if !ok {
			return rw.errf(fn, in, "block type %d out of range", in.Block)
		}
		rw.pop(p)
		rw.ctrl = append(rw.ctrl, ctl{height: rw.height, params: p, results: r})
		rw.push(p)
	case wasm.OpElse:
		rw.height = top.height + top.params
	case wasm.OpEnd:
		rw.height = top.height
		rw.ctrl = rw.ctrl[:len(rw.ctrl)-1]
		rw.push(top.results)
	case wasm.OpBr, wasm.OpReturn, wasm.OpUnreachable:
		rw.height = top.height
	case wasm.OpBrTable:
		rw.height = top.height
	case wasm.OpBrIf:
		rw.pop(1)
	case wasm.OpCall:
		if int64(in.Index) >= int64(len(rw.funcTypes)) {
			return rw.errf(fn, in, "function %d out of range", in.Index)
		}
		t := &rw.types[rw.funcTypes[in.Index]]
		rw.pop(len(t.Params))
		rw.push(len(t.Results))
	case wasm.OpCallIndirect:
		if int64(in.Index) >= int64(len(rw.types)) {
			return rw.errf(fn, in, "type %d out of range", in.Index)
		}
		t := &rw.types[in.Index]
		rw.pop(1 + len(t.Params))
		rw.push(len(t.Results))
	default:
		pop, push, _ := in.Op.StackEffect()
		rw.pop(pop)
		rw.push(push)
	}
	return nil
}

func (rw *rewriter) pop(n int) {
	rw.height -= n
	if top := rw.ctrl[len(rw.ctrl)-1].height; rw.height < top {
		rw.height = top // only in unreachable code, where the stack is polymorphic
	}
}

func (rw *rewriter) push(n int) {
	rw.height += n
	rw.maxHeight = max(rw.maxHeight, rw.height)
}

// flush ends the current segment: its charge, then its instructions.
func (rw *rewriter) flush() {
	if rw.segCost > 0 && !rw.segDead {
		rw.body = rw.appendCharge(rw.body, rw.segCost)
	}
	rw.body = append(rw.body, rw.seg...)
	rw.seg = rw.seg[:0]
	rw.segCost = 0
}

// appendCharge adds cost to used and traps if used > limit:
//
//	global.get used; i64.const cost; i64.add; local.tee t; global.set used
//	local.get t; global.get limit; i64.gt_u; if; unreachable; end
func (rw *rewriter) appendCharge(b []byte, cost uint64) []byte {
	t := rw.local(&rw.tmpI64, &rw.hasI64, wasm.I64)
	b = appendIdx(b, opGlobalGet, rw.g.used)
	b = append(b, opI64Const)
	b = wasm.AppendS64(b, int64(cost))
	b = append(b, opI64Add)
	b = appendIdx(b, opLocalTee, t)
	b = appendIdx(b, opGlobalSet, rw.g.used)
	return rw.appendCheck(b, t)
}

// appendCheck traps if local t (the new value of used) exceeds limit.
func (rw *rewriter) appendCheck(b []byte, t uint32) []byte {
	b = appendIdx(b, opLocalGet, t)
	b = appendIdx(b, opGlobalGet, rw.g.limit)
	return append(b, opI64GtU, opIf, blockEmpty, opUnreachable, opEnd)
}

// appendDynamicCharge charges price per unit of the i32 on top of the
// stack, shifted right by shift (rounding up), leaving the operand in
// place. The sum saturates at 2^64-1, which then exceeds any limit:
//
//	local.tee n; i64.extend_i32_u; [i64.const 2^shift-1; i64.add;
//	i64.const shift; i64.shr_u;] i64.const price; i64.mul;
//	global.get used; i64.add; local.set t
//	i64.const -1; local.get t; local.get t; global.get used; i64.lt_u; select
//	local.tee t; global.set used; <check t>; local.get n
func (rw *rewriter) appendDynamicCharge(b []byte, price uint32, shift int) []byte {
	if price == 0 {
		return b
	}
	n := rw.local(&rw.tmpI32, &rw.hasI32, wasm.I32)
	t := rw.local(&rw.tmpI64, &rw.hasI64, wasm.I64)
	b = appendIdx(b, opLocalTee, n)
	b = append(b, opI64ExtendU)
	if shift > 0 {
		b = append(b, opI64Const)
		b = wasm.AppendS64(b, int64(1)<<shift-1)
		b = append(b, opI64Add, opI64Const)
		b = wasm.AppendS64(b, int64(shift))
		b = append(b, opI64ShrU)
	}
	b = append(b, opI64Const)
	b = wasm.AppendS64(b, int64(price))
	b = append(b, opI64Mul)
	b = appendIdx(b, opGlobalGet, rw.g.used)
	b = append(b, opI64Add)
	b = appendIdx(b, opLocalSet, t)
	b = append(b, opI64Const, 0x7f) // -1
	b = appendIdx(b, opLocalGet, t)
	b = appendIdx(b, opLocalGet, t)
	b = appendIdx(b, opGlobalGet, rw.g.used)
	b = append(b, opI64LtU, opSelect)
	b = appendIdx(b, opLocalTee, t)
	b = appendIdx(b, opGlobalSet, rw.g.used)
	b = rw.appendCheck(b, t)
	return appendIdx(b, opLocalGet, n)
}

// appendCanonF32 replaces a NaN on top of the stack by the canonical NaN:
// local.tee x; f32.const nan; local.get x; local.get x; f32.eq; select.
func (rw *rewriter) appendCanonF32(b []byte) []byte {
	x := rw.local(&rw.tmpF32, &rw.hasF32, wasm.F32)
	b = appendIdx(b, opLocalTee, x)
	b = append(b, opF32Const, 0x00, 0x00, 0xc0, 0x7f)
	b = appendIdx(b, opLocalGet, x)
	b = appendIdx(b, opLocalGet, x)
	return append(b, opF32Eq, opSelect)
}

// appendCanonF64 is appendCanonF32 for f64.
func (rw *rewriter) appendCanonF64(b []byte) []byte {
	x := rw.local(&rw.tmpF64, &rw.hasF64, wasm.F64)
	b = appendIdx(b, opLocalTee, x)
	b = append(b, opF64Const, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f)
	b = appendIdx(b, opLocalGet, x)
	b = appendIdx(b, opLocalGet, x)
	return append(b, opF64Eq, opSelect)
}

// local returns the scratch local *idx, adding it on first use.
func (rw *rewriter) local(idx *uint32, has *bool, t wasm.ValType) uint32 {
	if !*has {
		*idx = rw.nLocals + uint32(len(rw.scratch))
		*has = true
		rw.scratch = append(rw.scratch, t)
	}
	return *idx
}

func appendIdx(b []byte, op byte, idx uint32) []byte {
	return wasm.AppendU32(append(b, op), idx)
}

// finish wraps the rewritten body in the call depth accounting:
//
//	global.get depth; i32.const w; i32.add; local.tee n; global.set depth
//	local.get n; i32.const max; i32.gt_u; if; unreachable; end
//	block (result ...)    ;; every exit of the body lands after this block
//	  body
//	end
//	global.get depth; i32.const w; i32.sub; global.set depth
//	end
func (rw *rewriter) finish(fn uint32, ft wasm.FuncType, c *wasm.Code) wasm.Code {
	n := rw.local(&rw.tmpI32, &rw.hasI32, wasm.I32)
	weight := uint64(rw.nLocals) + uint64(len(rw.scratch)) + uint64(rw.maxHeight) + extraStack + FrameOverhead
	// A frame heavier than the whole budget always traps; clamping keeps
	// the i32 sum from overflowing.
	weight = min(weight, uint64(rw.cfg.MaxStackWeight)+1)

	out := make([]byte, 0, len(rw.body)+48)
	out = appendIdx(out, opGlobalGet, rw.g.depth)
	out = append(out, opI32Const)
	out = wasm.AppendS64(out, int64(weight))
	out = append(out, opI32Add)
	out = appendIdx(out, opLocalTee, n)
	out = appendIdx(out, opGlobalSet, rw.g.depth)
	out = appendIdx(out, opLocalGet, n)
	out = append(out, opI32Const)
	out = wasm.AppendS64(out, int64(rw.cfg.MaxStackWeight))
	out = append(out, opI32GtU, opIf, blockEmpty, opUnreachable, opEnd)
	out = append(out, opBlock)
	out = rw.appendResultBlockType(out, ft.Results)
	out = append(out, rw.body...) // ends with the body's own end
	out = appendIdx(out, opGlobalGet, rw.g.depth)
	out = append(out, opI32Const)
	out = wasm.AppendS64(out, int64(weight))
	out = append(out, opI32Sub)
	out = appendIdx(out, opGlobalSet, rw.g.depth)
	out = append(out, opEnd)

	locals := make([]wasm.LocalDecl, len(c.Locals), len(c.Locals)+len(rw.scratch))
	copy(locals, c.Locals)
	for _, t := range rw.scratch {
		locals = append(locals, wasm.LocalDecl{Count: 1, Type: t})
	}
	return wasm.Code{Locals: locals, Body: out}
}

// appendResultBlockType appends the block type [] -> results, adding a
// function type for it if it has several results.
func (rw *rewriter) appendResultBlockType(b []byte, results []wasm.ValType) []byte {
	switch len(results) {
	case 0:
		return append(b, blockEmpty)
	case 1:
		return append(b, byte(results[0]))
	}
	want := wasm.FuncType{Results: results}
	for i, t := range rw.types {
		if t.Equal(want) {
			return wasm.AppendS64(b, int64(i))
		}
	}
	rw.types = append(rw.types[:len(rw.types):len(rw.types)], want)
	return wasm.AppendS64(b, int64(len(rw.types)-1))
}
