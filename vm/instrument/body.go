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
	classTrap                    // may trap: used must be exact when it runs
	classNaNBlind                // its result does not depend on the bits of a NaN operand
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
	// Every instruction may trap but those that cannot: control but calls
	// and unreachable, variables, constants, numeric instructions but
	// integer division and remainder and the trapping float-to-integer
	// conversions, memory.size, memory.grow (it fails with -1) and
	// data.drop. A call traps in its callee (or on the callee's stack
	// weight), which reads used.
	for op := range c {
		c[op] |= classTrap
	}
	for _, op := range []wasm.Opcode{wasm.OpNop, wasm.OpBlock, wasm.OpLoop, wasm.OpIf, wasm.OpElse,
		wasm.OpEnd, wasm.OpBr, wasm.OpBrIf, wasm.OpBrTable, wasm.OpReturn, wasm.OpDrop, wasm.OpSelect,
		wasm.OpLocalGet, wasm.OpLocalSet, wasm.OpLocalTee, wasm.OpGlobalGet, wasm.OpGlobalSet,
		wasm.OpMemorySize, wasm.OpMemoryGrow, wasm.OpDataDrop} {
		c[op] &^= classTrap
	}
	for op := wasm.OpI32Const; op <= wasm.OpI64Extend32S; op++ {
		switch {
		case op >= wasm.OpI32DivS && op <= wasm.OpI32RemU, op >= wasm.OpI64DivS && op <= wasm.OpI64RemU,
			op >= wasm.OpI32TruncF32S && op <= wasm.OpI32TruncF64U, op >= wasm.OpI64TruncF32S && op <= wasm.OpI64TruncF64U:
		default:
			c[op] &^= classTrap
		}
	}
	for op := wasm.OpI32TruncSatF32S; op <= wasm.OpI64TruncSatF64U; op++ {
		c[op] &^= classTrap
	}
	// A NaN operand of these gives a NaN (made canonical after), a
	// comparison that is false (ne: true), a trap or 0, whatever its bits.
	for op := range c {
		if c[op]&(classCanonF32|classCanonF64) != 0 {
			c[op] |= classNaNBlind
		}
	}
	for op := wasm.OpF32Eq; op <= wasm.OpF64Ge; op++ {
		c[op] |= classNaNBlind
	}
	for _, r := range [][2]wasm.Opcode{{wasm.OpI32TruncF32S, wasm.OpI32TruncF64U},
		{wasm.OpI64TruncF32S, wasm.OpI64TruncF64U}, {wasm.OpI32TruncSatF32S, wasm.OpI64TruncSatF64U}} {
		for op := r[0]; op <= r[1]; op++ {
			c[op] |= classNaNBlind
		}
	}
	c[wasm.OpDrop] |= classNaNBlind
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
	opI64GtU      = 0x56
	opF32Eq       = 0x5b
	opF64Eq       = 0x61
	opI32Add      = 0x6a
	opI32Sub      = 0x6b
	opI64Add      = 0x7c
	opI64Mul      = 0x7e
	opI64Xor      = 0x85
	opI64ShrU     = 0x88
	opI64ExtendU  = 0xad
	blockEmpty    = 0x40
)

// nan is a float on the operand stack, made by an instruction that can
// give a NaN with unspecified bits, not yet made canonical.
type nan struct {
	slot int  // its position on the operand stack
	pos  int  // where in the segment the canonicalisation goes: after the instruction
	f64  bool // its type: f64, else f32
}

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
	// entry[f] says that function f reaches a gas check before it can
	// call anything (see checksOnEntry), exit[f] that it checks at its
	// exit (the host calls it).
	entry, exit []bool

	// Per function.
	nLocals           uint32 // params and declared locals
	scratch           []wasm.ValType
	gas, tmpI32       uint32 // scratch locals, allocated on first use
	tmpF32, tmpF64    uint32
	hasGas, hasI32    bool
	hasF32, hasF64    bool
	height, maxHeight int
	nans              []nan // floats to canonicalise if they are used
	charged           bool  // some live code costs gas
	dynamic           bool  // a dynamic charge uses tmpI32

	// The segment being read: its cost; whether it is dead code; whether
	// its charge must store the counter into used (it may trap, or it
	// calls); whether it must compare the counter with limit (it starts
	// a loop body, or it calls a function that does not check on entry).
	segCost                  uint64
	segDead, segSync, segChk bool
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
	rw.entry = make([]bool, len(rw.funcTypes))
	rw.exit = make([]bool, len(rw.funcTypes))
	for i := range m.Code {
		rw.entry[rw.nImpFuncs+uint32(i)] = checksOnEntry(&rw.cr, m.Code[i].Body)
	}
	for _, e := range m.Exports {
		if e.Kind == wasm.KindFunc && int64(e.Index) < int64(len(rw.exit)) {
			rw.exit[e.Index] = true
		}
	}
	if m.HasStart && int64(m.Start) < int64(len(rw.exit)) {
		rw.exit[m.Start] = true
	}
	return rw, nil
}

