//go:build !wasip1

package sdk

import "unsafe"

// Outside a contract (GOOS=wasip1) there is no host: the package builds,
// so that a contract's module can be vetted and its pure helpers tested
// natively, but every host call panics. Test a contract by running its
// wasm in the engine: github.com/noded/noded/contracts/harness.

func noHost() {
	panic("sdk: host functions exist only in a contract built with GOOS=wasip1 GOARCH=wasm; test contracts with github.com/noded/noded/contracts/harness")
}

func hostInputSize() int32                 { noHost(); return 0 }
func hostInputRead(unsafe.Pointer)         { noHost() }
func hostReturnData(unsafe.Pointer, int32) { noHost() }
func hostRevert(p unsafe.Pointer, n int32) {
	// A revert is the one host call that makes sense natively: pure code
	// (the JSON getters, Require) reverts on bad input, and its tests see
	// the message.
	msg := ""
	if n > 0 {
		msg = string(unsafe.Slice((*byte)(p), n))
	}
	panic(RevertPanic(msg))
}

// RevertPanic is what Revert panics with outside a contract.
type RevertPanic string

func (r RevertPanic) Error() string                                      { return "reverted: " + string(r) }
func hostStorageRead(unsafe.Pointer, int32, unsafe.Pointer, int32) int32 { noHost(); return 0 }
func hostStorageWrite(unsafe.Pointer, int32, unsafe.Pointer, int32)      { noHost() }
func hostStorageDelete(unsafe.Pointer, int32)                            { noHost() }
func hostCaller(unsafe.Pointer)                                          { noHost() }
func hostSelfAddress(unsafe.Pointer)                                     { noHost() }
func hostValue(unsafe.Pointer)                                           { noHost() }
func hostBlockHeight() int64                                             { noHost(); return 0 }
func hostBlockTime() int64                                               { noHost(); return 0 }
func hostBalance(unsafe.Pointer, unsafe.Pointer)                         { noHost() }
func hostTransfer(unsafe.Pointer, unsafe.Pointer) int32                  { noHost(); return 0 }
func hostEmitEvent(unsafe.Pointer, int32, unsafe.Pointer, int32)         { noHost() }
func hostReturnDataSize() int32                                          { noHost(); return 0 }
func hostReturnDataRead(unsafe.Pointer)                                  { noHost() }
func hostSha256(unsafe.Pointer, int32, unsafe.Pointer)                   { noHost() }
func hostDebugLog(unsafe.Pointer, int32)                                 { noHost() }
func hostGasLeft() int64                                                 { noHost(); return 0 }
func hostCallContract(unsafe.Pointer, unsafe.Pointer, int32, unsafe.Pointer, int32, unsafe.Pointer, int64) int32 {
	noHost()
	return 0
}
