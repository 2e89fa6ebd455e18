package vm

import (
	"errors"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// wazeroInstance implements Instance.
type wazeroInstance struct {
	module  *wazeroModule
	mod     api.Module
	memory  api.Memory    // nil if the module exports none
	mem     *wazeroMemory // the memory's allocation (engine_wazero_mem_*.go), nil if none
	used    api.MutableGlobal
	limit   api.MutableGlobal
	depth   api.MutableGlobal
	globals []api.MutableGlobal // the exported mutable globals but the meter's
	// funcs caches the exports called so far: wazero gives each
	// api.Function its own call stack (10 KiB to start with).
	funcs  map[string]api.Function
	closed bool
}

func (i *wazeroInstance) Call(name string) error {
	f, ok := i.funcs[name]
	if !ok {
		if f = i.mod.ExportedFunction(name); f == nil {
			return errors.New("vm: no exported function " + quote(name))
		}
		i.funcs[name] = f
	}
	if err := f.CallWithStack(i.module.engine.ctx, nil); err != nil {
		return wazeroTrap(err)
	}
	return nil
}

func quote(s string) string { return `"` + s + `"` }

// wazeroTrap maps the error of a call that trapped to a TrapCode. wazero
// wraps its runtime error, whose text is the trap's name, in a message
// with the wasm stack trace; the Detail keeps the first line only.
func wazeroTrap(err error) *Trap {
	msg := err.Error()
	detail, _, _ := strings.Cut(msg, "\n")
	t := &Trap{Detail: detail}
	name := msg
	if inner := errors.Unwrap(err); inner != nil {
		name = inner.Error()
	}
	for _, m := range wazeroTrapMessages {
		if name == m.text {
			t.Code = m.code
			return t
		}
	}
	return t
}

// wazeroTrapMessages are the texts of wazero's runtime errors
// (internal/wasmruntime) that a module the VM accepts can raise.
var wazeroTrapMessages = []struct {
	text string
	code TrapCode
}{
	{"unreachable", TrapUnreachable},
	{"out of bounds memory access", TrapMemoryOutOfBounds},
	{"invalid table access", TrapTableOutOfBounds},
	{"null reference", TrapTableOutOfBounds},
	{"indirect call type mismatch", TrapIndirectCallType},
	{"integer divide by zero", TrapIntegerDivideByZero},
	{"integer overflow", TrapIntegerOverflow},
	{"invalid conversion to integer", TrapInvalidConversion},
	{"stack overflow", TrapStackOverflow},
}

func (i *wazeroInstance) HasFunc(name string) bool {
	for _, n := range i.module.names {
		if n == name {
			return true
		}
	}
	return false
}

func (i *wazeroInstance) Memory() []byte {
	if i.memory == nil {
		return nil
	}
	b, _ := i.memory.Read(0, i.memory.Size())
	return b
}

func (i *wazeroInstance) GasUsed() uint64 { return i.used.Get() }

func (i *wazeroInstance) SetGasUsed(used uint64) { i.used.Set(used) }

func (i *wazeroInstance) Depth() uint32 { return uint32(i.depth.Get()) }

func (i *wazeroInstance) SetMeter(used, limit uint64, depth uint32) {
	i.used.Set(used)
	i.limit.Set(limit)
	i.depth.Set(uint64(depth))
}

// StopMeter writes the limit global into the instance's context from
// whatever goroutine calls it; the running code loads it at its next
// metered segment.
func (i *wazeroInstance) StopMeter() { i.limit.Set(0) }

func (i *wazeroInstance) Snapshot() *Snapshot {
	s := &Snapshot{Memory: append([]byte(nil), i.Memory()...), Globals: make([]uint64, len(i.globals))}
	for k, g := range i.globals {
		s.Globals[k] = g.Get()
	}
	return s
}

func (i *wazeroInstance) Restore(s *Snapshot) bool {
	mem := i.Memory()
	if len(mem) > len(s.Memory) || (s.Globals != nil && len(s.Globals) != len(i.globals)) {
		return false
	}
	if len(mem) < len(s.Memory) {
		grow := len(s.Memory) - len(mem)
		if i.memory == nil || grow%wasmPageSize != 0 {
			return false
		}
		if _, ok := i.memory.Grow(uint32(grow / wasmPageSize)); !ok {
			return false
		}
		if mem = i.Memory(); len(mem) != len(s.Memory) {
			return false
		}
	}
	if len(mem) > 0 && !i.restoreMemory(mem, s) {
		return false
	}
	if s.Globals == nil {
		return true
	}
	for k, g := range i.globals {
		g.Set(s.Globals[k])
	}
	return true
}

func (i *wazeroInstance) Close() {
	if i.closed {
		return
	}
	i.closed = true
	_ = i.mod.Close(i.module.engine.ctx)
	i.module.instances--
	i.funcs = nil
}
