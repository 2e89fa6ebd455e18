package types

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/noded/noded/crypto"
)

// Hash is a 32-byte SHA-256 digest.
type Hash [32]byte

// AddressSize is the size of an address in bytes.
const AddressSize = 20

// Address identifies an account: the first 20 bytes of the SHA-256 of the
// owner's ed25519 public key, or of a contract's creation data.
type Address [AddressSize]byte

// ErrBadHex is wrapped by the errors of the hex parsers.
var ErrBadHex = errors.New("invalid hex")

// AddressOf returns the address of the account controlled by pk.
func AddressOf(pk crypto.PublicKey) Address {
	h := crypto.Sum256([]byte("noded/address/v1"), pk[:])
	var a Address
	copy(a[:], h[:AddressSize])
	return a
}

// ContractAddress returns the address of the contract that creator deploys
// with the given transaction nonce.
func ContractAddress(creator Address, nonce uint64) Address {
	var n [8]byte
	for i := range n {
		n[i] = byte(nonce >> (56 - 8*i))
	}
	h := crypto.Sum256([]byte("noded/contract/v1"), creator[:], n[:])
	var a Address
	copy(a[:], h[:AddressSize])
	return a
}

func (h Hash) String() string { return "0x" + hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zeros.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText encodes h as 0x-prefixed hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes 0x-prefixed hex.
func (h *Hash) UnmarshalText(b []byte) error { return decodeHexInto(h[:], string(b), "hash") }

// ParseHash parses a 0x-prefixed 32-byte hex hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	return h, h.UnmarshalText([]byte(s))
}

func (a Address) String() string { return "0x" + hex.EncodeToString(a[:]) }

// IsZero reports whether a is all zeros.
func (a Address) IsZero() bool { return a == Address{} }

// MarshalText encodes a as 0x-prefixed hex.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText decodes 0x-prefixed hex.
func (a *Address) UnmarshalText(b []byte) error {
	return decodeHexInto(a[:], string(b), "address")
}

// ParseAddress parses a 0x-prefixed 20-byte hex address.
func ParseAddress(s string) (Address, error) {
	var a Address
	return a, a.UnmarshalText([]byte(s))
}

func decodeHexInto(dst []byte, s, what string) error {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return fmt.Errorf("%w: %s %q must start with 0x", ErrBadHex, what, s)
	}
	if len(h) != 2*len(dst) {
		return fmt.Errorf("%w: %s must have %d hex digits, got %d", ErrBadHex, what, 2*len(dst), len(h))
	}
	if _, err := hex.Decode(dst, []byte(h)); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadHex, what, err)
	}
	return nil
}

// MerkleRoot returns the root of a binary Merkle tree over leaves, with
// RFC 6962 domain separation (0x00 for leaves, 0x01 for inner nodes); an
// odd node at the end of a level is promoted unchanged. The root of no
// leaves is SHA-256 of the empty string.
func MerkleRoot(leaves []Hash) Hash {
	if len(leaves) == 0 {
		return crypto.Sum256()
	}
	level := make([]Hash, len(leaves))
	for i, l := range leaves {
		level[i] = crypto.Sum256([]byte{0}, l[:])
	}
	for len(level) > 1 {
		next := level[:0:0]
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			next = append(next, crypto.Sum256([]byte{1}, level[i][:], level[i+1][:]))
		}
		level = next
	}
	return level[0]
}
