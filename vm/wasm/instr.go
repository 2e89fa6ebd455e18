package wasm

// BlockType is the type of a block, loop or if: BlockEmpty, a single
// result (BlockOf), or an index into the type section (multi-value).
// It holds the s33 value of the binary format.
type BlockType int64

// BlockEmpty is the block type with no params and no results.
const BlockEmpty BlockType = -0x40

// BlockOf returns the block type with no params and one result of type t.
func BlockOf(t ValType) BlockType { return BlockType(int64(t) - 0x80) }

// BlockIndex returns the block type given by type index i.
func BlockIndex(i uint32) BlockType { return BlockType(i) }

// IsIndex reports whether b refers to the type section.
func (b BlockType) IsIndex() bool { return b >= 0 }

// Arity returns the number of params and results of b. For an index
// type, ok is false if the index is out of range of types.
func (b BlockType) Arity(types []FuncType) (params, results int, ok bool) {
	switch {
	case b == BlockEmpty:
		return 0, 0, true
	case b >= 0:
		if int64(b) >= int64(len(types)) {
			return 0, 0, false
		}
		t := types[b]
		return len(t.Params), len(t.Results), true
	default:
		return 0, 1, true
	}
}

func appendBlockType(dst []byte, b BlockType) []byte { return AppendS64(dst, int64(b)) }

// Instr is one decoded instruction. Which immediate fields are meaningful
// depends on Op.
type Instr struct {
	Op Opcode
	// Start and End delimit the instruction's bytes in the body.
	Start, End int
	// Block is the type of block, loop and if.
	Block BlockType
	// Index is the label depth of br and br_if, the default label of
	// br_table, the function of call, the type of call_indirect, the local
	// or global of the variable instructions, the data segment of
	// memory.init and data.drop.
	Index uint32
	// Align (log2) and Offset are the memarg of loads and stores.
	Align, Offset uint32
	// Const is the value of i32.const (sign-extended) and i64.const, or the
	// IEEE bits of f32.const and f64.const.
	Const uint64
	// Labels are the targets of br_table, without the default. The slice
	// is reused by the next call to Next.
	Labels []uint32
}

// CodeReader decodes the instructions of a function body one by one.
// Immediates are checked as Parse checks them (canonical LEB128, zero
// memory and table indices); opcodes outside this package's feature set
// are ErrUnsupported, unknown ones ErrMalformed.
type CodeReader struct {
	r      reader
	labels []uint32
}

// Reset makes c read body. Errors name ctx (say "function 17") and the
// offset base plus the position in body.
func (c *CodeReader) Reset(body []byte, base int, ctx string) {
	c.r = reader{b: body, base: base, ctx: ctx}
}

// Done reports whether the whole body has been read.
func (c *CodeReader) Done() bool { return c.r.done() }

// Pos returns the position of the next instruction in the body.
func (c *CodeReader) Pos() int { return c.r.pos }

