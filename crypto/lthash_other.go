//go:build !amd64 || purego

package crypto

const ltAESNI = false

// expandAccel: no accelerated expansion on this platform.
func expandAccel(w *[ltWords]uint64, elem []byte, sub bool) bool { return false }
