package wasm

import (
	"fmt"
	"math"
)

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	secTag       = 13
)

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "data count", "tag"}

// sectionRank is the order in which non-custom sections must appear.
var sectionRank = [...]int{secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5,
	secGlobal: 6, secExport: 7, secStart: 8, secElement: 9, secDataCount: 10, secCode: 11, secData: 12}

var magic = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// Parse decodes a binary module. It decodes every section and every
// instruction, so a module it accepts uses only the features this package
// supports; structural rules that need the whole module (indices in
// range, limits) are Validate's. The module keeps references into b for
// function bodies, data and custom sections: b must not be modified while
// the module is in use.
func Parse(b []byte) (*Module, error) {
	if len(b) < 8 || string(b[:4]) != string(magic[:4]) {
		return nil, errorf(ErrMalformed, "not a wasm binary (no \\0asm magic)")
	}
	if string(b[4:8]) != string(magic[4:8]) {
		return nil, errorf(ErrMalformed, "unsupported binary version % x", b[4:8])
	}
	p := parser{m: &Module{}}
	r := reader{b: b, pos: 8}
	last := 0
	for !r.done() {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		start := r.pos
		payload, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		if id == secTag {
			return nil, errorf(ErrUnsupported, "offset %#x: tag section: exception handling not supported", start)
		}
		if int(id) >= len(sectionRank) {
			return nil, errorf(ErrMalformed, "offset %#x: unknown section id %d", start, id)
		}
		name := sectionNames[id] + " section"
		if id != secCustom {
			if sectionRank[id] <= last {
				return nil, errorf(ErrMalformed, "offset %#x: %s out of order or repeated", start, name)
			}
			last = sectionRank[id]
		}
		sr := reader{b: payload, base: start, ctx: name}
		if err := p.section(id, &sr); err != nil {
			return nil, err
		}
		if !sr.done() {
			return nil, sr.errf("%d bytes left over at the end of the section", len(payload)-sr.pos)
		}
	}
	return p.finish()
}

type parser struct {
	m                *Module
	sawFuncs         bool
	sawCode          bool
	dataCount        uint32
	numTables        int
	numMemory        int
	numImportedFuncs uint32
}

func (p *parser) section(id byte, r *reader) error {
	m := p.m
	switch id {
	case secCustom:
		name, err := r.name()
		if err != nil {
			return err
		}
		data, _ := r.bytes(uint32(len(r.b) - r.pos))
		m.Customs = append(m.Customs, Custom{Name: name, Data: data})
		return nil
	case secType:
		return vec(r, "types", 3, &m.Types, p.funcType)
	case secImport:
		return vec(r, "imports", 4, &m.Imports, p.importEntry)
	case secFunction:
		p.sawFuncs = true
		return vec(r, "functions", 1, &m.Funcs, func(r *reader, _ uint32) (uint32, error) { return r.u32() })
	case secTable:
		return vec(r, "tables", 2, &m.Tables, func(r *reader, _ uint32) (Table, error) { return p.table(r) })
	case secMemory:
		return vec(r, "memories", 2, &m.Memories, func(r *reader, _ uint32) (Memory, error) { return p.memory(r) })
	case secGlobal:
		return vec(r, "globals", 3, &m.Globals, func(r *reader, _ uint32) (Global, error) {
			t, err := globalType(r)
			if err != nil {
				return Global{}, err
			}
			init, err := constExpr(r)
			return Global{Type: t, Init: init}, err
		})
	case secExport:
		return vec(r, "exports", 3, &m.Exports, func(r *reader, _ uint32) (Export, error) {
			name, err := r.name()
			if err != nil {
				return Export{}, err
			}
			at := r.pos
			k, err := r.byte()
			if err != nil {
				return Export{}, err
			}
			if k == 4 {
				return Export{}, r.errAt(ErrUnsupported, at, "exception handling (tag export) not supported")
			}
			if k > 3 {
				return Export{}, r.errAt(ErrMalformed, at, "invalid export kind %d", k)
			}
			idx, err := r.u32()
			return Export{Name: name, Kind: ExternKind(k), Index: idx}, err
		})
	case secStart:
		s, err := r.u32()
		m.HasStart, m.Start = true, s
		return err
	case secElement:
		return vec(r, "element segments", 4, &m.Elements, p.element)
	case secDataCount:
		n, err := r.u32()
		m.HasDataCount, p.dataCount = true, n
		return err
	case secCode:
		p.sawCode = true
		return vec(r, "function bodies", 2, &m.Code, p.code)
	case secData:
		return vec(r, "data segments", 2, &m.Data, p.data)
	}
	panic("unreachable")
}