// Next decodes the next instruction.
func (c *CodeReader) Next() (Instr, error) {
	r := &c.r
	in := Instr{Start: r.pos}
	b, err := r.byte()
	if err != nil {
		return in, err
	}
	op := Opcode(b)
	if b == PrefixMisc {
		sub, err := r.u32()
		if err != nil {
			return in, err
		}
		if why, ok := refusedMisc(sub); ok {
			return in, c.refuse(in.Start, why)
		}
		if sub >= NumOpcodes-0x100 {
			return in, r.errAt(ErrMalformed, in.Start, "unknown opcode 0xfc %d", sub)
		}
		op = Opcode(0x100 + sub)
	} else if !op.Valid() {
		if why, ok := refusedOps[b]; ok {
			return in, c.refuse(in.Start, why)
		}
		return in, r.errAt(ErrMalformed, in.Start, "unknown opcode %#02x", b)
	}
	in.Op = op
	switch opTable[op].imm {
	case immNone:
	case immBlock:
		v, err := r.s33()
		if err != nil {
			return in, err
		}
		in.Block = BlockType(v)
		if v < 0 && in.Block != BlockEmpty {
			switch ValType(v + 0x80) {
			case I32, I64, F32, F64:
			case 0x7b:
				return in, c.refuse(in.Start, "SIMD (v128 block type)")
			case 0x70, 0x6f:
				return in, c.refuse(in.Start, "reference types (reference block type)")
			default:
				return in, r.errAt(ErrMalformed, in.Start, "invalid block type %#x", byte(v+0x80))
			}
		}
	case immLabel, immFunc, immLocal, immGlobal, immData:
		if in.Index, err = r.u32(); err != nil {
			return in, err
		}
	case immBrTable:
		n, err := r.count("br_table labels", 1)
		if err != nil {
			return in, err
		}
		c.labels = c.labels[:0]
		for i := uint32(0); i < n; i++ {
			l, err := r.u32()
			if err != nil {
				return in, err
			}
			c.labels = append(c.labels, l)
		}
		in.Labels = c.labels
		if in.Index, err = r.u32(); err != nil {
			return in, err
		}
	case immCallIndirect:
		if in.Index, err = r.u32(); err != nil {
			return in, err
		}
		if err := c.zeroByte(in.Start, "call_indirect table index", "reference types (multiple tables)"); err != nil {
			return in, err
		}
	case immMemarg:
		if in.Align, err = r.u32(); err != nil {
			return in, err
		}
		if in.Align >= 1<<6 {
			return in, c.refuse(in.Start, "multiple memories (memarg with a memory index)")
		}
		if in.Offset, err = r.u32(); err != nil {
			return in, err
		}
	case immMemIdx:
		if err := c.zeroByte(in.Start, "memory index", "multiple memories"); err != nil {
			return in, err
		}
	case immI32:
		v, err := r.s32()
		if err != nil {
			return in, err
		}
		in.Const = uint64(int64(v))
	case immI64:
		v, err := r.s64()
		if err != nil {
			return in, err
		}
		in.Const = uint64(v)
	case immF32:
		v, err := r.f32()
		if err != nil {
			return in, err
		}
		in.Const = uint64(v)
	case immF64:
		if in.Const, err = r.f64(); err != nil {
			return in, err
		}
	case immMemInit:
		if in.Index, err = r.u32(); err != nil {
			return in, err
		}
		if err := c.zeroByte(in.Start, "memory index", "multiple memories"); err != nil {
			return in, err
		}
	case immMemCopy:
		for range 2 {
			if err := c.zeroByte(in.Start, "memory index", "multiple memories"); err != nil {
				return in, err
			}
		}
	}
	in.End = r.pos
	return in, nil
}

func (c *CodeReader) refuse(at int, why string) error {
	return c.r.errAt(ErrUnsupported, at, "%s not supported", why)
}

// zeroByte reads the single zero byte that stands for memory or table 0.
func (c *CodeReader) zeroByte(at int, what, feature string) error {
	b, err := c.r.byte()
	if err != nil {
		return err
	}
	if b != 0 {
		return c.refuse(at, feature+": "+what+" byte "+hexByte(b))
	}
	return nil
}

func hexByte(b byte) string {
	const digits = "0123456789abcdef"
	return "0x" + string([]byte{digits[b>>4], digits[b&15]})
}

// checkBody decodes every instruction of body and checks its block
// structure: else only inside if, every block closed, and the function's
// final end as the last byte.
func checkBody(body []byte, base int, ctx string) error {
	var c CodeReader
	c.Reset(body, base, ctx)
	// kinds of the open blocks: 'b' block/loop, 'i' if, 'e' if after else.
	kinds := make([]byte, 0, 16)
	for !c.Done() {
		in, err := c.Next()
		if err != nil {
			return err
		}
		switch in.Op {
		case OpBlock, OpLoop:
			kinds = append(kinds, 'b')
		case OpIf:
			kinds = append(kinds, 'i')
		case OpElse:
			if len(kinds) == 0 || kinds[len(kinds)-1] != 'i' {
				return c.r.errAt(ErrMalformed, in.Start, "else without if")
			}
			kinds[len(kinds)-1] = 'e'
		case OpEnd:
			if len(kinds) == 0 {
				if !c.Done() {
					return c.r.errAt(ErrMalformed, in.End, "code after the function's end")
				}
				return nil
			}
			kinds = kinds[:len(kinds)-1]
		}
	}
	return c.r.errAt(ErrMalformed, len(body), "function body does not end with end")
}
