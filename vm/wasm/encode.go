package wasm

// Encode returns the binary form of m. Function bodies, data and custom
// sections are copied as they are; sizes and counts are re-emitted as
// shortest LEB128. Custom sections are written last.
func (m *Module) Encode() []byte {
	e := encoder{out: make([]byte, 0, m.sizeHint())}
	e.out = append(e.out, magic...)
	if len(m.Types) > 0 {
		e.section(secType, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Types)))
			for _, t := range m.Types {
				b = append(b, 0x60)
				b = appendValTypes(b, t.Params)
				b = appendValTypes(b, t.Results)
			}
			return b
		})
	}
	if len(m.Imports) > 0 {
		e.section(secImport, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Imports)))
			for _, im := range m.Imports {
				b = appendName(b, im.Module)
				b = appendName(b, im.Name)
				b = append(b, byte(im.Kind))
				switch im.Kind {
				case KindFunc:
					b = AppendU32(b, im.Func)
				case KindTable:
					b = appendTable(b, im.Table)
				case KindMemory:
					b = appendLimits(b, im.Memory.Limits)
				case KindGlobal:
					b = appendGlobalType(b, im.Global)
				}
			}
			return b
		})
	}
	if len(m.Funcs) > 0 {
		e.section(secFunction, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Funcs)))
			for _, t := range m.Funcs {
				b = AppendU32(b, t)
			}
			return b
		})
	}
	if len(m.Tables) > 0 {
		e.section(secTable, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Tables)))
			for _, t := range m.Tables {
				b = appendTable(b, t)
			}
			return b
		})
	}
	if len(m.Memories) > 0 {
		e.section(secMemory, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Memories)))
			for _, mem := range m.Memories {
				b = appendLimits(b, mem.Limits)
			}
			return b
		})
	}
	if len(m.Globals) > 0 {
		e.section(secGlobal, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Globals)))
			for _, g := range m.Globals {
				b = appendGlobalType(b, g.Type)
				b = appendConstExpr(b, g.Init)
			}
			return b
		})
	}
	if len(m.Exports) > 0 {
		e.section(secExport, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Exports)))
			for _, ex := range m.Exports {
				b = appendName(b, ex.Name)
				b = append(b, byte(ex.Kind))
				b = AppendU32(b, ex.Index)
			}
			return b
		})
	}
	if m.HasStart {
		e.section(secStart, func(b []byte) []byte { return AppendU32(b, m.Start) })
	}
	if len(m.Elements) > 0 {
		e.section(secElement, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Elements)))
			for _, el := range m.Elements {
				b = append(b, 0)
				b = appendConstExpr(b, el.Offset)
				b = AppendU32(b, uint32(len(el.Funcs)))
				for _, f := range el.Funcs {
					b = AppendU32(b, f)
				}
			}
			return b
		})
	}
	if m.HasDataCount {
		e.section(secDataCount, func(b []byte) []byte { return AppendU32(b, uint32(len(m.Data))) })
	}
	if len(m.Code) > 0 {
		e.section(secCode, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Code)))
			for i := range m.Code {
				b = appendCode(b, &m.Code[i])
			}
			return b
		})
	}
	if len(m.Data) > 0 {
		e.section(secData, func(b []byte) []byte {
			b = AppendU32(b, uint32(len(m.Data)))
			for _, d := range m.Data {
				if d.Passive {
					b = append(b, 1)
				} else {
					b = append(b, 0)
					b = appendConstExpr(b, d.Offset)
				}
				b = AppendU32(b, uint32(len(d.Init)))
				b = append(b, d.Init...)
			}
			return b
		})
	}
	for _, c := range m.Customs {
		e.section(secCustom, func(b []byte) []byte {
			b = appendName(b, c.Name)
			return append(b, c.Data...)
		})
	}
	return e.out
}

// sizeHint estimates the encoded size, so Encode allocates once.
func (m *Module) sizeHint() int {
	n := 1024 + 16*(len(m.Types)+len(m.Imports)+len(m.Exports)+len(m.Globals)) + 5*len(m.Funcs)
	for i := range m.Code {
		n += len(m.Code[i].Body) + 10 + 6*len(m.Code[i].Locals)
	}
	for i := range m.Data {
		n += len(m.Data[i].Init) + 16
	}
	for i := range m.Elements {
		n += 5*len(m.Elements[i].Funcs) + 16
	}
	for i := range m.Customs {
		n += len(m.Customs[i].Data) + len(m.Customs[i].Name) + 10
	}
	return n
}

type encoder struct{ out []byte }

// section appends a section whose payload body writes. The payload is
// written in place after a 5-byte size placeholder, then moved down if
// its size needs fewer bytes.
func (e *encoder) section(id byte, body func([]byte) []byte) {
	e.out = append(e.out, id, 0, 0, 0, 0, 0)
	start := len(e.out)
	e.out = body(e.out)
	size := len(e.out) - start
	var sz [5]byte
	n := len(AppendU32(sz[:0], uint32(size)))
	copy(e.out[start-5:], sz[:n])
	if n < 5 {
		copy(e.out[start-5+n:], e.out[start:])
		e.out = e.out[:len(e.out)-(5-n)]
	}
}

func appendValTypes(b []byte, ts []ValType) []byte {
	b = AppendU32(b, uint32(len(ts)))
	for _, t := range ts {
		b = append(b, byte(t))
	}
	return b
}

func appendLimits(b []byte, l ResizableLimits) []byte {
	if l.HasMax {
		b = append(b, 1)
		b = AppendU32(b, l.Min)
		return AppendU32(b, l.Max)
	}
	b = append(b, 0)
	return AppendU32(b, l.Min)
}

func appendTable(b []byte, t Table) []byte {
	return appendLimits(append(b, 0x70), t.Limits)
}

func appendGlobalType(b []byte, g GlobalType) []byte {
	if g.Mutable {
		return append(b, byte(g.Type), 1)
	}
	return append(b, byte(g.Type), 0)
}

func appendConstExpr(b []byte, c ConstExpr) []byte {
	b = append(b, byte(c.Op))
	switch c.Op {
	case OpI32Const, OpI64Const:
		b = AppendS64(b, int64(c.Value))
	case OpF32Const:
		b = appendF32(b, uint32(c.Value))
	case OpF64Const:
		b = appendF64(b, c.Value)
	case OpGlobalGet:
		b = AppendU32(b, uint32(c.Value))
	}
	return append(b, byte(OpEnd))
}

// AppendLocals appends the local declarations of a function body.
func AppendLocals(b []byte, locals []LocalDecl) []byte {
	b = AppendU32(b, uint32(len(locals)))
	for _, l := range locals {
		b = AppendU32(b, l.Count)
		b = append(b, byte(l.Type))
	}
	return b
}

func appendCode(b []byte, c *Code) []byte {
	var tmp [64]byte
	locals := AppendLocals(tmp[:0], c.Locals)
	b = AppendU32(b, uint32(len(locals)+len(c.Body)))
	b = append(b, locals...)
	return append(b, c.Body...)
}
