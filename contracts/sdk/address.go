package sdk

import "errors"

// AddressSize is the length of an address in bytes.
const AddressSize = 20

// Address is an account or contract address. Its text form is 0x
// followed by 40 lowercase hex digits, as the node prints it.
type Address [AddressSize]byte

const hexDigits = "0123456789abcdef"

// String returns the 0x-hex form.
func (a Address) String() string { return string(a.appendHex(make([]byte, 0, 2+2*AddressSize))) }

func (a Address) appendHex(b []byte) []byte {
	b = append(b, '0', 'x')
	for _, c := range a {
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

// IsZero reports whether a is the zero address.
func (a Address) IsZero() bool { return a == Address{} }

// ErrBadAddress is returned by ParseAddress.
var ErrBadAddress = errors.New("sdk: an address is 0x and 40 hex digits")

// ParseAddress parses the 0x-hex form (either case).
func ParseAddress(s string) (Address, error) { return parseAddressBytes([]byte(s)) }

func parseAddressBytes(s []byte) (Address, error) {
	var a Address
	if len(s) != 2+2*AddressSize || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return a, ErrBadAddress
	}
	for i := range a {
		hi, ok1 := unhex(s[2+2*i])
		lo, ok2 := unhex(s[3+2*i])
		if !ok1 || !ok2 {
			return Address{}, ErrBadAddress
		}
		a[i] = hi<<4 | lo
	}
	return a, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