// checksOnEntry reports whether a body starts with straight-line code
// (no branch, no call) into a loop: the charge at the loop's head checks
// the counter before the function can call anything, so its callers
// need not check before calling it. Functions built by Go all do.
func checksOnEntry(cr *wasm.CodeReader, body []byte) bool {
	cr.Reset(body, 0, "")
	for !cr.Done() {
		in, err := cr.Next()
		if err != nil {
			return false
		}
		switch op := in.Op; {
		case op == wasm.OpLoop:
			return true
		case op == wasm.OpBlock:
		case opClass[op]&classBoundary != 0:
			return false
		}
	}
	return false
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
	rw.hasGas, rw.hasI32, rw.hasF32, rw.hasF64 = false, false, false, false
	rw.charged, rw.dynamic = false, false
	rw.height, rw.maxHeight = 0, 0
	rw.segCost, rw.segDead, rw.segSync, rw.segChk = 0, false, false, false
	rw.body, rw.seg = rw.body[:0], rw.seg[:0]
	rw.nans = rw.nans[:0]
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
		op := in.Op
		class := opClass[op]
		if len(rw.nans) > 0 {
			rw.useNaNs(op, class)
		}
		if err := rw.track(fn, in); err != nil {
			return wasm.Code{}, err
		}
		rw.segCost += uint64(rw.costs.Op[op])
		if class&classTrap != 0 {
			rw.segSync = true
		}
		switch {
		case op == wasm.OpReturn:
			rw.seg = append(rw.seg, opBr)
			rw.seg = wasm.AppendU32(rw.seg, uint32(depth))
		case op == wasm.OpCall || op == wasm.OpCallIndirect:
			// The callee (a host function too) reads and charges used:
			// the segment stores the counter and checks it first, but
			// for a callee that checks it on entry, and the counter is
			// read back after the call.
			if op == wasm.OpCallIndirect || !rw.entry[in.Index] {
				rw.segChk = true
			}
			rw.seg = append(rw.seg, c.Body[in.Start:in.End]...)
			if !rw.segDead {
				rw.seg = appendIdx(rw.seg, opGlobalGet, rw.g.used)
				rw.seg = appendIdx(rw.seg, opLocalSet, rw.gasLocal())
			}
		case class&classDynamic != 0:
			price, shift := rw.costs.BulkPerWord, 3
			if op == wasm.OpMemoryGrow {
				price, shift = rw.costs.MemoryGrowPerPage, 0
			}
			rw.seg = rw.appendDynamicCharge(rw.seg, price, shift)
			rw.seg = append(rw.seg, c.Body[in.Start:in.End]...)
		default:
			rw.seg = append(rw.seg, c.Body[in.Start:in.End]...)
			if class&(classCanonF32|classCanonF64) != 0 {
				rw.newNaN(class&classCanonF64 != 0)
			}
		}
		if class&classBoundary != 0 {
			rw.flush()
			switch {
			case class&classUnreachable != 0:
				rw.segDead = true
			case op == wasm.OpEnd || op == wasm.OpElse:
				rw.segDead = false
			case op == wasm.OpLoop:
				// Every iteration passes the loop body's first charge.
				rw.segChk = true
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

// gasLocal returns the local that holds the gas counter, adding it on
// first use.
func (rw *rewriter) gasLocal() uint32 { return rw.local(&rw.gas, &rw.hasGas, wasm.I64) }

// newNaN records that the instruction just appended left a float whose
// NaN bits are not specified on top of the stack. Its scratch local is
// added now, used or not, so that the frame's weight does not depend on
// how the float is used.
func (rw *rewriter) newNaN(f64 bool) {
	if f64 {
		rw.local(&rw.tmpF64, &rw.hasF64, wasm.F64)
	} else {
		rw.local(&rw.tmpF32, &rw.hasF32, wasm.F32)
	}
	rw.nans = append(rw.nans, nan{slot: rw.height - 1, pos: len(rw.seg), f64: f64})
}

// useNaNs is called before op runs: the floats of rw.nans that op pops
// are dropped from it if op is blind to NaN bits, else canonicalised
// where they were made. A control instruction canonicalises them all:
// its operands leave the segment.
func (rw *rewriter) useNaNs(op wasm.Opcode, class uint8) {
	pop, _, ok := op.StackEffect()
	if !ok || op == wasm.OpBrIf {
		rw.canonNaNs(0)
		return
	}
	low := rw.height - pop
	if class&classNaNBlind == 0 {
		rw.canonNaNs(low)
		return
	}
	k := len(rw.nans)
	for k > 0 && rw.nans[k-1].slot >= low {
		k--
	}
	rw.nans = rw.nans[:k]
}

// canonNaNs canonicalises the floats of rw.nans at slot low and above.
// They are the last ones in rw.nans, and the last ones in the segment.
func (rw *rewriter) canonNaNs(low int) {
	for k := len(rw.nans) - 1; k >= 0 && rw.nans[k].slot >= low; k-- {
		n := rw.nans[k]
		var code []byte
		if n.f64 {
			code = rw.appendCanonF64(nil)
		} else {
			code = rw.appendCanonF32(nil)
		}
		rw.seg = append(rw.seg[:n.pos], append(code, rw.seg[n.pos:]...)...)
		rw.nans = rw.nans[:k]
	}
}

// flush ends the current segment: its charge, then its instructions.
func (rw *rewriter) flush() {
	rw.canonNaNs(0)
	if !rw.segDead {
		rw.body = rw.appendCharge(rw.body, rw.segCost, rw.segSync, rw.segChk)
	}
	rw.body = append(rw.body, rw.seg...)
	rw.seg = rw.seg[:0]
	rw.segCost, rw.segSync, rw.segChk = 0, false, false
}

// appendCharge adds cost to the gas counter g, stores g into used if
// sync, and traps if g > limit if check:
//
//	local.get g; i64.const cost; i64.add; local.set g   ;; sync: local.tee g; global.set used
//	local.get g; global.get limit; i64.gt_u
//	if; [local.get g; global.set used;] unreachable; end ;; the store if not sync
func (rw *rewriter) appendCharge(b []byte, cost uint64, sync, check bool) []byte {
	if cost == 0 && !sync && !check {
		return b
	}
	g := rw.gasLocal()
	switch {
	case cost > 0:
		rw.charged = true
		b = appendIdx(b, opLocalGet, g)
		b = append(b, opI64Const)
		b = wasm.AppendS64(b, int64(cost))
		b = append(b, opI64Add)
		if sync {
			b = appendIdx(b, opLocalTee, g)
			b = appendIdx(b, opGlobalSet, rw.g.used)
		} else {
			b = appendIdx(b, opLocalSet, g)
		}
	case sync:
		b = appendIdx(b, opLocalGet, g)
		b = appendIdx(b, opGlobalSet, rw.g.used)
	}
	if check {
		b = rw.appendCheck(b, !sync)
	}
	return b
}

// appendCheck traps if the gas counter exceeds limit, storing it into
// used first if store (the host tells out of gas by used > limit):
//
//	local.get g; global.get limit; i64.gt_u; if; [local.get g; global.set used;] unreachable; end
func (rw *rewriter) appendCheck(b []byte, store bool) []byte {
	g := rw.gasLocal()
	b = appendIdx(b, opLocalGet, g)
	b = appendIdx(b, opGlobalGet, rw.g.limit)
	b = append(b, opI64GtU, opIf, blockEmpty)
	if store {
		b = appendIdx(b, opLocalGet, g)
		b = appendIdx(b, opGlobalSet, rw.g.used)
	}
	return append(b, opUnreachable, opEnd)
}

// appendDynamicCharge charges price per unit of the i32 on top of the
// stack, shifted right by shift (rounding up), leaving the operand in
// place, and stores and checks the counter at once. A sum past 2^64-1
// stores 2^64-1, which exceeds any limit, and traps:
//
//	local.tee n; <charge>; local.get g; i64.const -1; i64.xor; i64.gt_u
//	if; i64.const -1; global.set used; unreachable; end
//	local.get n; <charge>; local.get g; i64.add; local.tee g; global.set used
//	<check>; local.get n
//
// where <charge> is i64.extend_i32_u; [i64.const 2^shift-1; i64.add;
// i64.const shift; i64.shr_u;] i64.const price; i64.mul (below 2^64).
func (rw *rewriter) appendDynamicCharge(b []byte, price uint32, shift int) []byte {
	if price == 0 {
		return b
	}
	rw.charged, rw.dynamic = true, true
	n := rw.local(&rw.tmpI32, &rw.hasI32, wasm.I32)
	g := rw.gasLocal()
	charge := func(b []byte) []byte {
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
		return append(b, opI64Mul)
	}
	b = appendIdx(b, opLocalTee, n)
	b = charge(b)
	b = appendIdx(b, opLocalGet, g)
	b = append(b, opI64Const, 0x7f, opI64Xor, opI64GtU, opIf, blockEmpty, opI64Const, 0x7f) // -1
	b = appendIdx(b, opGlobalSet, rw.g.used)
	b = append(b, opUnreachable, opEnd)
	b = appendIdx(b, opLocalGet, n)
	b = charge(b)
	b = appendIdx(b, opLocalGet, g)
	b = append(b, opI64Add)
	b = appendIdx(b, opLocalTee, g)
	b = appendIdx(b, opGlobalSet, rw.g.used)
	b = rw.appendCheck(b, false)
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

// finish wraps the rewritten body in the call depth accounting and the
// gas counter's load and final store:
//
//	global.get depth; local.tee n; i32.const w; i32.add; global.set depth
//	local.get n; i32.const max-w; i32.gt_u; if; unreachable; end
//	global.get used; local.set g
//	block (result ...)    ;; every exit of the body lands after this block
//	  body
//	end
//	local.get g; global.set used; [<check>]  ;; the check in exported functions
//	local.get n; global.set depth  ;; global.get depth; i32.const w; i32.sub if n was reused
//	end
//
// A frame heavier than the whole budget gets unreachable instead of the
// comparison. The check at the exit keeps a call that the host made from
// returning with used > limit; a call made by wasm code returns to code
// that checks before it can call out or loop.
func (rw *rewriter) finish(fn uint32, ft wasm.FuncType, c *wasm.Code) wasm.Code {
	n := rw.local(&rw.tmpI32, &rw.hasI32, wasm.I32)
	// The counter is one slot in a function that charges gas; a function
	// whose code is all free has one only for checks it does not need.
	slots := uint64(len(rw.scratch))
	if rw.hasGas && !rw.charged {
		slots--
	}
	weight := uint64(rw.nLocals) + slots + uint64(rw.maxHeight) + extraStack + FrameOverhead
	// A frame heavier than the whole budget always traps; clamping keeps
	// the i32 sum from overflowing.
	weight = min(weight, uint64(rw.cfg.MaxStackWeight)+1)

	out := make([]byte, 0, len(rw.body)+64)
	out = appendIdx(out, opGlobalGet, rw.g.depth)
	out = appendIdx(out, opLocalTee, n)
	out = append(out, opI32Const)
	out = wasm.AppendS64(out, int64(weight))
	out = append(out, opI32Add)
	out = appendIdx(out, opGlobalSet, rw.g.depth)
	if weight > uint64(rw.cfg.MaxStackWeight) {
		out = append(out, opUnreachable)
	} else {
		// depth at entry + weight > max, without overflow.
		out = appendIdx(out, opLocalGet, n)
		out = append(out, opI32Const)
		out = wasm.AppendS64(out, int64(uint64(rw.cfg.MaxStackWeight)-weight))
		out = append(out, opI32GtU, opIf, blockEmpty, opUnreachable, opEnd)
	}
	if rw.hasGas {
		out = appendIdx(out, opGlobalGet, rw.g.used)
		out = appendIdx(out, opLocalSet, rw.gas)
	}
	out = append(out, opBlock)
	out = rw.appendResultBlockType(out, ft.Results)
	out = append(out, rw.body...) // ends with the body's own end
	if rw.hasGas {
		out = appendIdx(out, opLocalGet, rw.gas)
		out = appendIdx(out, opGlobalSet, rw.g.used)
		if rw.exit[fn] {
			out = rw.appendCheck(out, false)
		}
	}
	if rw.dynamic {
		// n was reused by the dynamic charges.
		out = appendIdx(out, opGlobalGet, rw.g.depth)
		out = append(out, opI32Const)
		out = wasm.AppendS64(out, int64(weight))
		out = append(out, opI32Sub)
	} else {
		out = appendIdx(out, opLocalGet, n)
	}
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
