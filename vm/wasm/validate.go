package wasm

import "fmt"

// MemoryExport is the name under which a module must export its memory.
const MemoryExport = "memory"

// Validate checks m against lim (zero fields take their defaults) and the
// structural rules the VM depends on:
//
//   - imports are functions only, each accepted by allowedImports (a nil
//     allowedImports refuses every import);
//   - at most one memory, exported as "memory";
//   - export names unique; every index (type, function, global, local,
//     label, data segment) in range; global.set only on mutable globals;
//     alignment no larger than natural; memory and table instructions only
//     if the module has a memory or table;
//   - the start function, if any, of type [] -> [];
//   - constant expressions of the right type.
//
// Validate does not type-check the operand stack of function bodies: the
// engine's compiler does that (and refuses the module) before anything
// runs. Validate does not modify m. Every error wraps ErrInvalid and either
// ErrLimit or ErrMalformed, and says what exceeded which limit.
func Validate(m *Module, lim Limits, allowedImports func(module, name string, typ FuncType) error) error {
	lim.EnsureDefaults()
	v := validator{m: m, lim: lim}
	if err := v.module(allowedImports); err != nil {
		return err
	}
	for i := range m.Code {
		if err := v.code(uint32(i)); err != nil {
			return err
		}
	}
	return nil
}

type validator struct {
	m         *Module
	lim       Limits
	funcTypes []uint32     // type index of every function, imports first
	globals   []GlobalType // every global, imports first
	nImpFuncs uint32
	hasMemory bool
	hasTable  bool
	cr        CodeReader
}

func limitf(format string, args ...any) error   { return errorf(ErrLimit, format, args...) }
func invalidf(format string, args ...any) error { return errorf(ErrMalformed, format, args...) }

func (v *validator) module(allowed func(module, name string, typ FuncType) error) error {
	m, lim := v.m, v.lim
	if n := len(m.Encode()); n > lim.MaxModuleSize {
		return limitf("module of %d bytes, limit %d", n, lim.MaxModuleSize)
	}
	if len(m.Types) > lim.MaxTypes {
		return limitf("%d types, limit %d", len(m.Types), lim.MaxTypes)
	}
	for i, t := range m.Types {
		if len(t.Params) > lim.MaxParams {
			return limitf("type %d has %d params, limit %d", i, len(t.Params), lim.MaxParams)
		}
		if len(t.Results) > lim.MaxResults {
			return limitf("type %d has %d results, limit %d", i, len(t.Results), lim.MaxResults)
		}
	}
	if len(m.Imports) > lim.MaxImports {
		return limitf("%d imports, limit %d", len(m.Imports), lim.MaxImports)
	}
	for _, im := range m.Imports {
		if im.Kind != KindFunc {
			return invalidf("import %s.%s: only functions may be imported, not a %v", im.Module, im.Name, im.Kind)
		}
		if int64(im.Func) >= int64(len(m.Types)) {
			return invalidf("import %s.%s: type %d out of range", im.Module, im.Name, im.Func)
		}
		if allowed == nil {
			return invalidf("import %s.%s: no imports allowed", im.Module, im.Name)
		}
		if err := allowed(im.Module, im.Name, m.Types[im.Func]); err != nil {
			return invalidf("import %s.%s %v: %w", im.Module, im.Name, m.Types[im.Func], err)
		}
		v.funcTypes = append(v.funcTypes, im.Func)
	}
	v.nImpFuncs = uint32(len(v.funcTypes))
	if n := len(m.Imports) + len(m.Funcs); n > lim.MaxFunctions {
		return limitf("%d functions, limit %d", n, lim.MaxFunctions)
	}
	for i, t := range m.Funcs {
		if int64(t) >= int64(len(m.Types)) {
			return invalidf("function %d: type %d out of range", int(v.nImpFuncs)+i, t)
		}
		v.funcTypes = append(v.funcTypes, t)
	}
	if len(m.Tables) > lim.MaxTables {
		return limitf("%d tables, limit %d", len(m.Tables), lim.MaxTables)
	}
	for i, t := range m.Tables {
		if err := checkResizable(fmt.Sprintf("table %d", i), t.Limits, lim.MaxTableSize, "elements"); err != nil {
			return err
		}
		v.hasTable = true
	}
	for i, mem := range m.Memories {
		if err := checkResizable(fmt.Sprintf("memory %d", i), mem.Limits, lim.MaxMemoryPages, "pages"); err != nil {
			return err
		}
		v.hasMemory = true
	}
	if len(m.Globals) > lim.MaxGlobals {
		return limitf("%d globals, limit %d", len(m.Globals), lim.MaxGlobals)
	}
	for i, g := range m.Globals {
		if err := v.constExpr(fmt.Sprintf("global %d", i), g.Init, g.Type.Type); err != nil {
			return err
		}
		v.globals = append(v.globals, g.Type)
	}
	if err := v.exports(); err != nil {
		return err
	}
	if m.HasStart {
		if int64(m.Start) >= int64(len(v.funcTypes)) {
			return invalidf("start function %d out of range", m.Start)
		}
		if t := m.Types[v.funcTypes[m.Start]]; len(t.Params) != 0 || len(t.Results) != 0 {
			return invalidf("start function %d has type %v, want [] -> []", m.Start, t)
		}
	}
	if len(m.Elements) > lim.MaxElementSegments {
		return limitf("%d element segments, limit %d", len(m.Elements), lim.MaxElementSegments)
	}
	for i, e := range m.Elements {
		if !v.hasTable {
			return invalidf("element segment %d: no table", i)
		}
		if err := v.constExpr(fmt.Sprintf("element segment %d", i), e.Offset, I32); err != nil {
			return err
		}
		if uint64(len(e.Funcs)) > uint64(lim.MaxTableSize) {
			return limitf("element segment %d has %d entries, limit %d", i, len(e.Funcs), lim.MaxTableSize)
		}
		for _, f := range e.Funcs {
			if int64(f) >= int64(len(v.funcTypes)) {
				return invalidf("element segment %d: function %d out of range", i, f)
			}
		}
	}
	if len(m.Data) > lim.MaxDataSegments {
		return limitf("%d data segments, limit %d", len(m.Data), lim.MaxDataSegments)
	}
	total := 0
	for i, d := range m.Data {
		total += len(d.Init)
		if d.Passive {
			continue
		}
		if !v.hasMemory {
			return invalidf("data segment %d: no memory", i)
		}
		if err := v.constExpr(fmt.Sprintf("data segment %d", i), d.Offset, I32); err != nil {
			return err
		}
	}
	if total > lim.MaxDataBytes {
		return limitf("%d bytes of data segments, limit %d", total, lim.MaxDataBytes)
	}
	return nil
}

