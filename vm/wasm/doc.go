// Package wasm decodes, checks and encodes WebAssembly binary modules.
//
// The feature set is the MVP plus what the standard Go toolchain emits:
// sign-extension operators (0xC0-0xC4), saturating float-to-int
// conversions and bulk memory (0xFC 0-11: memory.init, data.drop,
// memory.copy, memory.fill, with the data count section), and multi-value
// block and function types. Everything else is refused with an error that
// names the feature: SIMD (0xFD), threads and atomics (0xFE, shared
// memories), reference types and table instructions (0xFC 12+, 0xD0-0xD2,
// table.get/set, typed select, non-MVP element segments), exception
// handling, tail calls, garbage collection, multiple memories, memory64,
// extended constant expressions. Unknown encodings are malformed.
//
// The order of calls:
//
//	m, err := wasm.Parse(code)             // every section and every instruction decoded
//	err = wasm.Validate(m, limits, allow)  // limits and the rules the VM relies on
//	... rewrite m (vm/instrument) ...
//	out := m.Encode()
//
// Parse keeps function bodies, data and custom sections as slices of its
// input, so re-encoding a module, changed or not, costs little more than a
// copy. CodeReader walks the instructions of a body with their immediates
// decoded; LEB128 immediates are held to the specification's bounds
// (no encoding longer than ceil(N/7) bytes, no bits beyond N).
//
// Errors wrap ErrInvalid, and one of ErrMalformed (not a valid encoding, or
// breaks a structural rule), ErrUnsupported (a refused feature) or ErrLimit
// (over one of the Limits); match them with errors.Is.
//
// Validate does not type-check the operand stack: the engine's compiler
// validates the module fully before it runs, and a module that fails there
// is refused at deploy like any other invalid code.
package wasm
