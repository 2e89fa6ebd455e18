//go:build wasip1

package sdk

import "unsafe"

// The host functions of ABI v1 (docs/abi.md), imported from module "env".
// Pointers are offsets into the contract's memory; Go's wasm port passes
// unsafe.Pointer as such an i32.

//go:wasmimport env input_size
func hostInputSize() int32

//go:wasmimport env input_read
func hostInputRead(ptr unsafe.Pointer)

//go:wasmimport env return_data
func hostReturnData(ptr unsafe.Pointer, n int32)

//go:wasmimport env revert
func hostRevert(ptr unsafe.Pointer, n int32)

//go:wasmimport env storage_read
func hostStorageRead(kptr unsafe.Pointer, klen int32, vptr unsafe.Pointer, vcap int32) int32

//go:wasmimport env storage_write
func hostStorageWrite(kptr unsafe.Pointer, klen int32, vptr unsafe.Pointer, vlen int32)

//go:wasmimport env storage_delete
func hostStorageDelete(kptr unsafe.Pointer, klen int32)

//go:wasmimport env caller
func hostCaller(ptr unsafe.Pointer)

//go:wasmimport env self_address
func hostSelfAddress(ptr unsafe.Pointer)

//go:wasmimport env value
func hostValue(ptr unsafe.Pointer)

//go:wasmimport env block_height
func hostBlockHeight() int64

//go:wasmimport env block_time
func hostBlockTime() int64

//go:wasmimport env balance
func hostBalance(addr unsafe.Pointer, out unsafe.Pointer)

//go:wasmimport env transfer
func hostTransfer(to unsafe.Pointer, amount unsafe.Pointer) int32

//go:wasmimport env emit_event
func hostEmitEvent(tptr unsafe.Pointer, tlen int32, dptr unsafe.Pointer, dlen int32)

//go:wasmimport env call_contract
func hostCallContract(addr unsafe.Pointer, mptr unsafe.Pointer, mlen int32, iptr unsafe.Pointer, ilen int32, value unsafe.Pointer, gas int64) int32

//go:wasmimport env return_data_size
func hostReturnDataSize() int32

//go:wasmimport env return_data_read
func hostReturnDataRead(ptr unsafe.Pointer)

//go:wasmimport env sha256
func hostSha256(ptr unsafe.Pointer, n int32, out unsafe.Pointer)

//go:wasmimport env debug_log
func hostDebugLog(ptr unsafe.Pointer, n int32)

//go:wasmimport env gas_left
func hostGasLeft() int64
