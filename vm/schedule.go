package vm

import (
	"errors"
	"fmt"

	"github.com/noded/noded/vm/instrument"
	"github.com/noded/noded/vm/wasm"
)

// Schedule is the gas price list: what each instruction, host call and
// byte costs. It is a consensus rule: every node must use the same
// schedule, and any change is a hard fork that bumps Version. Version is
// part of the compiled-module cache key, because the instruction costs
// are compiled into the instrumented module. It is served over RPC as
// vm_gasSchedule, hence the JSON tags.
//
// The unit: one gas is about one nanosecond of the slowest instruction
// mix on the reference machine, so MaxGas (10,000,000) is ~10 ms of work
// and far below the 5 s timeout (see BenchmarkWorstGasPerSecond).
type Schedule struct {
	// Version identifies this price list.
	Version uint32 `json:"version"`

	// Instructions are charged by the instrumented code itself.
	Instructions InstructionCosts `json:"instructions"`

	// HostCallBase is charged by every host function before its own
	// price; HostCallPerByte for every byte copied between the
	// contract's memory and the host (input, return data, addresses,
	// amounts, messages, hashed data, call arguments).
	HostCallBase    uint64 `json:"host_call_base"`
	HostCallPerByte uint64 `json:"host_call_per_byte"`

	// StorageRead is charged by storage_read on top of the host call,
	// plus StorageReadPerByte per byte of the value found.
	StorageRead        uint64 `json:"storage_read"`
	StorageReadPerByte uint64 `json:"storage_read_per_byte"`
	// StorageWrite is charged by storage_write, plus
	// StorageWritePerByte per byte of key and value: state is kept by
	// every node forever.
	StorageWrite        uint64 `json:"storage_write"`
	StorageWritePerByte uint64 `json:"storage_write_per_byte"`
	// StorageDelete is charged by storage_delete.
	StorageDelete uint64 `json:"storage_delete"`

	// Balance and Transfer are charged by balance and transfer.
	Balance  uint64 `json:"balance"`
	Transfer uint64 `json:"transfer"`

	// Event is charged by emit_event, plus EventPerByte per byte of topic
	// and data: events are stored in receipts.
	Event        uint64 `json:"event"`
	EventPerByte uint64 `json:"event_per_byte"`

	// CallContract is charged by call_contract before the callee runs
	// (the callee's own gas is charged as it runs).
	CallContract uint64 `json:"call_contract"`

	// Sha256 and Sha256PerByte are charged by sha256.
	Sha256        uint64 `json:"sha256"`
	Sha256PerByte uint64 `json:"sha256_per_byte"`

	// Deploy and DeployPerByte (per byte of code) are charged first by a
	// deploy, before the code is validated, instrumented and compiled.
	Deploy        uint64 `json:"deploy"`
	DeployPerByte uint64 `json:"deploy_per_byte"`
}

// InstructionCosts are the prices the instrumenter compiles into the
// code, by class of instruction; structural instructions (block, loop,
// else, end, nop) compile to no code and are free.
type InstructionCosts struct {
	// Default is the price of every instruction not priced below:
	// constants, locals, globals, arithmetic, comparisons, conversions,
	// branches, select, drop, return, unreachable.
	Default uint32 `json:"default"`
	// Memory is the price of a load or a store.
	Memory uint32 `json:"memory"`
	// Divide is the price of integer division and remainder, float
	// division and square root.
	Divide uint32 `json:"divide"`
	// Call and CallIndirect are the prices of call and call_indirect.
	Call         uint32 `json:"call"`
	CallIndirect uint32 `json:"call_indirect"`
	// MemorySize is the price of memory.size.
	MemorySize uint32 `json:"memory_size"`
	// MemoryGrow is the price of memory.grow, plus MemoryGrowPerPage per
	// page asked for, whether the grow succeeds or not.
	MemoryGrow        uint32 `json:"memory_grow"`
	MemoryGrowPerPage uint32 `json:"memory_grow_per_page"`
	// Bulk is the price of memory.copy, memory.fill and memory.init, plus
	// BulkPerWord per 8 bytes of their length, rounded up; data.drop
	// costs Default.
	Bulk        uint32 `json:"bulk"`
	BulkPerWord uint32 `json:"bulk_per_word"`
	// MaxStackWeight bounds the wasm call stack, in value slots (the
	// instrumenter's stack weight): deeper recursion traps with "call
	// stack exhausted" at the same point on every engine.
	MaxStackWeight uint32 `json:"max_stack_weight"`
	// TrapPerStackWeight is charged per slot of stack weight in use when
	// a call fails by a trap or a misused host call: the engine unwinds
	// and traces the whole stack (measured ~0.1-0.3 us per slot with
	// wasmer). A call without the gas for it uses all its gas.
	TrapPerStackWeight uint32 `json:"trap_per_stack_weight"`
}

