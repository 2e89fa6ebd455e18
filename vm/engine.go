package vm

import (
	"errors"
	"fmt"

	"github.com/noded/noded/vm/instrument"
	"github.com/noded/noded/vm/wasm"
)

// This file is the boundary between the VM and a WebAssembly engine. The
// VM does everything that decides a result (validation, instrumentation,
// gas, the host ABI); an engine only compiles instrumented modules, runs
// their exports and gives access to their memory and meter globals. Two
// engines given the same instrumented module must therefore produce the
// same gas, memory and traps, which conformance_test.go checks against
// this interface alone.

// Engine compiles and runs instrumented modules. NewWasmerEngine returns
// the wasmer-go implementation. An engine is used by one VM, which
// serialises every call into it except Instance.StopMeter.
type Engine interface {
	// Name identifies the engine and its version, e.g. "wasmer-go-1.0.4";
	// it is part of the compiled-module cache key, so it must change
	// whenever Serialize's output would. Letters, digits, '.', '-' only.
	Name() string
	// Bind gives the engine the host functions every instance imports and
	// the handler their calls go to. It is called once, before any
	// Compile; the engine creates each host function once for its whole
	// life.
	Bind(funcs []HostFunc, h HostHandler) error
	// Compile compiles an instrumented module.
	Compile(code []byte) (Module, error)
	// Load rebuilds a module from the output of Module.Serialize by an
	// engine of the same Name. Its input is trusted: pass only bytes this
	// process wrote and verified (wasmer does not validate them).
	Load(serialized []byte) (Module, error)
	// Close releases the engine. Every Instance and Module it made must be
	// closed first.
	Close() error
}

// Module is a compiled module. Keep it as long as the process may run its
// code: the VM compiles or loads each code hash once.
type Module interface {
	// Serialize returns a form of the module that Engine.Load accepts, or
	// ErrNotSerializable.
	Serialize() ([]byte, error)
	// Instantiate makes a new instance wired to the bound host functions.
	// It does not run the start function: instrumentation turned it into
	// an export the VM calls.
	Instantiate() (Instance, error)
	// Close frees the module; close its instances first.
	Close()
}

// Instance is one instantiation of a Module.
type Instance interface {
	// Call runs the export name, a function without parameters or
	// results. A trap returns a *Trap. After a trap the instance must only
	// be closed.
	Call(name string) error
	// HasFunc reports whether name is an exported function without
	// parameters or results.
	HasFunc(name string) bool
	// Memory returns the exported memory "memory" (nil if none). The
	// slice aliases the instance's memory and is valid until the next
	// Call; a host function may read and write it.
	Memory() []byte
	// GasUsed and SetGasUsed read and write the meter global
	// noded_gas_used.
	GasUsed() uint64
	SetGasUsed(used uint64)
	// Depth reads the stack weight global noded_depth: after a trap, a
	// value above the schedule's MaxStackWeight means the call stack was
	// exhausted.
	Depth() uint32
	// SetMeter sets the meter for a call: used, the limit global
	// noded_gas_limit and the depth global noded_depth.
	SetMeter(used, limit uint64, depth uint32)
	// StopMeter sets the limit global to 0 so that running code traps at
	// its next gas check (every loop head, call and exit). It is the one method that may be called
	// from another goroutine while Call runs.
	StopMeter()
	// Snapshot returns the memory and the exported mutable globals but
	// the meter's. Restore puts a snapshot of an instance of the same
	// module back: the memory (grown first if it is smaller than the
	// snapshot's) and, unless s.Globals is nil, the globals. It reports
	// false if the memory is larger than the snapshot's or cannot be
	// grown or restored, in which case the instance must be closed.
	// After a trap, only Close and Restore may be called; a restored
	// instance is as good as new.
	Snapshot() *Snapshot
	Restore(s *Snapshot) bool
	// Close frees the instance.
	Close()
}

// Snapshot is the state of an instance that a call can change: its
// memory and its exported mutable globals (as bit patterns, in the
// engine's order). The VM takes one per module, after the start
// function, and restores every kept instance to it after a call.
type Snapshot struct {
	Memory  []byte
	Globals []uint64 // nil: Restore sets the memory only
	// fast is the engine's own form of the snapshot, made by Restore on
	// first use to restore it faster; Release frees it.
	fast snapshotImage
}

