package instrument

import (
	"errors"
	"fmt"

	"github.com/noded/noded/vm/wasm"
)

// Names of the exports Instrument adds. A module that already exports one
// of these names is refused.
const (
	// GasUsedExport is a mutable i64 global: the gas used so far. The host
	// zeroes it before a call and reads it after.
	GasUsedExport = "noded_gas_used"
	// GasLimitExport is a mutable i64 global: the call traps when used
	// exceeds it (unsigned). The host sets it before a call, and sets it to
	// 0 from any goroutine to stop a running call (timeout). It must stay
	// below 2^63.
	GasLimitExport = "noded_gas_limit"
	// DepthExport is a mutable i32 global: the stack weight of the frames
	// on the wasm call stack. The host zeroes it before a top-level call.
	DepthExport = "noded_depth"
	// StartExport is the module's start function, if it had one, turned
	// into an export the host calls after setting the gas limit.
	StartExport = "noded_start"
)

// DefaultMaxStackWeight is the default Config.MaxStackWeight: 65,536
// slots, about 512 KiB of native stack at the ~8 bytes per slot measured
// under wasmer (see doc.go), against the 8 MiB stack of the threads a Go
// program runs cgo calls on. A function of the largest frame the default
// limits allow (4,096 locals) can recurse 15 deep; fib(n) about 5,000.
const DefaultMaxStackWeight = 65536

// FrameOverhead is the weight added to every frame for what the engine
// keeps besides values: return address, saved frame pointer, spills of
// the instance pointer.
const FrameOverhead = 4

// ErrConfig is wrapped by the error Instrument returns for a bad Config.
var ErrConfig = errors.New("instrument: invalid config")

// Config says how to instrument. The zero value means all defaults.
type Config struct {
	// Costs is the gas price table. Nil means DefaultCosts().
	Costs *Costs
	// MaxStackWeight is the call stack budget in slots (see DepthExport):
	// a call traps when the sum of the frame weights of the active calls
	// would exceed it. Default DefaultMaxStackWeight.
	MaxStackWeight uint32
	// MaxMemoryPages is the maximum the memory can grow to: a memory with
	// no declared maximum, or a larger one, gets this one. Default
	// wasm.DefaultMaxMemoryPages (the same value as wasm.Limits).
	MaxMemoryPages uint32
}

func (c Config) withDefaults() (Config, error) {
	if c.Costs == nil {
		c.Costs = DefaultCosts()
	}
	if c.MaxStackWeight == 0 {
		c.MaxStackWeight = DefaultMaxStackWeight
	}
	if c.MaxStackWeight > 1<<30 {
		return c, fmt.Errorf("%w: MaxStackWeight %d above 2^30", ErrConfig, c.MaxStackWeight)
	}
	if c.MaxMemoryPages == 0 {
		c.MaxMemoryPages = wasm.DefaultMaxMemoryPages
	}
	if c.MaxMemoryPages > 65536 {
		return c, fmt.Errorf("%w: MaxMemoryPages %d above 65536", ErrConfig, c.MaxMemoryPages)
	}
	// Every loop iteration and every recursion passes a branch or a call;
	// a price of 0 there would let code run forever for free.
	for _, op := range []wasm.Opcode{wasm.OpBr, wasm.OpBrIf, wasm.OpBrTable, wasm.OpCall, wasm.OpCallIndirect} {
		if c.Costs.Op[op] == 0 {
			return c, fmt.Errorf("%w: %v must cost at least 1", ErrConfig, op)
		}
	}
	return c, nil
}

// Costs is a gas price table. The gas a call uses is the sum of the prices
// of the instructions it executes, plus the dynamic charges of memory.grow
// and the bulk memory instructions.
type Costs struct {
	// Op is the price of each instruction, indexed by opcode.
	Op [wasm.NumOpcodes]uint32
	// MemoryGrowPerPage is charged by memory.grow per page requested,
	// whether the grow succeeds or not.
	MemoryGrowPerPage uint32
	// BulkPerWord is charged by memory.copy, memory.fill and memory.init
	// per 8-byte word of their length, rounded up, before they run.
	BulkPerWord uint32
}

// DefaultCosts returns the default price table:
//
//   - 0 for the structural instructions block, loop, else, end and nop,
//     which compile to no code;
//   - 1 for almost everything else: constants, locals, globals, integer
//     and float arithmetic, comparisons, conversions, select, drop,
//     br, br_if, br_table, if, return, unreachable;
//   - 3 for loads and stores (address arithmetic and a bounds check);
//   - 8 for integer division and remainder, float division and square
//     root (tens of cycles, and the division-by-zero checks);
//   - 4 for call and 8 for call_indirect (frame set-up; a table lookup and
//     a signature check);
//   - memory.size 2; memory.grow 100 plus 4096 per page; memory.copy,
//     memory.fill and memory.init 4 plus 1 per 8 bytes; data.drop 1.
func DefaultCosts() *Costs {
	c := &Costs{MemoryGrowPerPage: 4096, BulkPerWord: 1}
	for op := range c.Op {
		c.Op[op] = 1
	}
	for _, op := range []wasm.Opcode{wasm.OpBlock, wasm.OpLoop, wasm.OpElse, wasm.OpEnd, wasm.OpNop} {
		c.Op[op] = 0
	}
	for op := wasm.OpI32Load; op <= wasm.OpI64Store32; op++ {
		c.Op[op] = 3
	}
	for _, op := range []wasm.Opcode{wasm.OpI32DivS, wasm.OpI32DivU, wasm.OpI32RemS, wasm.OpI32RemU,
		wasm.OpI64DivS, wasm.OpI64DivU, wasm.OpI64RemS, wasm.OpI64RemU,
		wasm.OpF32Div, wasm.OpF64Div, wasm.OpF32Sqrt, wasm.OpF64Sqrt} {
		c.Op[op] = 8
	}
	c.Op[wasm.OpCall] = 4
	c.Op[wasm.OpCallIndirect] = 8
	c.Op[wasm.OpMemorySize] = 2
	c.Op[wasm.OpMemoryGrow] = 100
	c.Op[wasm.OpMemoryCopy] = 4
	c.Op[wasm.OpMemoryFill] = 4
	c.Op[wasm.OpMemoryInit] = 4
	return c
}
