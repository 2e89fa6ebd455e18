package wasm

import "fmt"

// Opcode identifies an instruction. One-byte opcodes are their byte; the
// 0xFC-prefixed ones (saturating truncation, bulk memory) are 0x100 plus
// their sub-opcode, so a cost table indexed by Opcode has NumOpcodes
// entries.
type Opcode uint16

// NumOpcodes bounds the Opcode values this package produces.
const NumOpcodes = 0x10c

// PrefixMisc is the prefix byte of the 0xFC opcodes.
const PrefixMisc = 0xfc

func (op Opcode) String() string {
	if op < NumOpcodes && opTable[op].name != "" {
		return opTable[op].name
	}
	if op >= 0x100 {
		return fmt.Sprintf("opcode 0xfc %d", op-0x100)
	}
	return fmt.Sprintf("opcode %#02x", uint16(op))
}

// Valid reports whether op is an opcode this package accepts.
func (op Opcode) Valid() bool { return op < NumOpcodes && opTable[op].name != "" }

// StackEffect returns how many operands op pops and pushes, for opcodes
// whose effect does not depend on a type: it returns ok false for block,
// loop, if, else, end, br, br_table, return, call and call_indirect
// (whose effect depends on types or control), and unreachable.
func (op Opcode) StackEffect() (pop, push int, ok bool) {
	switch op {
	case OpBlock, OpLoop, OpIf, OpElse, OpEnd, OpBr, OpBrTable, OpReturn,
		OpCall, OpCallIndirect, OpUnreachable:
		return 0, 0, false
	}
	if !op.Valid() {
		return 0, 0, false
	}
	return int(opTable[op].pop), int(opTable[op].push), true
}

type immKind uint8

const (
	immNone         immKind = iota
	immBlock                // block type
	immLabel                // u32 label depth
	immBrTable              // vec(u32) + u32
	immFunc                 // u32 function index
	immCallIndirect         // u32 type index, table byte 0x00
	immLocal                // u32 local index
	immGlobal               // u32 global index
	immMemarg               // u32 align, u32 offset
	immMemIdx               // byte 0x00 (memory index)
	immI32                  // s32
	immI64                  // s64
	immF32                  // 4 bytes
	immF64                  // 8 bytes
	immMemInit              // u32 data index, byte 0x00
	immData                 // u32 data index
	immMemCopy              // byte 0x00, byte 0x00
)

type opInfo struct {
	name      string
	imm       immKind
	pop, push uint8
}

// refusedOps explains the one-byte opcodes of post-MVP proposals this
// package refuses; other unknown bytes are malformed.
var refusedOps = map[byte]string{
	0x06: "exception handling (try)",
	0x07: "exception handling (catch)",
	0x08: "exception handling (throw)",
	0x09: "exception handling (rethrow)",
	0x0a: "exception handling (throw_ref)",
	0x12: "tail calls (return_call)",
	0x13: "tail calls (return_call_indirect)",
	0x14: "typed function references (call_ref)",
	0x15: "typed function references (return_call_ref)",
	0x18: "exception handling (delegate)",
	0x19: "exception handling (catch_all)",
	0x1c: "reference types (typed select)",
	0x1f: "exception handling (try_table)",
	0x25: "reference types (table.get)",
	0x26: "reference types (table.set)",
	0xd0: "reference types (ref.null)",
	0xd1: "reference types (ref.is_null)",
	0xd2: "reference types (ref.func)",
	0xd3: "typed function references (ref.eq)",
	0xd4: "typed function references (ref.as_non_null)",
	0xd5: "typed function references (br_on_null)",
	0xd6: "typed function references (br_on_non_null)",
	0xfb: "garbage collection (prefix 0xfb)",
	0xfd: "SIMD (prefix 0xfd)",
	0xfe: "threads/atomics (prefix 0xfe)",
}

// refusedMisc explains the 0xFC sub-opcodes this package refuses.
func refusedMisc(sub uint32) (string, bool) {
	names := [...]string{12: "table.init", 13: "elem.drop", 14: "table.copy", 15: "table.grow", 16: "table.size", 17: "table.fill"}
	if sub >= 12 && sub < uint32(len(names)) {
		return "reference types / bulk table operations (" + names[sub] + ")", true
	}
	if sub == 18 || sub == 19 {
		return "memory64/multi-memory extensions (0xfc " + fmt.Sprint(sub) + ")", true
	}
	return "", false
}