func checkResizable(what string, l ResizableLimits, max uint32, unit string) error {
	if l.Min > max {
		return limitf("%s: initial size %d %s, limit %d", what, l.Min, unit, max)
	}
	if l.HasMax {
		if l.Max < l.Min {
			return invalidf("%s: maximum %d below initial size %d", what, l.Max, l.Min)
		}
		if l.Max > max {
			return limitf("%s: maximum %d %s, limit %d", what, l.Max, unit, max)
		}
	}
	return nil
}

func (v *validator) exports() error {
	m := v.m
	if len(m.Exports) > v.lim.MaxExports {
		return limitf("%d exports, limit %d", len(m.Exports), v.lim.MaxExports)
	}
	seen := make(map[string]bool, len(m.Exports))
	memExported := false
	for _, e := range m.Exports {
		if seen[e.Name] {
			return invalidf("export name %q used twice", e.Name)
		}
		seen[e.Name] = true
		var n int
		switch e.Kind {
		case KindFunc:
			n = len(v.funcTypes)
		case KindTable:
			n = len(m.Tables)
		case KindMemory:
			n = len(m.Memories)
			memExported = memExported || e.Name == MemoryExport
		case KindGlobal:
			n = len(v.globals)
		}
		if int64(e.Index) >= int64(n) {
			return invalidf("export %q: %v %d out of range", e.Name, e.Kind, e.Index)
		}
		if e.Name == MemoryExport && e.Kind != KindMemory {
			return invalidf("export %q is a %v, not the memory", e.Name, e.Kind)
		}
	}
	if v.hasMemory && !memExported {
		return invalidf("the memory is not exported as %q", MemoryExport)
	}
	return nil
}

func (v *validator) constExpr(what string, e ConstExpr, want ValType) error {
	var got ValType
	switch e.Op {
	case OpI32Const:
		got = I32
	case OpI64Const:
		got = I64
	case OpF32Const:
		got = F32
	case OpF64Const:
		got = F64
	case OpGlobalGet:
		// Only imported globals may be read, and only functions are
		// imported.
		return invalidf("%s: initializer reads global %d, which is not an imported global", what, e.Value)
	default:
		return invalidf("%s: invalid initializer %v", what, e.Op)
	}
	if got != want {
		return invalidf("%s: initializer of type %v, want %v", what, got, want)
	}
	return nil
}

