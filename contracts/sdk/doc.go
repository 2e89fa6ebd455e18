// Package sdk writes noded contracts in standard Go.
//
// A contract is a Go main package built as a WebAssembly reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags="-s -w" -o counter.wasm .
//
// or simply `noded contract build .`. Each method is an exported function
// without parameters or results, marked //go:wasmexport NAME; it reads
// its input and writes its output through this package. A method named
// init runs once, at deploy, with the deploy's input. No TinyGo is needed
// and the whole standard library works: the node answers the WASI calls
// of Go's runtime deterministically (time.Now is the block's time,
// crypto/rand is seeded from the transaction, fmt.Println goes to the
// call's debug log).
//
// A counter:
//
//	//go:build wasip1
//
//	package main
//
//	import "github.com/noded/noded/contracts/sdk"
//
//	//go:wasmexport init
//	func initialize() {
//		defer sdk.Recover()
//		sdk.SetAddress("owner", sdk.Caller())
//	}
//
//	//go:wasmexport increment
//	func increment() {
//		defer sdk.Recover()
//		n := sdk.GetUint64("count") + 1
//		sdk.SetUint64("count", n)
//		sdk.Emit("incremented", sdk.NewJSON().Uint64("count", n).Bytes())
//		sdk.ReturnUint64(n)
//	}
//
//	//go:wasmexport reset
//	func reset() {
//		defer sdk.Recover()
//		owner, _ := sdk.GetAddress("owner")
//		sdk.Require(sdk.Caller() == owner, "only the owner may reset")
//		sdk.Delete("count")
//	}
//
//	func main() {}
//
// What the package offers:
//
//   - input and output: Input, InputJSON, InputUint64; Return,
//     ReturnJSON, ReturnUint64, ReturnString; JSON and JSONWriter, a small
//     JSON object reader and writer without reflection (encoding/json
//     works too, but adds about 1 MB to the contract, which costs gas at
//     deploy);
//   - failure: Revert, RevertData, Require, and Recover, which turns a
//     panic into a revert with the panic's message: defer it first in
//     every method;
//   - storage: Get, Set, Delete, Has, typed helpers (GetUint64,
//     GetAmount, GetAddress, GetString and their Set) and Key to build
//     composite keys;
//   - context: Caller, Self, Value, BlockHeight, BlockTime, Balance,
//     Transfer, GasLeft;
//   - events: Emit, EmitJSON;
//   - other contracts: Call, CallWith (value and gas), CallError;
//   - Address and Amount (256-bit unsigned, checked arithmetic), Sha256,
//     Log.
//
// Rules a contract must follow:
//
//   - Do not call the host during package initialisation (package-level
//     variables, init functions): _initialize runs without a caller or
//     state, once per node, and the node refuses the call.
//   - Each call starts from the state right after initialisation:
//     package-level variables written by one call are not seen by the
//     next. Only storage persists.
//   - Goroutines, channels, maps, time.Sleep (virtual time) work, within
//     the call; map iteration order is deterministic per contract.
//
// The package depends on nothing outside the standard library. Outside a
// GOOS=wasip1 build it compiles, for vetting and for testing pure
// helpers, but every host call panics (Revert panics with a
// RevertPanic). To test a contract, run its wasm in the node's engine
// with github.com/noded/noded/contracts/harness.
//
// The host ABI is documented in the noded repository, docs/abi.md.
package sdk