// DefaultSchedule returns the schedule of version 1.
func DefaultSchedule() Schedule {
	return Schedule{
		Version: 1,
		Instructions: InstructionCosts{
			Default:            1,
			Memory:             3,
			Divide:             8,
			Call:               4,
			CallIndirect:       8,
			MemorySize:         2,
			MemoryGrow:         100,
			MemoryGrowPerPage:  4096,
			Bulk:               4,
			BulkPerWord:        1,
			MaxStackWeight:     16384,
			TrapPerStackWeight: 200,
		},
		HostCallBase:        500,
		HostCallPerByte:     1,
		StorageRead:         2_000,
		StorageReadPerByte:  2,
		StorageWrite:        10_000,
		StorageWritePerByte: 20,
		StorageDelete:       5_000,
		Balance:             1_000,
		Transfer:            5_000,
		Event:               1_000,
		EventPerByte:        8,
		CallContract:        20_000,
		Sha256:              500,
		Sha256PerByte:       4,
		Deploy:              20_000,
		DeployPerByte:       1,
	}
}

// ErrBadSchedule is wrapped by Schedule.Validate's errors.
var ErrBadSchedule = errors.New("vm: invalid gas schedule")

// Validate checks that s can be used: a version is set and no price that
// bounds work done per unit of gas is zero.
func (s *Schedule) Validate() error {
	if s.Version == 0 {
		return fmt.Errorf("%w: version 0", ErrBadSchedule)
	}
	in := &s.Instructions
	if in.Default == 0 || in.Call == 0 || in.CallIndirect == 0 || in.MemoryGrowPerPage == 0 || in.BulkPerWord == 0 || in.MaxStackWeight == 0 {
		return fmt.Errorf("%w: instruction prices must not be zero", ErrBadSchedule)
	}
	if s.HostCallBase == 0 || s.HostCallPerByte == 0 {
		return fmt.Errorf("%w: host call prices must not be zero", ErrBadSchedule)
	}
	return nil
}

// costs is the instrumenter's price table for s.
func (s *Schedule) costs() *instrument.Costs {
	in := &s.Instructions
	c := &instrument.Costs{MemoryGrowPerPage: in.MemoryGrowPerPage, BulkPerWord: in.BulkPerWord}
	for op := range c.Op {
		c.Op[op] = in.Default
	}
	for _, op := range []wasm.Opcode{wasm.OpBlock, wasm.OpLoop, wasm.OpElse, wasm.OpEnd, wasm.OpNop} {
		c.Op[op] = 0
	}
	for op := wasm.OpI32Load; op <= wasm.OpI64Store32; op++ {
		c.Op[op] = in.Memory
	}
	for _, op := range []wasm.Opcode{wasm.OpI32DivS, wasm.OpI32DivU, wasm.OpI32RemS, wasm.OpI32RemU,
		wasm.OpI64DivS, wasm.OpI64DivU, wasm.OpI64RemS, wasm.OpI64RemU,
		wasm.OpF32Div, wasm.OpF64Div, wasm.OpF32Sqrt, wasm.OpF64Sqrt} {
		c.Op[op] = in.Divide
	}
	c.Op[wasm.OpCall] = in.Call
	c.Op[wasm.OpCallIndirect] = in.CallIndirect
	c.Op[wasm.OpMemorySize] = in.MemorySize
	c.Op[wasm.OpMemoryGrow] = in.MemoryGrow
	for _, op := range []wasm.Opcode{wasm.OpMemoryCopy, wasm.OpMemoryFill, wasm.OpMemoryInit} {
		c.Op[op] = in.Bulk
	}
	return c
}
