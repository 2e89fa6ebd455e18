package sdk

import "unsafe"

// ptr returns a pointer to b's bytes for the host, or nil if b is empty.
func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// strptr returns a pointer to s's bytes for the host (which only reads
// them), or nil if s is empty.
func strptr(s string) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.StringData(s))
}

// Input returns the call's input (the deploy's init input in init).
func Input() []byte {
	n := hostInputSize()
	if n <= 0 {
		return nil
	}
	b := make([]byte, n)
	hostInputRead(ptr(b))
	return b
}

// InputString returns the input as a string.
func InputString() string { return string(Input()) }

// InputUint64 reads the input as an 8-byte little-endian integer (what
// the CLI's --input-hex 0x2a00000000000000 sends); empty input is 0.
// Other lengths revert.
func InputUint64() uint64 {
	in := Input()
	switch len(in) {
	case 0:
		return 0
	case 8:
		return le64(in)
	}
	Revert("input: want 8 bytes (a little-endian integer)")
	return 0
}

// InputJSON parses the input as a JSON object; malformed input reverts.
// Empty input is an empty object.
func InputJSON() *JSON {
	in := Input()
	if len(in) == 0 {
		in = []byte("{}")
	}
	o, err := ParseJSON(in)
	if err != nil {
		Revert("input: " + err.Error())
	}
	return o
}

// Return sets the call's return data (a later Return replaces it). It
// does not end the call: return from the method after it.
func Return(data []byte) { hostReturnData(ptr(data), int32(len(data))) }

// ReturnString returns s.
func ReturnString(s string) { hostReturnData(strptr(s), int32(len(s))) }

// ReturnUint64 returns v as 8 bytes, little-endian (the CLI shows such
// data as an integer too).
func ReturnUint64(v uint64) { Return(put64(nil, v)) }

// ReturnJSON returns the object w built.
func ReturnJSON(w *JSONWriter) { Return(w.Bytes()) }

// Revert ends the call as failed with msg: its state changes, events and
// sub-calls are undone, and the receipt's error is "reverted: msg". It
// does not return.
func Revert(msg string) {
	hostRevert(strptr(msg), int32(len(msg)))
	panic(revertSignal{}) // not reached: the call traps first
}

// RevertData is Revert with bytes, which the caller of a sub-call reads
// back as the failed call's data.
func RevertData(data []byte) {
	hostRevert(ptr(data), int32(len(data)))
	panic(revertSignal{})
}

// revertSignal unwinds, in case code runs after revert before the call
// traps at its next metered instruction.
type revertSignal struct{}

// Require reverts with msg unless cond holds.
func Require(cond bool, msg string) {
	if !cond {
		Revert(msg)
	}
}

// Recover turns a panic in a method into a revert whose message is the
// panic's: a string, an error's Error(), a Stringer's String(). Defer it
// first thing in every exported method:
//
//	//go:wasmexport transfer
//	func transfer() {
//		defer sdk.Recover()
//		...
//	}
//
// Without it, a panic still fails the call, as a trap whose message
// names the panic ("unreachable executed after panic: ...").
func Recover() {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(revertSignal); ok {
		return
	}
	Revert(panicMessage(r))
}

func panicMessage(r any) string {
	switch v := r.(type) {
	case string:
		return v
	case error:
		return v.Error()
	case interface{ String() string }:
		return v.String()
	}
	return "panic"
}

// Log adds a debug message to the call's logs (cut to 1,024 bytes). Logs
// are not part of consensus: the node shows them to queries and may drop
// them. fmt.Println and println work too: standard output and error go
// to the same log.
func Log(msg string) {
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	hostDebugLog(strptr(msg), int32(len(msg)))
}

// GasLeft returns the gas left to the call.
func GasLeft() uint64 { return uint64(hostGasLeft()) }

// Sha256 returns the SHA-256 of data, computed by the host (cheaper in
// gas than crypto/sha256 in wasm).
func Sha256(data []byte) [32]byte {
	var out [32]byte
	hostSha256(ptr(data), int32(len(data)), unsafe.Pointer(&out[0]))
	return out
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func put64(b []byte, v uint64) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
}