// naturalAlign is log2 of the access size of each load and store,
// indexed by opcode - OpI32Load.
var naturalAlign = [...]uint32{
	2, 3, 2, 3, // i32, i64, f32, f64 load
	0, 0, 1, 1, // i32 load8, load16
	0, 0, 1, 1, 2, 2, // i64 load8, load16, load32
	2, 3, 2, 3, // i32, i64, f32, f64 store
	0, 1, 0, 1, 2, // i32 store8, store16; i64 store8, store16, store32
}

// code checks the body of defined function i.
func (v *validator) code(i uint32) error {
	m, lim := v.m, v.lim
	fn := v.nImpFuncs + i
	c := &m.Code[i]
	if n := c.NumLocals(); n > uint64(lim.MaxLocals) {
		return limitf("function %d declares %d locals, limit %d", fn, n, lim.MaxLocals)
	}
	if len(c.Body) > lim.MaxBodySize {
		return limitf("function %d has a body of %d bytes, limit %d", fn, len(c.Body), lim.MaxBodySize)
	}
	numLocals := uint64(len(m.Types[m.Funcs[i]].Params)) + c.NumLocals()
	ctx := fmt.Sprintf("function %d", fn)
	v.cr.Reset(c.Body, 0, ctx)
	depth := 0 // open blocks, excluding the function's own
	for !v.cr.Done() {
		in, err := v.cr.Next()
		if err != nil {
			return err
		}
		bad := func(format string, args ...any) error {
			return invalidf("%s: offset %#x in body: %v: "+format, append([]any{ctx, in.Start, in.Op}, args...)...)
		}
		switch in.Op {
		case OpBlock, OpLoop, OpIf:
			if depth++; depth > lim.MaxNesting {
				return limitf("function %d nests blocks %d deep, limit %d", fn, depth, lim.MaxNesting)
			}
			if in.Block.IsIndex() && int64(in.Block) >= int64(len(m.Types)) {
				return bad("block type %d out of range", in.Block)
			}
		case OpEnd:
			depth--
		case OpBr, OpBrIf:
			if int64(in.Index) > int64(depth) {
				return bad("label %d out of range", in.Index)
			}
		case OpBrTable:
			for _, l := range in.Labels {
				if int64(l) > int64(depth) {
					return bad("label %d out of range", l)
				}
			}
			if int64(in.Index) > int64(depth) {
				return bad("label %d out of range", in.Index)
			}
		case OpCall:
			if int64(in.Index) >= int64(len(v.funcTypes)) {
				return bad("function %d out of range", in.Index)
			}
		case OpCallIndirect:
			if !v.hasTable {
				return bad("no table")
			}
			if int64(in.Index) >= int64(len(m.Types)) {
				return bad("type %d out of range", in.Index)
			}
		case OpLocalGet, OpLocalSet, OpLocalTee:
			if uint64(in.Index) >= numLocals {
				return bad("local %d out of range", in.Index)
			}
		case OpGlobalGet, OpGlobalSet:
			if int64(in.Index) >= int64(len(v.globals)) {
				return bad("global %d out of range", in.Index)
			}
			if in.Op == OpGlobalSet && !v.globals[in.Index].Mutable {
				return bad("global %d is immutable", in.Index)
			}
		case OpMemorySize, OpMemoryGrow, OpMemoryCopy, OpMemoryFill:
			if !v.hasMemory {
				return bad("no memory")
			}
		case OpMemoryInit, OpDataDrop:
			if in.Op == OpMemoryInit && !v.hasMemory {
				return bad("no memory")
			}
			if !m.HasDataCount {
				return bad("needs a data count section")
			}
			if int64(in.Index) >= int64(len(m.Data)) {
				return bad("data segment %d out of range", in.Index)
			}
		default:
			if opTable[in.Op].imm == immMemarg {
				a := naturalAlign[in.Op-OpI32Load]
				if !v.hasMemory {
					return bad("no memory")
				}
				if in.Align > a {
					return bad("alignment 2^%d larger than natural 2^%d", in.Align, a)
				}
			}
		}
	}
	return nil
}
