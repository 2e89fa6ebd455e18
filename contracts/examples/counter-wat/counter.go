// Package counter is the example contract of the README: a counter written
// in WebAssembly text (counter.wat), shipped with its binary (counter.wasm)
// so that users need no WAT compiler. The test in this folder checks that
// the two agree.
//
//	noded contract deploy contracts/examples/counter-wat/counter.wasm --from dev0
//
// Go tests (the node's, the CLI's) deploy the same bytes through Wasm.
package counter

import _ "embed"

// Wasm is counter.wasm, the compiled contract.
//
//go:embed counter.wasm
var Wasm []byte

// WAT is counter.wat, its source.
//
//go:embed counter.wat
var WAT string

// Methods of the contract, and what they emit.
const (
	MethodIncrement = "increment"
	MethodDecrement = "decrement"
	MethodGet       = "get"

	TopicIncremented = "incremented"
	TopicDecremented = "decremented"

	// StorageKey holds the count.
	StorageKey = "count"
	// ErrZero is the revert message of decrement at zero.
	ErrZero = "counter is already zero"
)
