package wasm

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// roundTripWAT are modules that between them use every section and every
// kind of immediate.
var roundTripWAT = map[string]string{
	"empty": `(module)`,
	"all sections": `(module
  (type $t (func (param i32 i64) (result f32)))
  (type $multi (func (param i32) (result i32 i32)))
  (import "env" "f" (func $imp (param i32) (result i32)))
  (table 4 10 funcref)
  (memory 1 2)
  (global $g (mut i32) (i32.const -7))
  (global i64 (i64.const 0x7fffffffffffffff))
  (global f32 (f32.const 1.5))
  (global f64 (f64.const -2.25))
  (export "memory" (memory 0))
  (export "g" (global $g))
  (export "tab" (table 0))
  (export "main" (func $main))
  (start $s)
  (elem (i32.const 1) $main $s $imp)
  (data (i32.const 16) "hello")
  (data $p "passive")
  (func $s)
  (func $main (param i32) (result i32) (local i64 f32) (local f64)
    (block $b
      (loop $l
        (br_if $l (i32.eqz (local.get 0)))
        (br_table $b $l $b (local.get 0))))
    (if (local.get 0) (then (nop)) (else (unreachable)))
    (call_indirect (type $t) (i32.const 1) (i64.const -1) (i32.const 0))
    drop
    (memory.init $p (i32.const 0) (i32.const 0) (i32.const 3))
    (data.drop $p)
    (memory.copy (i32.const 0) (i32.const 8) (i32.const 8))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.store offset=8 align=4 (i32.const 0) (i64.extend32_s (i64.const -1)))
    (f64.store (i32.const 0) (f64.const nan:0x1234))
    (drop (i32.trunc_sat_f64_u (f64.load (i32.const 0))))
    (drop (i64.trunc_sat_f32_s (f32.const -inf)))
    (drop (memory.grow (memory.size)))
    (global.set $g (i32.extend8_s (global.get $g)))
    (call $imp (local.get 0))
    (block (param i32) (result i32) (i32.add (i32.const 1)))
    (call $pair)
    drop)
  (func $pair (param i32) (result i32 i32) (local.get 0) (local.get 0))
)`,
}

func TestRoundTrip(t *testing.T) {
	for name, src := range roundTripWAT {
		t.Run(name, func(t *testing.T) {
			bin := wat(t, src)
			m, err := Parse(bin)
			if err != nil {
				t.Fatal(err)
			}
			enc := m.Encode()
			m2, err := Parse(enc)
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if !reflect.DeepEqual(m, m2) {
				t.Fatalf("re-parsed module differs:\n%+v\n%+v", m, m2)
			}
			if enc2 := m2.Encode(); !bytes.Equal(enc, enc2) {
				t.Fatal("encoding is not stable")
			}
			wasmerAccepts(t, enc)
		})
	}
}

func TestParseAllSections(t *testing.T) {
	m, err := Parse(wat(t, roundTripWAT["all sections"]))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case len(m.Types) != 4 && len(m.Types) != 5:
		t.Errorf("%d types", len(m.Types))
	case len(m.Imports) != 1 || m.Imports[0].Module != "env" || m.Imports[0].Name != "f":
		t.Errorf("imports %+v", m.Imports)
	case len(m.Funcs) != 3 || len(m.Code) != 3:
		t.Errorf("%d functions, %d bodies", len(m.Funcs), len(m.Code))
	case m.Tables[0].Limits != ResizableLimits{Min: 4, Max: 10, HasMax: true}:
		t.Errorf("table %+v", m.Tables[0])
	case m.Memories[0].Limits != ResizableLimits{Min: 1, Max: 2, HasMax: true}:
		t.Errorf("memory %+v", m.Memories[0])
	case m.Globals[0].Init != ConstI32(-7) || !m.Globals[0].Type.Mutable:
		t.Errorf("global 0 %+v", m.Globals[0])
	case m.Globals[1].Init.Value != 0x7fffffffffffffff:
		t.Errorf("global 1 %+v", m.Globals[1])
	case !m.HasStart || m.Start != 1:
		t.Errorf("start %v %d", m.HasStart, m.Start)
	case len(m.Elements) != 1 || !reflect.DeepEqual(m.Elements[0].Funcs, []uint32{2, 1, 0}):
		t.Errorf("elements %+v", m.Elements)
	case !m.HasDataCount || len(m.Data) != 2 || string(m.Data[0].Init) != "hello" || !m.Data[1].Passive:
		t.Errorf("data %+v", m.Data)
	case m.Code[1].NumLocals() != 3:
		t.Errorf("main has %d locals", m.Code[1].NumLocals())
	}
	// The walker sees the instructions with their immediates.
	var c CodeReader
	c.Reset(m.Code[1].Body, 0, "main")
	var ops []string
	for !c.Done() {
		in, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch in.Op {
		case OpBrTable:
			ops = append(ops, in.Op.String()+fmtU32s(in.Labels, in.Index))
		case OpI64Store:
			if in.Align != 2 || in.Offset != 8 {
				t.Errorf("i64.store memarg %d %d", in.Align, in.Offset)
			}
		case OpF64Const:
			if in.Const != 0x7ff0000000001234 {
				t.Errorf("f64.const %#x", in.Const)
			}
		case OpMemoryInit:
			ops = append(ops, "memory.init")
		}
	}
	if got := strings.Join(ops, " "); got != "br_table[1 0 1] memory.init" {
		t.Errorf("walked %q", got)
	}
}

