package wasm

import (
	"encoding/binary"
	"unicode/utf8"
)

// reader decodes the primitive encodings of the binary format from a byte
// slice. LEB128 decoding follows the specification's bounds exactly: a
// value of N bits takes at most ceil(N/7) bytes (padding up to that length
// is allowed, as linkers emit it), and the unused bits of the last byte
// must be zero (unsigned) or copies of the sign bit (signed). Anything else
// is ErrMalformed.
type reader struct {
	b    []byte
	pos  int
	base int    // offset of b[0] in the module, for error messages
	ctx  string // what is being read, for error messages
}

func (r *reader) off() int   { return r.base + r.pos }
func (r *reader) done() bool { return r.pos >= len(r.b) }

func (r *reader) errf(format string, args ...any) error {
	return r.errAt(ErrMalformed, r.pos, format, args...)
}

// errAt returns an error of the given kind about the byte at pos.
func (r *reader) errAt(kind error, pos int, format string, args ...any) error {
	if r.ctx != "" {
		return errorf(kind, "%s: offset %#x: "+format, append([]any{r.ctx, r.base + pos}, args...)...)
	}
	return errorf(kind, "offset %#x: "+format, append([]any{r.base + pos}, args...)...)
}

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, r.errf("unexpected end")
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(n) > uint64(len(r.b)-r.pos) {
		return nil, r.errf("length %d exceeds the %d bytes left", n, len(r.b)-r.pos)
	}
	s := r.b[r.pos : r.pos+int(n) : r.pos+int(n)]
	r.pos += int(n)
	return s, nil
}

func (r *reader) u32() (uint32, error) {
	v, n, err := decodeU32(r.b[r.pos:])
	if err != nil {
		return 0, r.errf("%v", err)
	}
	r.pos += n
	return v, nil
}

func (r *reader) s32() (int32, error) {
	v, n, err := decodeS32(r.b[r.pos:])
	if err != nil {
		return 0, r.errf("%v", err)
	}
	r.pos += n
	return v, nil
}

func (r *reader) s64() (int64, error) {
	v, n, err := decodeS64(r.b[r.pos:])
	if err != nil {
		return 0, r.errf("%v", err)
	}
	r.pos += n
	return v, nil
}

func (r *reader) s33() (int64, error) {
	v, n, err := decodeS33(r.b[r.pos:])
	if err != nil {
		return 0, r.errf("%v", err)
	}
	r.pos += n
	return v, nil
}

func (r *reader) f32() (uint32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) f64() (uint64, error) {
	b, err := r.bytes(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// name reads a length-prefixed UTF-8 string.
func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", r.errf("name is not valid UTF-8")
	}
	return string(b), nil
}

// count reads a vector length and checks that at least minSize bytes per
// element remain, so a forged count cannot make the parser allocate more
// than the input justifies.
func (r *reader) count(what string, minSize int) (uint32, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(minSize) > uint64(len(r.b)-r.pos) {
		return 0, r.errf("%d %s cannot fit in the %d bytes left", n, what, len(r.b)-r.pos)
	}
	return n, nil
}

type lebError string

func (e lebError) Error() string { return string(e) }

const (
	errLEBEnd      = lebError("truncated LEB128")
	errLEBLong     = lebError("over-long LEB128")
	errLEBOverflow = lebError("LEB128 value out of range")
)

// decodeU32 decodes an unsigned LEB128 of at most 5 bytes whose fifth byte
// carries only the 4 remaining bits.
func decodeU32(b []byte) (uint32, int, error) {
	var v uint32
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0, errLEBEnd
		}
		c := b[i]
		if i == 4 {
			if c&0x80 != 0 {
				return 0, 0, errLEBLong
			}
			if c > 0x0f {
				return 0, 0, errLEBOverflow
			}
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1, nil
		}
	}
	panic("unreachable")
}

// decodeSigned decodes a signed LEB128 of a bits-bit value.
func decodeSigned(b []byte, bits int) (int64, int, error) {
	maxLen := (bits + 6) / 7
	var v int64
	for i := 0; i < maxLen; i++ {
		if i >= len(b) {
			return 0, 0, errLEBEnd
		}
		c := b[i]
		shift := 7 * i
		if i == maxLen-1 {
			if c&0x80 != 0 {
				return 0, 0, errLEBLong
			}
			// The bits of c at and above the value's sign bit must all
			// equal the sign bit.
			used := bits - shift   // payload bits in this byte, incl. sign
			ext := c >> (used - 1) // sign bit and everything above it
			if ext != 0 && ext != 0x7f>>(used-1) {
				return 0, 0, errLEBOverflow
			}
		}
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			shift += 7
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, i + 1, nil
		}
	}
	panic("unreachable")
}

func decodeS32(b []byte) (int32, int, error) {
	v, n, err := decodeSigned(b, 32)
	return int32(v), n, err
}

func decodeS64(b []byte) (int64, int, error) { return decodeSigned(b, 64) }
func decodeS33(b []byte) (int64, int, error) { return decodeSigned(b, 33) }

// AppendU32 appends the shortest unsigned LEB128 encoding of v.
func AppendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// AppendS64 appends the shortest signed LEB128 encoding of v (also used for
// i32 and s33 values, sign-extended).
func AppendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	b = AppendU32(b, uint32(len(s)))
	return append(b, s...)
}

func appendF32(b []byte, bits uint32) []byte { return binary.LittleEndian.AppendUint32(b, bits) }
func appendF64(b []byte, bits uint64) []byte { return binary.LittleEndian.AppendUint64(b, bits) }
