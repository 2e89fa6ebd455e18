//go:build wasip1

// Command counter is the example contract in standard Go: a counter that
// anyone may increment and only its owner, who deployed it, may reset.
//
//	noded contract build contracts/examples/counter
//	noded contract deploy contracts/examples/counter/counter.wasm --from dev0
//
// Methods (input and output as JSON):
//
//	init       deploy: {"start": N} optional; the deployer becomes the owner
//	increment  adds 1 (or {"by": N}); returns {"count": N}; event "incremented" {"count": N, "by": caller}
//	get        returns {"count": N, "owner": "0x..."}
//	reset      owner only: sets the count to 0; event "reset"
package main

import "github.com/noded/noded/contracts/sdk"

// Storage keys.
const (
	keyCount = "count"
	keyOwner = "owner"
)

//go:wasmexport init
func initialize() {
	defer sdk.Recover()
	in := sdk.InputJSON()
	if in.Has("start") {
		sdk.SetUint64(keyCount, in.Uint64("start"))
	}
	sdk.SetAddress(keyOwner, sdk.Caller())
}

//go:wasmexport increment
func increment() {
	defer sdk.Recover()
	by := uint64(1)
	if in := sdk.InputJSON(); in.Has("by") {
		by = in.Uint64("by")
	}
	n := sdk.GetUint64(keyCount)
	sdk.Require(n+by >= n, "count overflows")
	n += by
	sdk.SetUint64(keyCount, n)
	sdk.EmitJSON("incremented", sdk.NewJSON().Uint64("count", n).Address("by", sdk.Caller()))
	sdk.ReturnJSON(sdk.NewJSON().Uint64("count", n))
}

//go:wasmexport get
func get() {
	defer sdk.Recover()
	owner, _ := sdk.GetAddress(keyOwner)
	sdk.ReturnJSON(sdk.NewJSON().Uint64("count", sdk.GetUint64(keyCount)).Address("owner", owner))
}

//go:wasmexport reset
func reset() {
	defer sdk.Recover()
	owner, _ := sdk.GetAddress(keyOwner)
	sdk.Require(sdk.Caller() == owner, "only the owner may reset")
	sdk.Delete(keyCount)
	sdk.Emit("reset", nil)
}

func main() {}