func fmtU32s(l []uint32, d uint32) string {
	var b strings.Builder
	b.WriteString("[")
	for _, x := range l {
		b.WriteString(string(rune('0' + x)))
		b.WriteString(" ")
	}
	b.WriteString(string(rune('0' + d)))
	b.WriteString("]")
	return b.String()
}

func TestLEB128(t *testing.T) {
	u32 := []struct {
		in   []byte
		want uint32
		err  error
	}{
		{[]byte{0}, 0, nil},
		{[]byte{0x80, 0}, 0, nil}, // padding within 5 bytes is allowed
		{[]byte{0x80, 0x80, 0x80, 0x80, 0}, 0, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0xffffffff, nil},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0}, 0, errLEBLong},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 0, errLEBOverflow},
		{[]byte{0x80}, 0, errLEBEnd},
		{nil, 0, errLEBEnd},
	}
	for _, c := range u32 {
		v, _, err := decodeU32(c.in)
		if err != c.err || v != c.want {
			t.Errorf("u32 % x: %d, %v; want %d, %v", c.in, v, err, c.want, c.err)
		}
	}
	s32 := []struct {
		in   []byte
		want int32
		err  error
	}{
		{[]byte{0x7f}, -1, nil},
		{[]byte{0xff, 0x7f}, -1, nil},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x78}, -1 << 31, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x07}, 1<<31 - 1, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0, errLEBOverflow}, // 2^32-1: not an i32
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x70}, 0, errLEBOverflow},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 0, errLEBLong},
	}
	for _, c := range s32 {
		v, _, err := decodeS32(c.in)
		if err != c.err || v != c.want {
			t.Errorf("s32 % x: %d, %v; want %d, %v", c.in, v, err, c.want, c.err)
		}
	}
	s64 := []struct {
		in   []byte
		want int64
		err  error
	}{
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, -1 << 63, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, 1<<63 - 1, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 0, errLEBOverflow},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, errLEBLong},
	}
	for _, c := range s64 {
		v, _, err := decodeS64(c.in)
		if err != c.err || v != c.want {
			t.Errorf("s64 % x: %d, %v; want %d, %v", c.in, v, err, c.want, c.err)
		}
	}
	s33 := []struct {
		in   []byte
		want int64
		err  error
	}{
		{[]byte{0x40}, -64, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1<<32 - 1, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 0, errLEBOverflow},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x70}, -1 << 32, nil},
	}
	for _, c := range s33 {
		v, _, err := decodeS33(c.in)
		if err != c.err || v != c.want {
			t.Errorf("s33 % x: %d, %v; want %d, %v", c.in, v, err, c.want, c.err)
		}
	}
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 1 << 31, -1 << 63, 1<<63 - 1} {
		got, n, err := decodeS64(AppendS64(nil, v))
		if err != nil || got != v || n != len(AppendS64(nil, v)) {
			t.Errorf("AppendS64(%d) decodes to %d, %v", v, got, err)
		}
	}
}

