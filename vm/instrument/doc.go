// Package instrument rewrites a WebAssembly module for metered,
// deterministic execution: gas, call depth and NaN canonicalisation are
// added as ordinary wasm code, so every engine (wasmer today, wazero
// later) computes the same gas and the same results.
//
// The order of calls:
//
//	m, _ := wasm.Parse(code)
//	_ = wasm.Validate(m, limits, allowedImports)
//	out, _ := instrument.Instrument(m, instrument.Config{})
//	bin := out.Encode() // compile and cache this
//
// and before each top-level call the host sets GasLimitExport, zeroes
// GasUsedExport and DepthExport; after it, it reads GasUsedExport. A trap
// with used > limit is out of gas; setting limit to 0 from any goroutine
// stops a running call within microseconds (measured: ~0.2 ms from Set
// to the call's return under wasmer-go, most of it the Go scheduler).
//
// # Gas
//
// Two mutable i64 globals are added and exported: used and limit. The
// gas of a call is the sum of the prices (Costs.Op) of the instructions
// it executes, plus dynamic charges; this is exact, not an estimate:
// the body is cut into segments that start at function entry and after
// every loop, if, else, end, br, br_if, br_table, return, call,
// call_indirect and unreachable. Every branch target is such a start,
// so a segment runs whole or not at all (a trap inside it has been
// charged for the whole segment). A plain block starts no segment; a
// segment that costs 0 gets no charge; a segment after an unconditional
// branch is dead and gets none either. Each charge is
//
//	global.get used; i64.const cost; i64.add; local.tee t; global.set used
//	local.get t; global.get limit; i64.gt_u; if; unreachable; end
//
// The comparison is unsigned. A static charge is below 2^62, and used
// stays within one charge of limit until the trap, so with limit below
// 2^63 nothing wraps. Dynamic charges (memory.grow per page requested,
// memory.copy/fill/init per 8-byte word of their length, computed inline
// from the operand) saturate at 2^64-1, which traps. br, br_if, br_table,
// call and call_indirect must cost at least 1, so no loop or recursion is
// free. The default prices are in DefaultCosts. The code added for
// metering, depth and NaNs is not charged: gas depends only on the
// original instructions executed.
//
// # Start function
//
// A start section would run at instantiation, before the host can set a
// limit: it is removed, and the function exported as StartExport.
//
// # Call depth
//
// Engines overflow their native stack differently, and wasmer-go v1.0.4
// does it badly: a frame larger than its guard page jumps over it and
// the process dies with SIGSEGV (measured with 1,000 live locals per
// frame), and even a clean "call stack exhausted" trap left the next
// call in the process crashing. So the module counts its own stack: an
// exported mutable i32 global (DepthExport) grows at function entry by
// the function's weight and traps past Config.MaxStackWeight; the body is
// wrapped in a block and return becomes a branch to it, so every exit
// (return, br to the function label, the final end) passes the one
// epilogue that gives the weight back. Traps do not give it back: the
// host zeroes the global before each top-level call.
//
// The weight of a function is, in 8-byte value slots, params + locals
// (including the scratch locals added here) + the maximum operand stack
// height (computed from the code) + 4 for the code added here + 4 for
// the frame's fixed part (FrameOverhead). Measured under wasmer (Cranelift)
// on the 8 MiB stacks Go gives its threads: recursion of frames with n
// live i64 locals reaches 524k frames at n=0 (16 B each), 19.4k at n=50
// (432 B), 10.1k at n=100 (833 B), 2.6k at n=400 (3,236 B): about 8 bytes
// per slot plus 16-32 bytes per frame, which the weight covers. The
// default budget, 65,536 slots, is then about 512 KiB of native stack
// (1 MiB if the compiler needed twice that): the largest frame the
// default limits allow (4,096 locals, ~32 KiB) recurses 15 deep, a
// small one (fib) about 5,000. A contract calling another contract
// nests on the same native stack: the host should start the callee's
// depth at the caller's current depth (sharing one budget) or bound
// the nesting so that nesting x 1 MiB stays well below 8 MiB.
//
// # Floats
//
// Floats are allowed, but the bits of a NaN produced by arithmetic are
// not specified and differ between x86-64 (0/0 = 0xffc00000) and arm64
// (0x7fc00000). After each instruction that can produce a NaN with an
// unspecified payload (add, sub, mul, div, sqrt, min, max, ceil, floor,
// trunc, nearest, f32.demote_f64, f64.promote_f32) a NaN result is
// replaced, branch-free, by the canonical NaN:
//
//	local.tee x; f32.const nan; local.get x; local.get x; f32.eq; select
//
// abs, neg and copysign only move the sign bit, loads, constants and
// reinterpretations copy bits, and conversions from integers give no NaN,
// so every NaN a module can observe is then the same on every machine.
//
// # Indices and memory
//
// No import is added, so no function index moves: the meter lives in
// globals added after the module's own. A memory with no declared maximum,
// or a larger one than Config.MaxMemoryPages, gets that maximum, since
// wasmer imposes none. Custom sections are dropped. The module is
// otherwise unchanged: it must have passed wasm.Validate, and its bodies
// are type-checked by the engine's compiler.
//
// # Cost
//
// Measured on a 2-core machine with a 3.3 MB Go module (fmt,
// encoding/json, strconv; 2,114 functions): parse 48 ms, validate 61 ms,
// instrument 69 ms, parse+instrument+encode 87 ms; the code grows by
// about 48%. Execution under wasmer-go, instrumented against original:
// x8 on an empty counting loop (the worst case: two charges per
// iteration around a 5-instruction body), x3.8 on a load/store loop,
// x2.7 on recursive fib, x1.6 on a float loop. Go's _initialize takes
// about 0.7 M gas with the default prices.
package instrument
