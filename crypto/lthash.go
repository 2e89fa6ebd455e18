package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
)

// LtHash is a homomorphic multiset hash (Bellare-Micciancio's LtHash with
// 1024 lanes of 16 bits, as in "Securing Update Propagation with
// Homomorphic Hashing", Lewi et al. 2019). Adding and removing elements
// costs the same whatever the size of the set, and the result does not
// depend on the order of operations, which makes it the right tool for a
// state root whose update costs what a block changed.
//
// Each element is expanded to 2048 bytes by AES-256-CTR keyed with
// SHA-256(domain, element) (an extendable-output function; see
// docs/RATIONALE.md for why not SHAKE) and added lane-wise modulo 2^16.
// Unlike a sum of 256-bit hashes, which a generalized-birthday attack
// breaks with ~2^32 work, this has ~200 bits of security.
type LtHash struct {
	w [ltWords]uint64
}

const (
	// LtHashSize is the size of an encoded LtHash in bytes.
	LtHashSize = 2048
	ltWords    = LtHashSize / 8
	laneHigh   = 0x8000800080008000
)

var ltDomain = []byte("noded/lthash/v1")

// ltKey returns the AES-256 key of elem's expansion:
// SHA-256(ltDomain, elem).
func ltKey(elem []byte) [32]byte {
	var in [256]byte
	if len(ltDomain)+len(elem) <= len(in) {
		n := copy(in[:], ltDomain)
		n += copy(in[n:], elem)
		return sha256.Sum256(in[:n])
	}
	d := sha256.New()
	d.Write(ltDomain)
	d.Write(elem)
	var key [32]byte
	d.Sum(key[:0])
	return key
}

// ltStream is the key stream of one expansion, pooled because it escapes
// through the cipher.Stream interface.
type ltStream [LtHashSize]byte

var (
	ltPool = sync.Pool{New: func() any { return new(ltStream) }}
	ltZero [LtHashSize]byte
)

// expand writes the 2048-byte expansion of elem into out: the key stream
// of AES-256-CTR with a zero IV, keyed with ltKey(elem), read as
// little-endian words. This is the reference; on CPUs with AES-NI, Add and
// Remove use an assembly version that gives the same (expandAccel), about
// four times faster: this one allocates the key schedule and the CTR state
// for every element (crypto/aes offers no way to rekey them).
func expand(out *[ltWords]uint64, elem []byte) {
	key := ltKey(elem)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	buf := ltPool.Get().(*ltStream)
	defer ltPool.Put(buf)
	var iv [aes.BlockSize]byte
	cipher.NewCTR(block, iv[:]).XORKeyStream(buf[:], ltZero[:])
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(buf[8*i:])
	}
}

// Add adds elem to the multiset.
func (h *LtHash) Add(elem []byte) {
	if expandAccel(&h.w, elem, false) {
		return
	}
	var e [ltWords]uint64
	expand(&e, elem)
	h.addWords(&e)
}

// Remove removes elem from the multiset. Removing an element that was never
// added yields a hash no real set has; callers remove only what they added.
func (h *LtHash) Remove(elem []byte) {
	if expandAccel(&h.w, elem, true) {
		return
	}
	var e [ltWords]uint64
	expand(&e, elem)
	h.subWords(&e)
}

// Combine adds every element of o to h.
func (h *LtHash) Combine(o *LtHash) { h.addWords(&o.w) }

// Uncombine removes every element of o from h.
func (h *LtHash) Uncombine(o *LtHash) { h.subWords(&o.w) }

// addWords adds four 16-bit lanes per word without carries between lanes.
func (h *LtHash) addWords(e *[ltWords]uint64) {
	for i := range h.w {
		a, b := h.w[i], e[i]
		h.w[i] = ((a &^ laneHigh) + (b &^ laneHigh)) ^ ((a ^ b) & laneHigh)
	}
}

// subWords subtracts four 16-bit lanes per word without borrows between
// lanes.
func (h *LtHash) subWords(e *[ltWords]uint64) {
	for i := range h.w {
		a, b := h.w[i], e[i]
		h.w[i] = ((a | laneHigh) - (b &^ laneHigh)) ^ ((a ^ ^b) & laneHigh)
	}
}

// IsZero reports whether h is the hash of the empty set.
func (h *LtHash) IsZero() bool { return h.w == [ltWords]uint64{} }

// Sum returns the 32-byte digest of the hash.
func (h *LtHash) Sum() [HashSize]byte {
	var b [LtHashSize]byte
	return sha256.Sum256(h.AppendBinary(b[:0]))
}

// AppendBinary appends the 2048-byte encoding of h to b.
func (h *LtHash) AppendBinary(b []byte) []byte {
	b = slices.Grow(b, LtHashSize)
	for _, w := range h.w {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	return b
}

// UnmarshalBinary decodes a 2048-byte encoding.
func (h *LtHash) UnmarshalBinary(b []byte) error {
	if len(b) != LtHashSize {
		return fmt.Errorf("crypto: lthash is %d bytes, want %d", len(b), LtHashSize)
	}
	for i := range h.w {
		h.w[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return nil
}
