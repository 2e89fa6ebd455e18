//go:build amd64 && !purego

package crypto

// ltAESNI: the CPU has AES-NI, and elements are expanded in assembly.
var ltAESNI = hasAESNI()

func hasAESNI() bool

// ltExpandAESNI adds (or with sub, subtracts) the expansion of the element
// whose AES key is key to w.
//
//go:noescape
func ltExpandAESNI(w *[ltWords]uint64, key *[32]byte, sub bool)

// expandAccel adds or subtracts the expansion of elem to w with AES-NI; it
// reports false, doing nothing, if the CPU lacks it.
func expandAccel(w *[ltWords]uint64, elem []byte, sub bool) bool {
	if !ltAESNI {
		return false
	}
	key := ltKey(elem)
	ltExpandAESNI(w, &key, sub)
	return true
}
