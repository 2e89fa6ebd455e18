package crypto

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Sizes of keys and signatures, in bytes.
const (
	PublicKeySize  = ed25519.PublicKeySize
	SeedSize       = ed25519.SeedSize
	SignatureSize  = ed25519.SignatureSize
	PrivateKeySize = ed25519.PrivateKeySize
)

// PublicKey is an ed25519 public key.
type PublicKey [PublicKeySize]byte

// Signature is an ed25519 signature.
type Signature [SignatureSize]byte

// PrivateKey is an ed25519 private key (seed followed by the public key).
type PrivateKey struct {
	key ed25519.PrivateKey
}

// ErrBadKey is returned for keys that cannot be decoded.
var ErrBadKey = errors.New("crypto: malformed key")

// verifyOptions pins the verification rules. ZIP-215 is used for single
// and batch verification alike: the batch equation is cofactored, and a
// node that verified some signatures one way and others the other way could
// disagree with its peers about the validity of a block.
var verifyOptions = &ed25519.Options{Verify: ed25519.VerifyOptionsZIP_215}

// GenerateKey creates a key from the entropy in rand.
func GenerateKey(rand io.Reader) (PrivateKey, error) {
	var seed [SeedSize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return PrivateKey{}, fmt.Errorf("crypto: generate key: %w", err)
	}
	return NewKeyFromSeed(seed[:])
}

// NewKeyFromSeed derives the key for a 32-byte seed.
func NewKeyFromSeed(seed []byte) (PrivateKey, error) {
	if len(seed) != SeedSize {
		return PrivateKey{}, fmt.Errorf("%w: seed is %d bytes, want %d", ErrBadKey, len(seed), SeedSize)
	}
	return PrivateKey{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// Seed returns the 32-byte seed the key was derived from.
func (k PrivateKey) Seed() []byte { return k.key.Seed() }

// IsZero reports whether k holds no key.
func (k PrivateKey) IsZero() bool { return len(k.key) == 0 }

// Public returns the public half of k (the zero key if k holds none).
func (k PrivateKey) Public() PublicKey {
	var pk PublicKey
	if len(k.key) == PrivateKeySize {
		copy(pk[:], k.key[SeedSize:])
	}
	return pk
}

// Sign signs msg. Ed25519 signatures are deterministic.
func (k PrivateKey) Sign(msg []byte) Signature {
	var s Signature
	copy(s[:], ed25519.Sign(k.key, msg))
	return s
}

// Verify reports whether sig is a valid signature of msg by pk.
func Verify(pk PublicKey, msg []byte, sig Signature) bool {
	return ed25519.VerifyWithOptions(pk[:], msg, sig[:], verifyOptions)
}

// String returns the key as 0x-prefixed hex.
func (pk PublicKey) String() string { return "0x" + hex.EncodeToString(pk[:]) }

// MarshalText encodes the key as 0x-prefixed hex.
func (pk PublicKey) MarshalText() ([]byte, error) { return []byte(pk.String()), nil }

// UnmarshalText decodes 0x-prefixed hex.
func (pk *PublicKey) UnmarshalText(b []byte) error {
	return decodeFixedHex(pk[:], string(b), "public key")
}

// ParsePublicKey decodes a 0x-prefixed hex public key.
func ParsePublicKey(s string) (PublicKey, error) {
	var pk PublicKey
	err := pk.UnmarshalText([]byte(s))
	return pk, err
}

// String returns the signature as 0x-prefixed hex.
func (s Signature) String() string { return "0x" + hex.EncodeToString(s[:]) }

// MarshalText encodes the signature as 0x-prefixed hex.
func (s Signature) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes 0x-prefixed hex.
func (s *Signature) UnmarshalText(b []byte) error {
	return decodeFixedHex(s[:], string(b), "signature")
}

func decodeFixedHex(dst []byte, s, what string) error {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return fmt.Errorf("%w: %s must start with 0x", ErrBadKey, what)
	}
	if len(h) != 2*len(dst) {
		return fmt.Errorf("%w: %s must be %d hex digits, got %d", ErrBadKey, what, 2*len(dst), len(h))
	}
	if _, err := hex.Decode(dst, []byte(h)); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadKey, what, err)
	}
	return nil
}

// IsWeak reports whether pk is a point of small order, for which (under
// the ZIP-215 rules) signatures can be forged without a private key: the
// all-zero key with an all-zero signature "signs" every message. Such keys
// are refused as transaction senders and as validators. (A key that is not
// a curve point at all needs no rule: no signature verifies under it.)
//
// It is a lookup in the set of every encoding of the eight small-order
// points, canonical or not, so it costs no point decompression.
func (pk PublicKey) IsWeak() bool {
	_, weak := weakKeyEncodings[pk]
	return weak
}

// weakKeyEncodings holds every 32-byte string that decodes, under
// ZIP-215 (which accepts non-canonical y and a sign bit on x = 0), to a
// point of the 8-torsion subgroup.
var weakKeyEncodings = func() map[PublicKey]struct{} {
	// p = 2^255 - 19, little-endian.
	var p [32]byte
	p[0] = 0xed
	for i := 1; i < 31; i++ {
		p[i] = 0xff
	}
	p[31] = 0x7f
	set := make(map[PublicKey]struct{})
	for i := range curve.EIGHT_TORSION {
		var c curve.CompressedEdwardsY
		c.SetEdwardsPoint(curve.EIGHT_TORSION[i])
		var e PublicKey
		copy(e[:], c[:])
		for _, enc := range []PublicKey{e, nonCanonical(e, p)} {
			if enc == (PublicKey{}) && e != (PublicKey{}) {
				continue // y + p does not fit in 255 bits
			}
			set[enc] = struct{}{}
			enc[31] ^= 0x80 // the other sign of x
			set[enc] = struct{}{}
		}
	}
	return set
}()

// nonCanonical returns the encoding of y + p with e's sign bit, or the zero
// key if y + p >= 2^255 (when y >= 19).
func nonCanonical(e, p PublicKey) PublicKey {
	sign := e[31] & 0x80
	y := e
	y[31] &^= 0x80
	var out PublicKey
	carry := 0
	for i := range 32 {
		s := int(y[i]) + int(p[i]) + carry
		out[i] = byte(s)
		carry = s >> 8
	}
	if carry != 0 || out[31]&0x80 != 0 {
		return PublicKey{}
	}
	out[31] |= sign
	return out
}
