package crypto

import (
	"crypto/sha256"
)

// HashSize is the size of a hash, in bytes.
const HashSize = sha256.Size

// Sum256 returns the SHA-256 hash of the concatenation of parts.
func Sum256(parts ...[]byte) [HashSize]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out [HashSize]byte
	h.Sum(out[:0])
	return out
}
