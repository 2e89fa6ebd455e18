package crypto

import (
	"math/rand"
	"testing"
)

// The assembly expansion (expandAccel) must give exactly what the
// reference (expand, through crypto/aes and crypto/cipher) gives, for
// additions and removals, on elements of every length around the stack
// buffer of ltKey.
func TestLtHashAccel(t *testing.T) {
	if !ltAESNI {
		t.Skip("no accelerated expansion on this machine")
	}
	rng := rand.New(rand.NewSource(3))
	var acc, ref LtHash
	for i := range 2000 {
		n := i % 300
		if i%100 == 99 {
			n = 1000 + rng.Intn(5000)
		}
		elem := make([]byte, n)
		rng.Read(elem)
		var e [ltWords]uint64
		expand(&e, elem)
		if rng.Intn(3) == 0 {
			if !expandAccel(&acc.w, elem, true) {
				t.Fatal("expandAccel declined")
			}
			ref.subWords(&e)
		} else {
			if !expandAccel(&acc.w, elem, false) {
				t.Fatal("expandAccel declined")
			}
			ref.addWords(&e)
		}
		if acc != ref {
			t.Fatalf("element %d (%d bytes): the assembly expansion differs from the reference", i, n)
		}
	}
	// One element alone: its expansion, not only a sum.
	var one LtHash
	expandAccel(&one.w, []byte("noded"), false)
	var e [ltWords]uint64
	expand(&e, []byte("noded"))
	if one.w != e {
		t.Fatal("the assembly expansion of one element differs from the reference")
	}
}

// BenchmarkLtHashAddReference is the expansion through crypto/aes, which
// machines without AES-NI (and purego builds) use.
func BenchmarkLtHashAddReference(b *testing.B) {
	var h LtHash
	elem := make([]byte, 80)
	for b.Loop() {
		var e [ltWords]uint64
		expand(&e, elem)
		h.addWords(&e)
	}
}
