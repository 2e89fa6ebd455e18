package wasm

import "fmt"

// ValType is a value type. Only the four numeric MVP types exist here:
// v128 and reference types are refused by the parser.
type ValType byte

// The value types.
const (
	I32 ValType = 0x7f
	I64 ValType = 0x7e
	F32 ValType = 0x7d
	F64 ValType = 0x7c
)

func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	}
	return fmt.Sprintf("valtype(%#x)", byte(t))
}

// FuncType is a function signature.
type FuncType struct {
	Params  []ValType
	Results []ValType
}

func (f FuncType) String() string { return fmt.Sprintf("%v -> %v", f.Params, f.Results) }

// Equal reports whether f and g are the same signature.
func (f FuncType) Equal(g FuncType) bool {
	return string(valBytes(f.Params)) == string(valBytes(g.Params)) &&
		string(valBytes(f.Results)) == string(valBytes(g.Results))
}

func valBytes(v []ValType) []byte {
	b := make([]byte, len(v))
	for i, t := range v {
		b[i] = byte(t)
	}
	return b
}

// ExternKind is the kind of an import or export.
type ExternKind byte

// The extern kinds.
const (
	KindFunc   ExternKind = 0
	KindTable  ExternKind = 1
	KindMemory ExternKind = 2
	KindGlobal ExternKind = 3
)

func (k ExternKind) String() string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// ResizableLimits are the size bounds of a table (in elements) or a memory
// (in 64 KiB pages).
type ResizableLimits struct {
	Min    uint32
	Max    uint32 // meaningful only if HasMax
	HasMax bool
}

// Table is a funcref table (the only element type of the MVP).
type Table struct {
	Limits ResizableLimits
}

// Memory is a linear memory with 32-bit addresses, not shared.
type Memory struct {
	Limits ResizableLimits
}

// GlobalType is the type of a global.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// ConstExpr is a constant expression: one instruction then end. Op is one
// of OpI32Const, OpI64Const, OpF32Const, OpF64Const or OpGlobalGet.
type ConstExpr struct {
	Op Opcode
	// Value is the constant (an i32 sign-extended to 64 bits, an i64, the
	// IEEE bits of a float) or the global index of OpGlobalGet.
	Value uint64
}

// I32 returns the constant expression i32.const v.
func ConstI32(v int32) ConstExpr { return ConstExpr{Op: OpI32Const, Value: uint64(int64(v))} }

// Global is a defined global.
type Global struct {
	Type GlobalType
	Init ConstExpr
}

// Import is an imported function, table, memory or global. Which field
// describes it depends on Kind.
type Import struct {
	Module, Name string
	Kind         ExternKind
	Func         uint32 // KindFunc: type index
	Table        Table
	Memory       Memory
	Global       GlobalType
}

// Export names a function, table, memory or global of the module.
type Export struct {
	Name  string
	Kind  ExternKind
	Index uint32
}

// Element is an active element segment of table 0 (the MVP form; passive
// and declarative segments belong to reference types and are refused).
type Element struct {
	Offset ConstExpr
	Funcs  []uint32
}

// Data is a data segment: active (copied into memory 0 at Offset when the
// module is instantiated) or passive (used by memory.init).
type Data struct {
	Passive bool
	Offset  ConstExpr // active segments only
	Init    []byte
}

// LocalDecl declares Count locals of one type.
type LocalDecl struct {
	Count uint32
	Type  ValType
}

// Code is the body of a defined function.
type Code struct {
	Locals []LocalDecl
	// Body holds the instructions, raw, ending with the function's end
	// opcode. Parse checked that it decodes; CodeReader walks it.
	Body []byte
}

// NumLocals returns the number of locals Locals declares (params excluded).
func (c *Code) NumLocals() uint64 {
	var n uint64
	for _, l := range c.Locals {
		n += uint64(l.Count)
	}
	return n
}

// Custom is a custom section, kept as bytes.
type Custom struct {
	Name string
	Data []byte
}

// Module is a decoded module. Index spaces follow the specification:
// functions, tables, memories and globals are numbered imports first, in
// import order, then the module's own definitions.
type Module struct {
	Types    []FuncType
	Imports  []Import
	Funcs    []uint32 // type index of each defined function
	Tables   []Table
	Memories []Memory
	Globals  []Global
	Exports  []Export
	HasStart bool
	Start    uint32 // function index of the start function, if HasStart
	Elements []Element
	// HasDataCount records a data count section (required by memory.init
	// and data.drop); Encode writes len(Data) into it.
	HasDataCount bool
	Code         []Code // one per entry of Funcs
	Data         []Data
	// Customs are the custom sections, in order. Encode writes them after
	// all other sections, wherever they were.
	Customs []Custom
}

// NumImported returns how many imports of kind k the module has: the
// index of its first own definition of that kind.
func (m *Module) NumImported(k ExternKind) uint32 {
	var n uint32
	for i := range m.Imports {
		if m.Imports[i].Kind == k {
			n++
		}
	}
	return n
}

// FuncTypeIndex returns the type index of function fn (imported or
// defined), and false if fn is out of range.
func (m *Module) FuncTypeIndex(fn uint32) (uint32, bool) {
	for i := range m.Imports {
		if m.Imports[i].Kind != KindFunc {
			continue
		}
		if fn == 0 {
			return m.Imports[i].Func, true
		}
		fn--
	}
	if uint64(fn) < uint64(len(m.Funcs)) {
		return m.Funcs[fn], true
	}
	return 0, false
}

// GlobalType returns the type of global g (imported or defined), and false
// if g is out of range.
func (m *Module) GlobalType(g uint32) (GlobalType, bool) {
	for i := range m.Imports {
		if m.Imports[i].Kind != KindGlobal {
			continue
		}
		if g == 0 {
			return m.Imports[i].Global, true
		}
		g--
	}
	if uint64(g) < uint64(len(m.Globals)) {
		return m.Globals[g].Type, true
	}
	return GlobalType{}, false
}
