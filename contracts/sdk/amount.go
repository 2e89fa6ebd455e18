package sdk

import (
	"errors"
	"math/bits"
)

// AmountSize is the length of an amount in the ABI: 32 bytes, big-endian.
const AmountSize = 32

// Amount is an unsigned 256-bit integer: balances, values, token
// quantities. The zero value is 0. Arithmetic reports overflow instead of
// wrapping. Its text form is decimal.
type Amount struct {
	w [4]uint64 // little-endian words: w[0] is the least significant
}

// NewAmount returns v as an Amount.
func NewAmount(v uint64) Amount { return Amount{w: [4]uint64{v}} }

// IsZero reports whether a is 0.
func (a Amount) IsZero() bool { return a.w == [4]uint64{} }

// Uint64 returns a as a uint64, and whether it fits.
func (a Amount) Uint64() (uint64, bool) { return a.w[0], a.w[1]|a.w[2]|a.w[3] == 0 }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a Amount) Cmp(b Amount) int {
	for i := 3; i >= 0; i-- {
		switch {
		case a.w[i] < b.w[i]:
			return -1
		case a.w[i] > b.w[i]:
			return 1
		}
	}
	return 0
}

// Lt reports whether a < b.
func (a Amount) Lt(b Amount) bool { return a.Cmp(b) < 0 }

// Add returns a + b, and false if the sum overflows 256 bits.
func (a Amount) Add(b Amount) (Amount, bool) {
	var r Amount
	var c uint64
	for i := range 4 {
		r.w[i], c = bits.Add64(a.w[i], b.w[i], c)
	}
	return r, c == 0
}

// Sub returns a - b, and false if b > a.
func (a Amount) Sub(b Amount) (Amount, bool) {
	var r Amount
	var c uint64
	for i := range 4 {
		r.w[i], c = bits.Sub64(a.w[i], b.w[i], c)
	}
	return r, c == 0
}

// MulUint64 returns a * m, and false if the product overflows.
func (a Amount) MulUint64(m uint64) (Amount, bool) {
	var r Amount
	var carry uint64
	for i := range 4 {
		hi, lo := bits.Mul64(a.w[i], m)
		var c uint64
		r.w[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c
	}
	return r, carry == 0
}

// divmod10 returns a / 10 and a % 10.
func (a Amount) divmod10() (Amount, uint64) {
	var q Amount
	var r uint64
	for i := 3; i >= 0; i-- {
		q.w[i], r = bits.Div64(r, a.w[i], 10)
	}
	return q, r
}

// String returns a in decimal.
func (a Amount) String() string {
	if a.IsZero() {
		return "0"
	}
	var buf [78]byte
	i := len(buf)
	for !a.IsZero() {
		var d uint64
		a, d = a.divmod10()
		i--
		buf[i] = byte('0' + d)
	}
	return string(buf[i:])
}

// ErrBadAmount is returned by ParseAmount.
var ErrBadAmount = errors.New("sdk: an amount is a decimal integer below 2^256")

// ParseAmount parses a decimal integer.
func ParseAmount(s string) (Amount, error) {
	if s == "" || len(s) > 78 {
		return Amount{}, ErrBadAmount
	}
	var a Amount
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return Amount{}, ErrBadAmount
		}
		var ok1, ok2 bool
		a, ok1 = a.MulUint64(10)
		a, ok2 = a.Add(NewAmount(uint64(c - '0')))
		if !ok1 || !ok2 {
			return Amount{}, ErrBadAmount
		}
	}
	return a, nil
}

// Bytes32 returns the ABI form: 32 bytes, big-endian.
func (a Amount) Bytes32() [AmountSize]byte {
	var b [AmountSize]byte
	for i := range 4 {
		v := a.w[3-i]
		for j := range 8 {
			b[8*i+j] = byte(v >> (56 - 8*j))
		}
	}
	return b
}

// AmountFromBytes32 reads the ABI form.
func AmountFromBytes32(b [AmountSize]byte) Amount {
	var a Amount
	for i := range 4 {
		var v uint64
		for j := range 8 {
			v = v<<8 | uint64(b[8*i+j])
		}
		a.w[3-i] = v
	}
	return a
}
