// Package counterc is the counter example written in C (src/counter.c),
// to show that the host ABI is language-neutral: it has the methods,
// storage, events and revert of counter-wat. counter.wasm is committed, so
// that it deploys without a C toolchain:
//
//	noded contract deploy contracts/examples/counter-c/counter.wasm --from dev0
//
// To build it (Debian: apt-get install clang lld), run ./build.sh here:
//
//	clang --target=wasm32 -O2 -nostdlib -fno-builtin -Wl,--no-entry -Wl,--strip-all -o counter.wasm src/counter.c
//
// The test in this folder runs the committed module and, when clang is
// installed (CI installs it), a fresh build of the source.
package counterc

import _ "embed"

// Wasm is counter.wasm.
//
//go:embed counter.wasm
var Wasm []byte

// Methods, events, storage and revert message: those of counter-wat.
const (
	MethodIncrement  = "increment"
	MethodDecrement  = "decrement"
	MethodGet        = "get"
	TopicIncremented = "incremented"
	TopicDecremented = "decremented"
	StorageKey       = "count"
	ErrZero          = "counter is already zero"
)