// snapshotImage is an engine's resource behind a Snapshot.
type snapshotImage interface{ release() }

// noImage marks a snapshot restored by copying.
type noImage struct{}

func (noImage) release() {}

// Release frees what the engine made of s. Call it when no instance will
// be restored to s again.
func (s *Snapshot) Release() {
	if s.fast != nil {
		s.fast.release()
		s.fast = nil
	}
}

// ValueType is the type of a host function parameter or result.
type ValueType uint8

// Value types of the host ABI.
const (
	I32 ValueType = iota + 1
	I64
)

func (t ValueType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// HostFunc is the signature of one host function, imported from module
// Module under Name. Results has at most one entry.
type HostFunc struct {
	Module  string
	Name    string
	Params  []ValueType
	Results []ValueType
}

// HostHandler receives the calls of wasm code into host functions. index
// is the function's position in the slice given to Engine.Bind. args
// holds one value per parameter: an i32 zero-extended, an i64 as its bit
// pattern; the result is returned the same way. The handler is called on
// the goroutine that called Instance.Call.
//
// A host function never fails towards the engine (wasmer-go v1.0.4
// double-frees the trap of a host function that returns an error, its
// issue #291). To abort, the handler records why and calls StopMeter on
// the calling instance: the code traps at its next gas check (every loop head, call and exit), and
// every host call until then is refused by the handler. Engines behave
// alike this way, which keeps gas and results identical.
type HostHandler interface {
	HandleHostCall(index int, args []uint64) uint64
}

// TrapCode is an engine-independent reason for a trap.
type TrapCode uint8

// Trap codes. Engines map their own trap messages onto these, so that
// receipts say the same on every engine.
const (
	TrapUnknown TrapCode = iota
	TrapUnreachable
	TrapMemoryOutOfBounds
	TrapTableOutOfBounds
	TrapIndirectCallType
	TrapIntegerDivideByZero
	TrapIntegerOverflow
	TrapInvalidConversion
	TrapStackOverflow
)

var trapNames = [...]string{
	TrapUnknown:             "trap",
	TrapUnreachable:         "unreachable executed",
	TrapMemoryOutOfBounds:   "out of bounds memory access",
	TrapTableOutOfBounds:    "undefined table element",
	TrapIndirectCallType:    "indirect call type mismatch",
	TrapIntegerDivideByZero: "integer divide by zero",
	TrapIntegerOverflow:     "integer overflow",
	TrapInvalidConversion:   "invalid conversion to integer",
	TrapStackOverflow:       "call stack exhausted",
}

func (c TrapCode) String() string {
	if int(c) < len(trapNames) {
		return trapNames[c]
	}
	return fmt.Sprintf("trap(%d)", uint8(c))
}

// Trap is the error of an Instance.Call that trapped.
type Trap struct {
	Code   TrapCode
	Detail string // the engine's own message: node-local, never in a receipt
}

func (t *Trap) Error() string {
	if t.Detail == "" {
		return t.Code.String()
	}
	return t.Code.String() + " (" + t.Detail + ")"
}

// Names of the meter globals the instrumenter exports, and of the memory.
const (
	gasUsedExport  = instrument.GasUsedExport
	gasLimitExport = instrument.GasLimitExport
	depthExport    = instrument.DepthExport
	memoryExport   = wasm.MemoryExport
)

func isMeterGlobal(name string) bool {
	return name == gasUsedExport || name == gasLimitExport || name == depthExport
}

// wasmPageSize is the size of a WebAssembly memory page.
const wasmPageSize = 64 << 10

// Engine errors.
var (
	// ErrNotSerializable is returned by Module.Serialize of an engine
	// without a serialized form.
	ErrNotSerializable = errors.New("vm: engine cannot serialize modules")
	// ErrEngineBound is returned by Engine.Bind when called twice.
	ErrEngineBound = errors.New("vm: engine already bound to a VM")
	// ErrEngineNotBound is returned by Engine.Compile and Engine.Load
	// before Bind.
	ErrEngineNotBound = errors.New("vm: engine not bound")
	// ErrClosed is returned by a closed engine or VM.
	ErrClosed = errors.New("vm: closed")
	// ErrWasmerNeedsCgo is returned for the wasmer engine by a build
	// without cgo.
	ErrWasmerNeedsCgo = errors.New("wasmer needs cgo; use --vm-engine wazero")
)
