package types

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/holiman/uint256"
)

// ErrEncoding is wrapped by every decoding error.
var ErrEncoding = errors.New("malformed encoding")

// Amount is a 256-bit unsigned quantity of the native token.
type Amount = uint256.Int

// NewAmount returns an Amount holding v.
func NewAmount(v uint64) Amount { return *uint256.NewInt(v) }

// ParseAmount parses a decimal or 0x-hex amount.
func ParseAmount(s string) (Amount, error) {
	var a Amount
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		if err := a.SetFromHex(s); err != nil {
			return a, fmt.Errorf("invalid amount %q: %v", s, err)
		}
		return a, nil
	}
	if err := a.SetFromDecimal(s); err != nil {
		return a, fmt.Errorf("invalid amount %q: %v", s, err)
	}
	return a, nil
}

// encoder appends canonical encodings to a byte slice.
type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *encoder) raw(v []byte) { e.b = append(e.b, v...) }
func (e *encoder) bytes(v []byte) {
	e.u32(uint32(len(v)))
	e.b = append(e.b, v...)
}
func (e *encoder) str(v string) {
	e.u32(uint32(len(v)))
	e.b = append(e.b, v...)
}
func (e *encoder) amount(v *Amount) {
	n := v.ByteLen()
	e.u8(uint8(n))
	var buf [32]byte
	v.WriteToSlice(buf[:])
	e.b = append(e.b, buf[32-n:]...)
}

// decoder reads canonical encodings; the first error sticks and later
// reads return zero values.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrEncoding, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b)-d.off < n {
		d.fail("%s: need %d bytes, have %d", what, n, len(d.b)-d.off)
		return nil
	}
	v := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return v
}

func (d *decoder) u8(what string) uint8 {
	v := d.take(1, what)
	if v == nil {
		return 0
	}
	return v[0]
}

func (d *decoder) u32(what string) uint32 {
	v := d.take(4, what)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func (d *decoder) u64(what string) uint64 {
	v := d.take(8, what)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (d *decoder) fixed(dst []byte, what string) {
	if v := d.take(len(dst), what); v != nil {
		copy(dst, v)
	}
}

// bytes reads a length-prefixed byte string of at most max bytes. The
// result aliases the input; callers that keep it copy it.
func (d *decoder) bytes(max int, what string) []byte {
	n := d.u32(what + " length")
	if d.err != nil {
		return nil
	}
	if int64(n) > int64(max) {
		d.fail("%s: length %d exceeds limit %d", what, n, max)
		return nil
	}
	v := d.take(int(n), what)
	if len(v) == 0 {
		return nil
	}
	return append([]byte(nil), v...)
}

func (d *decoder) str(max int, what string) string {
	return string(d.bytes(max, what))
}

func (d *decoder) amount(what string) Amount {
	var a Amount
	n := d.u8(what + " length")
	if d.err != nil {
		return a
	}
	if n > 32 {
		d.fail("%s: %d bytes exceeds 32", what, n)
		return a
	}
	v := d.take(int(n), what)
	if d.err != nil {
		return a
	}
	if n > 0 && v[0] == 0 {
		d.fail("%s: leading zero byte", what)
		return a
	}
	a.SetBytes(v)
	return a
}

// count reads a list length bounded by max.
func (d *decoder) count(max int, what string) int {
	n := d.u32(what + " count")
	if d.err == nil && int64(n) > int64(max) {
		d.fail("%s: %d items exceeds limit %d", what, n, max)
		return 0
	}
	return int(n)
}

// finish reports the sticky error, or an error if input remains.
func (d *decoder) finish() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d trailing bytes", len(d.b)-d.off)
	}
	return d.err
}