// vec reads a vector of n entries of at least minSize bytes each.
func vec[T any](r *reader, what string, minSize int, dst *[]T, entry func(*reader, uint32) (T, error)) error {
	n, err := r.count(what, minSize)
	if err != nil {
		return err
	}
	if n == 0 {
		*dst = nil // as if absent, so that parse(encode(m)) equals m
		return nil
	}
	out := make([]T, 0, n)
	for i := uint32(0); i < n; i++ {
		v, err := entry(r, i)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	*dst = out
	return nil
}

func (p *parser) finish() (*Module, error) {
	m := p.m
	if len(m.Funcs) != len(m.Code) {
		return nil, errorf(ErrMalformed, "%d functions declared but %d bodies", len(m.Funcs), len(m.Code))
	}
	if m.HasDataCount && int(p.dataCount) != len(m.Data) {
		return nil, errorf(ErrMalformed, "data count section says %d segments, data section has %d", p.dataCount, len(m.Data))
	}
	return m, nil
}

func valType(r *reader) (ValType, error) {
	at := r.pos
	b, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch ValType(b) {
	case I32, I64, F32, F64:
		return ValType(b), nil
	case 0x7b:
		return 0, r.errAt(ErrUnsupported, at, "SIMD (v128) not supported")
	case 0x70, 0x6f:
		return 0, r.errAt(ErrUnsupported, at, "reference types (%s) not supported", map[byte]string{0x70: "funcref", 0x6f: "externref"}[b])
	case 0x64, 0x63:
		return 0, r.errAt(ErrUnsupported, at, "typed function references not supported")
	}
	return 0, r.errAt(ErrMalformed, at, "invalid value type %#02x", b)
}

func valTypes(r *reader) ([]ValType, error) {
	n, err := r.count("value types", 1)
	if err != nil {
		return nil, err
	}
	out := make([]ValType, n)
	for i := range out {
		if out[i], err = valType(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (p *parser) funcType(r *reader, _ uint32) (FuncType, error) {
	at := r.pos
	form, err := r.byte()
	if err != nil {
		return FuncType{}, err
	}
	if form != 0x60 {
		if form == 0x5e || form == 0x5f || form == 0x4e || form == 0x50 || form == 0x4f {
			return FuncType{}, r.errAt(ErrUnsupported, at, "garbage collection (type form %#02x) not supported", form)
		}
		return FuncType{}, r.errAt(ErrMalformed, at, "invalid function type form %#02x", form)
	}
	params, err := valTypes(r)
	if err != nil {
		return FuncType{}, err
	}
	results, err := valTypes(r)
	return FuncType{Params: params, Results: results}, err
}

func (p *parser) importEntry(r *reader, _ uint32) (Import, error) {
	var im Import
	var err error
	if im.Module, err = r.name(); err != nil {
		return im, err
	}
	if im.Name, err = r.name(); err != nil {
		return im, err
	}
	at := r.pos
	k, err := r.byte()
	if err != nil {
		return im, err
	}
	im.Kind = ExternKind(k)
	switch im.Kind {
	case KindFunc:
		im.Func, err = r.u32()
	case KindTable:
		im.Table, err = p.table(r)
	case KindMemory:
		im.Memory, err = p.memory(r)
	case KindGlobal:
		im.Global, err = globalType(r)
	default:
		if k == 4 {
			return im, r.errAt(ErrUnsupported, at, "exception handling (tag import) not supported")
		}
		return im, r.errAt(ErrMalformed, at, "invalid import kind %d", k)
	}
	return im, err
}

func (p *parser) table(r *reader) (Table, error) {
	at := r.pos
	t, err := r.byte()
	if err != nil {
		return Table{}, err
	}
	switch t {
	case 0x70:
	case 0x6f:
		return Table{}, r.errAt(ErrUnsupported, at, "reference types (externref table) not supported")
	default:
		return Table{}, r.errAt(ErrMalformed, at, "invalid table element type %#02x", t)
	}
	if p.numTables++; p.numTables > 1 {
		return Table{}, r.errAt(ErrUnsupported, at, "reference types (more than one table) not supported")
	}
	lim, err := limits(r, "table")
	return Table{Limits: lim}, err
}

func (p *parser) memory(r *reader) (Memory, error) {
	if p.numMemory++; p.numMemory > 1 {
		return Memory{}, r.errAt(ErrUnsupported, r.pos, "multiple memories not supported")
	}
	lim, err := limits(r, "memory")
	return Memory{Limits: lim}, err
}

func limits(r *reader, what string) (ResizableLimits, error) {
	at := r.pos
	flags, err := r.byte()
	if err != nil {
		return ResizableLimits{}, err
	}
	switch {
	case flags <= 1:
	case flags&2 != 0 && flags < 8:
		return ResizableLimits{}, r.errAt(ErrUnsupported, at, "threads (shared %s) not supported", what)
	case flags&4 != 0 && flags < 8:
		return ResizableLimits{}, r.errAt(ErrUnsupported, at, "64-bit %s not supported", what)
	default:
		return ResizableLimits{}, r.errAt(ErrMalformed, at, "invalid %s limits flags %#02x", what, flags)
	}
	var l ResizableLimits
	if l.Min, err = r.u32(); err != nil {
		return l, err
	}
	if flags == 1 {
		l.HasMax = true
		l.Max, err = r.u32()
	}
	return l, err
}

func globalType(r *reader) (GlobalType, error) {
	t, err := valType(r)
	if err != nil {
		return GlobalType{}, err
	}
	at := r.pos
	mut, err := r.byte()
	if err != nil {
		return GlobalType{}, err
	}
	if mut > 1 {
		return GlobalType{}, r.errAt(ErrMalformed, at, "invalid global mutability %d", mut)
	}
	return GlobalType{Type: t, Mutable: mut == 1}, nil
}

// constExpr reads one constant instruction and end.
func constExpr(r *reader) (ConstExpr, error) {
	at := r.pos
	b, err := r.byte()
	if err != nil {
		return ConstExpr{}, err
	}
	e := ConstExpr{Op: Opcode(b)}
	switch e.Op {
	case OpI32Const:
		v, err := r.s32()
		if err != nil {
			return e, err
		}
		e.Value = uint64(int64(v))
	case OpI64Const:
		v, err := r.s64()
		if err != nil {
			return e, err
		}
		e.Value = uint64(v)
	case OpF32Const:
		v, err := r.f32()
		if err != nil {
			return e, err
		}
		e.Value = uint64(v)
	case OpF64Const:
		if e.Value, err = r.f64(); err != nil {
			return e, err
		}
	case OpGlobalGet:
		v, err := r.u32()
		if err != nil {
			return e, err
		}
		e.Value = uint64(v)
	default:
		return e, constExprRefused(r, at, b)
	}
	at = r.pos
	end, err := r.byte()
	if err != nil {
		return e, err
	}
	if end != byte(OpEnd) {
		return e, constExprRefused(r, at, end)
	}
	return e, nil
}

func constExprRefused(r *reader, at int, b byte) error {
	switch Opcode(b) {
	case OpI32Add, OpI32Sub, OpI32Mul, OpI64Add, OpI64Sub, OpI64Mul, OpGlobalGet, OpI32Const, OpI64Const:
		return r.errAt(ErrUnsupported, at, "extended constant expressions (%v) not supported", Opcode(b))
	}
	if why, ok := refusedOps[b]; ok {
		return r.errAt(ErrUnsupported, at, "constant expression: %s not supported", why)
	}
	return r.errAt(ErrMalformed, at, "invalid constant expression instruction %#02x", b)
}

func (p *parser) element(r *reader, i uint32) (Element, error) {
	at := r.pos
	flags, err := r.u32()
	if err != nil {
		return Element{}, err
	}
	switch flags {
	case 0:
	case 2: // explicit table index and element kind: MVP-equivalent for table 0
		t, err := r.u32()
		if err != nil {
			return Element{}, err
		}
		if t != 0 {
			return Element{}, r.errAt(ErrUnsupported, at, "element segment %d: reference types (table %d) not supported", i, t)
		}
	case 1, 3, 4, 5, 6, 7:
		return Element{}, r.errAt(ErrUnsupported, at, "element segment %d: reference types (segment flags %d: passive, declarative or expression elements) not supported", i, flags)
	default:
		return Element{}, r.errAt(ErrMalformed, at, "element segment %d: invalid flags %d", i, flags)
	}
	off, err := constExpr(r)
	if err != nil {
		return Element{}, err
	}
	if flags == 2 {
		at := r.pos
		kind, err := r.byte()
		if err != nil {
			return Element{}, err
		}
		if kind != 0 {
			return Element{}, r.errAt(ErrMalformed, at, "element segment %d: invalid element kind %#02x", i, kind)
		}
	}
	e := Element{Offset: off}
	err = vec(r, "element indices", 1, &e.Funcs, func(r *reader, _ uint32) (uint32, error) { return r.u32() })
	return e, err
}

func (p *parser) data(r *reader, i uint32) (Data, error) {
	at := r.pos
	flags, err := r.u32()
	if err != nil {
		return Data{}, err
	}
	var d Data
	switch flags {
	case 0:
	case 1:
		d.Passive = true
	case 2:
		mem, err := r.u32()
		if err != nil {
			return d, err
		}
		if mem != 0 {
			return d, r.errAt(ErrUnsupported, at, "data segment %d: multiple memories (memory %d) not supported", i, mem)
		}
	default:
		return d, r.errAt(ErrMalformed, at, "data segment %d: invalid flags %d", i, flags)
	}
	if !d.Passive {
		if d.Offset, err = constExpr(r); err != nil {
			return d, err
		}
	}
	n, err := r.u32()
	if err != nil {
		return d, err
	}
	d.Init, err = r.bytes(n)
	return d, err
}

func (p *parser) code(r *reader, i uint32) (Code, error) {
	if i == 0 {
		p.numImportedFuncs = p.m.NumImported(KindFunc)
	}
	fn := p.numImportedFuncs + i
	size, err := r.u32()
	if err != nil {
		return Code{}, err
	}
	start := r.pos
	entry, err := r.bytes(size)
	if err != nil {
		return Code{}, err
	}
	ctx := fmt.Sprintf("function %d", fn)
	er := reader{b: entry, base: r.base + start, ctx: ctx}
	var c Code
	n, err := er.count("local declarations", 2)
	if err != nil {
		return c, err
	}
	if n > 0 {
		c.Locals = make([]LocalDecl, n)
	}
	var total uint64
	for j := range c.Locals {
		if c.Locals[j].Count, err = er.u32(); err != nil {
			return c, err
		}
		if c.Locals[j].Type, err = valType(&er); err != nil {
			return c, err
		}
		total += uint64(c.Locals[j].Count)
	}
	if total > math.MaxUint32 {
		return c, er.errf("%d locals, more than 2^32-1", total)
	}
	c.Body = entry[er.pos:]
	return c, checkBody(c.Body, er.base+er.pos, ctx)
}