// TestRefused: every refused feature is ErrUnsupported with a message
// naming it.
func TestRefused(t *testing.T) {
	mem := func(flags byte, rest ...byte) []byte {
		return module(sec(secMemory, cat([]byte{1, flags}, rest)...))
	}
	cases := []struct {
		name string
		code []byte
		want string
	}{
		{"SIMD instruction", funcModule(0xfd, 0x0c), "SIMD (prefix 0xfd)"},
		{"SIMD value type", module(sec(secType, 1, 0x60, 1, 0x7b, 0)), "SIMD (v128)"},
		{"atomics", funcModule(0x41, 0, 0xfe, 0x10, 2, 0, 0x1a), "threads/atomics"},
		{"shared memory", mem(3, 1, 1), "threads (shared memory)"},
		{"memory64", mem(4, 1), "64-bit memory"},
		{"two memories", module(sec(secMemory, 2, 0, 1, 0, 1)), "multiple memories"},
		{"memarg memory index", funcModule(0x41, 0, 0x28, 0x40, 1, 0, 0x1a), "multiple memories"},
		{"memory.size of memory 1", funcModule(0x3f, 1, 0x1a), "multiple memories"},
		{"memory.copy of memory 1", funcModule(0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 10, 1, 0), "multiple memories"},
		{"two tables", module(sec(secTable, 2, 0x70, 0, 0, 0x70, 0, 0)), "more than one table"},
		{"externref table", module(sec(secTable, 1, 0x6f, 0, 0)), "externref"},
		{"table.get", funcModule(0x41, 0, 0x25, 0, 0x1a), "table.get"},
		{"table.set", funcModule(0x26, 0), "table.set"},
		{"ref.null", funcModule(0xd0, 0x70, 0x1a), "ref.null"},
		{"ref.is_null", funcModule(0xd1), "ref.is_null"},
		{"ref.func", funcModule(0xd2, 0), "ref.func"},
		{"table.init", funcModule(0xfc, 12, 0, 0), "table.init"},
		{"elem.drop", funcModule(0xfc, 13, 0), "elem.drop"},
		{"table.grow", funcModule(0xfc, 15, 0), "table.grow"},
		{"table.fill", funcModule(0xfc, 17, 0), "table.fill"},
		{"typed select", funcModule(0x1c, 1, 0x7f), "typed select"},
		{"call_indirect table 1", funcModule(0x41, 0, 0x11, 0, 1), "multiple tables"},
		{"passive element segment", module(sec(secElement, 1, 1, 0, 0, 0)), "passive, declarative"},
		{"funcref value type", module(sec(secType, 1, 0x60, 1, 0x70, 0)), "reference types (funcref)"},
		{"try", funcModule(0x06, 0x40, 0x0b), "exception handling (try)"},
		{"throw", funcModule(0x08, 0), "exception handling (throw)"},
		{"tag section", module(sec(secTag, 0)), "exception handling"},
		{"tag import", module(sec(secImport, 1, 1, 'm', 1, 'n', 4, 0, 0)), "tag import"},
		{"return_call", funcModule(0x12, 0), "tail calls (return_call)"},
		{"return_call_indirect", funcModule(0x13, 0, 0), "tail calls"},
		{"call_ref", funcModule(0x14, 0), "call_ref"},
		{"GC prefix", funcModule(0xfb, 0), "garbage collection"},
		{"GC type", module(sec(secType, 1, 0x5f, 0, 0)), "garbage collection"},
		{"extended const", module(sec(secGlobal, 1, 0x7f, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b)), "extended constant expressions"},
		{"v128 block type", funcModule(0x02, 0x7b, 0x0b), "SIMD (v128 block type)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.code)
			if !errors.Is(err, ErrUnsupported) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = %v, want ErrUnsupported", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name string
		code []byte
		want string
	}{
		{"no magic", []byte("\x00asn\x01\x00\x00\x00"), "magic"},
		{"short", []byte("\x00as"), "magic"},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00"), "version"},
		{"unknown opcode", funcModule(0x27), "unknown opcode 0x27"},
		{"unknown 0xfc opcode", funcModule(0xfc, 20), "unknown opcode 0xfc 20"},
		{"unknown section", module(sec(14)), "unknown section id 14"},
		{"sections out of order", module(sec(secFunction, 0), typeSec), "out of order"},
		{"section twice", module(typeSec, typeSec), "out of order or repeated"},
		{"truncated section", module(typeSec)[:12], "exceeds"},
		{"section too long", module(sec(secType, 1, 0x60, 0, 0, 0)), "left over"},
		{"else without if", funcModule(0x05), "else without if"},
		{"unclosed block", funcModule(0x02, 0x40), "does not end with end"},
		{"code after end", funcModule(0x0b, 0x01), "code after the function's end"},
		{"bodies missing", module(typeSec, sec(secFunction, 1, 0)), "1 functions declared but 0 bodies"},
		{"data count mismatch", module(sec(secDataCount, 2)), "data count section says 2"},
		{"over-long LEB", funcModule(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a), "over-long"},
		{"LEB out of range", funcModule(0x20, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x1a), "out of range"},
		{"bad name", module(sec(secExport, 1, 1, 0xff, 0, 0)), "UTF-8"},
		{"huge count", module(sec(secType, 0xff, 0xff, 0xff, 0xff, 0x0f)), "cannot fit"},
		{"locals bomb overflow", module(typeSec, sec(secFunction, 1, 0),
			sec(secCode, 1, 13, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b)), "more than 2^32-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.code)
			if !errors.Is(err, ErrMalformed) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}
