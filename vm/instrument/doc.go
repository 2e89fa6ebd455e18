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
// so a segment runs whole or not at all. A plain block starts no
// segment; a segment after an unconditional branch is dead and gets no
// charge.
//
// While a function runs, the gas used is in a local, g: loaded from used
// on entry and after every call, stored into used before every call and
// at the exit. Each segment adds its cost to g where it starts:
//
//	local.get g; i64.const cost; i64.add; local.set g
//
// A segment that can trap (a load, a store, an integer division, a
// trapping float-to-integer conversion, unreachable) or that calls also
// stores g into used (local.tee g; global.set used instead of local.set
// g). So whenever the host can look at used — in a host function, after
// a trap, after the call — it holds the gas of every segment executed, a
// trapping segment charged whole: the value that charging used itself in
// every segment would leave (as this package did until it kept g; gas
// figures did not change). A segment that cannot trap and does not call
// leaves used behind until the next store.
//
// g is compared with limit (unsigned; past it, the code stores g into
// used and executes unreachable): at the start of every loop body, so
// every iteration is checked and setting limit to 0 from another
// goroutine stops a loop; before every call of an import or
// call_indirect, so that no host function runs once the limit is
// passed; before every call of a defined function that does not check
// on entry (see checksOnEntry; Go-built functions do); with every
// dynamic charge, before its memory instruction runs; and at the exit of
// exported functions, so that no call the host makes returns with used
// over the limit. Between two checks, code runs at most a straight path
// through a function body, and the returns to its callers: out of gas
// may be noticed some instructions after the segment that passed the
// limit, which can only have computed in the module's own memory,
// globals and locals, and which the failed call discards (the vm charges
// a call that runs out of gas its whole limit, wherever it stops).
//
// A static charge is below 2^62 and the code between two checks is far
// shorter than 2^31 instructions, so with limit below 2^63 nothing
// wraps. Dynamic charges (memory.grow per page requested,
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
// (0x7fc00000). The result of each instruction that can produce a NaN
// with an unspecified payload (add, sub, mul, div, sqrt, min, max, ceil,
// floor, trunc, nearest, f32.demote_f64, f64.promote_f32) has a NaN
// replaced, branch-free, by the canonical NaN:
//
//	local.tee x; f32.const nan; local.get x; local.get x; f32.eq; select
//
// right after the instruction, unless every use of the result is blind
// to the bits of a NaN: one of the instructions above (its own result is
// then a NaN, canonicalised in turn), a comparison, a float-to-integer
// conversion or drop. Any other use — a local, a global, memory, select,
// abs, neg, copysign, a reinterpretation, a call, a branch or block end —
// gets the replacement. abs, neg and copysign only move the sign bit,
// loads, constants and reinterpretations copy bits, and conversions from
// integers give no NaN, so every NaN a module can observe is the same on
// every machine, and every value the same as if each result were
// canonicalised at once.
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
// Measured on a 2-core machine shared with other work, with a 3.3 MB Go
// module (fmt, encoding/json, strconv; 2,114 functions): parse 48 ms,
// validate 50-61 ms, instrument 60-70 ms, parse+instrument+encode about
// 115 ms; the code grows by about 28%. Execution under wasmer-go,
// instrumented against original, each call of one timed against a call
// of the other (the ratio sub-benchmarks, medians of 10 runs at a load
// average of 1-2; in parentheses the same when every segment charged
// the global, which varied between the first figure on a loaded machine
// and the second on an idle one): x1.39 on a Go contract method (maps,
// strings, a sort: BenchmarkExecGo; x1.7-2.3), x2.1 on an empty counting
// loop (the worst case: a check of limit in each iteration of a
// 5-instruction body; x3.5-7.5), x2.0 on recursive fib (x2.5-3.0), x1.13
// on a load/store loop (x2.5-4.9), x1.5 on a float loop (x1.0 on an
// idle core; x1.7-2.4). The added instructions fill issue slots an idle
// core leaves free, so the ratios grow with the load. Go's _initialize
// takes about 0.7 M gas with the default prices.
package instrument
