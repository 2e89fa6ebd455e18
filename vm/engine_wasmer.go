//go:build cgo

package vm

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/wasmerio/wasmer-go/wasmer"
)

// The wasmer-go v1.0.4 engine. What it guards against, all measured:
//
//   - finalizers free stores, modules and instances in any order, and a
//     store or module collected under a running instance crashes the
//     process: every object is closed explicitly (instance, then module,
//     then store) and kept referenced while in use;
//   - every NewModule/DeserializeModule leaks two memory mappings: the VM
//     compiles or loads each code hash once and keeps the module;
//   - host functions live in a global registry freed only by finalizers:
//     they are created once, in Bind, and kept until Close;
//   - a host function that returns an error has its trap freed twice
//     (wasmer-go issue #291): host functions never fail, see HostHandler;
//   - DeserializeModule does not validate its input: Load's callers only
//     pass bytes they wrote and checksummed.

// DefaultEngine is the engine a node runs when none is named: wasmer in
// a build with cgo, wazero without.
const DefaultEngine = EngineWasmer

const wasmerBuilt = true

// wasmerEngine implements Engine with wasmer-go: one store, one set of
// host functions, for the engine's life.
type wasmerEngine struct {
	engine  *wasmer.Engine
	store   *wasmer.Store
	funcs   []*wasmer.Function // referenced until Close: their finalizers free them
	imports *wasmer.ImportObject
	modules int // modules not yet closed
	closed  bool
}

var _ Engine = (*wasmerEngine)(nil)

// NewWasmerEngine returns an engine backed by wasmer-go v1.0.4 (Cranelift
// compiler, universal engine).
func NewWasmerEngine() Engine {
	e := wasmer.NewEngine()
	return &wasmerEngine{engine: e, store: wasmer.NewStore(e)}
}

func (e *wasmerEngine) Name() string { return "wasmer-go-1.0.4-cranelift" }

func (e *wasmerEngine) Bind(funcs []HostFunc, h HostHandler) error {
	if e.closed {
		return ErrClosed
	}
	if e.imports != nil {
		return ErrEngineBound
	}
	imports := wasmer.NewImportObject()
	namespaces := map[string]map[string]wasmer.IntoExtern{}
	for i, f := range funcs {
		fn, err := e.newHostFunction(i, f, h)
		if err != nil {
			return err
		}
		e.funcs = append(e.funcs, fn)
		if namespaces[f.Module] == nil {
			namespaces[f.Module] = map[string]wasmer.IntoExtern{}
		}
		namespaces[f.Module][f.Name] = fn
	}
	for name, ns := range namespaces {
		imports.Register(name, ns)
	}
	e.imports = imports
	return nil
}

func wasmerKinds(ts []ValueType) ([]wasmer.ValueKind, error) {
	out := make([]wasmer.ValueKind, len(ts))
	for i, t := range ts {
		switch t {
		case I32:
			out[i] = wasmer.I32
		case I64:
			out[i] = wasmer.I64
		default:
			return nil, fmt.Errorf("vm: unsupported host value type %v", t)
		}
	}
	return out, nil
}

func (e *wasmerEngine) newHostFunction(index int, f HostFunc, h HostHandler) (*wasmer.Function, error) {
	params, err := wasmerKinds(f.Params)
	if err != nil {
		return nil, err
	}
	results, err := wasmerKinds(f.Results)
	if err != nil {
		return nil, err
	}
	if len(results) > 1 {
		return nil, fmt.Errorf("vm: host function %s.%s has %d results", f.Module, f.Name, len(results))
	}
	ty := wasmer.NewFunctionType(wasmer.NewValueTypes(params...), wasmer.NewValueTypes(results...))
	fn := wasmer.NewFunction(e.store, ty, func(args []wasmer.Value) ([]wasmer.Value, error) {
		var buf [8]uint64
		in := buf[:len(args)]
		for i := range args {
			switch args[i].Kind() {
			case wasmer.I32:
				in[i] = uint64(uint32(args[i].I32()))
			case wasmer.I64:
				in[i] = uint64(args[i].I64())
			}
		}
		r := h.HandleHostCall(index, in)
		if len(results) == 0 {
			return nil, nil
		}
		if results[0] == wasmer.I32 {
			return []wasmer.Value{wasmer.NewI32(int32(uint32(r)))}, nil
		}
		return []wasmer.Value{wasmer.NewI64(int64(r))}, nil
	})
	return fn, nil
}

func (e *wasmerEngine) Compile(code []byte) (Module, error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	m, err := wasmer.NewModule(e.store, code)
	if err != nil {
		return nil, fmt.Errorf("vm: compile: %w", err)
	}
	return e.newModule(m), nil
}

func (e *wasmerEngine) Load(serialized []byte) (Module, error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	m, err := wasmer.DeserializeModule(e.store, serialized)
	if err != nil {
		return nil, fmt.Errorf("vm: load compiled module: %w", err)
	}
	return e.newModule(m), nil
}

func (e *wasmerEngine) usable() error {
	if e.closed {
		return ErrClosed
	}
	if e.imports == nil {
		return ErrEngineNotBound
	}
	return nil
}

func (e *wasmerEngine) newModule(m *wasmer.Module) *wasmerModule {
	e.modules++
	return &wasmerModule{engine: e, module: m}
}

func (e *wasmerEngine) Close() error {
	if e.closed {
		return nil
	}
	if e.modules != 0 {
		return fmt.Errorf("vm: engine closed with %d modules open", e.modules)
	}
	e.closed = true
	e.store.Close()
	// The host functions are freed by their finalizers; wasmer's function
	// holds its own reference to the store's internals.
	runtime.KeepAlive(e.funcs)
	e.funcs, e.imports = nil, nil
	return nil
}

// wasmerModule implements Module.
type wasmerModule struct {
	engine    *wasmerEngine
	module    *wasmer.Module
	instances int // instances not yet closed
	closed    bool
}

func (m *wasmerModule) Serialize() ([]byte, error) {
	b, err := m.module.Serialize()
	if err != nil {
		return nil, fmt.Errorf("vm: serialize module: %w", err)
	}
	return b, nil
}

func (m *wasmerModule) Instantiate() (Instance, error) {
	if m.closed {
		return nil, ErrClosed
	}
	in, err := wasmer.NewInstance(m.module, m.engine.imports)
	if err != nil {
		return nil, fmt.Errorf("vm: instantiate: %w", err)
	}
	inst := &wasmerInstance{module: m, inst: in, funcs: map[string]wasmer.NativeFunction{}}
	for _, mg := range []struct {
		name string
		dst  *global
		kind wasmer.ValueKind
	}{{gasUsedExport, &inst.used, wasmer.I64}, {gasLimitExport, &inst.limit, wasmer.I64}, {depthExport, &inst.depth, wasmer.I32}} {
		g, gerr := in.Exports.GetGlobal(mg.name)
		if gerr != nil {
			in.Close()
			return nil, fmt.Errorf("vm: instantiate: module is not instrumented: %w", gerr)
		}
		*mg.dst = newGlobal(g, mg.kind)
	}
	if mem, err := in.Exports.GetMemory(memoryExport); err == nil && mem != nil {
		inst.memory = mem
	}
	for _, ex := range m.module.Exports() {
		ty := ex.Type()
		switch ty.Kind() {
		case wasmer.FUNCTION:
			ft := ty.IntoFunctionType()
			if len(ft.Params()) == 0 && len(ft.Results()) == 0 {
				inst.names = append(inst.names, ex.Name())
			}
		case wasmer.GLOBAL:
			gt := ty.IntoGlobalType()
			name := ex.Name()
			if gt.Mutability() == wasmer.MUTABLE && !isMeterGlobal(name) {
				g, err := in.Exports.GetGlobal(name)
				if err == nil {
					inst.globals = append(inst.globals, newGlobal(g, gt.ValueType().Kind()))
				}
			}
		}
	}
	m.instances++
	return inst, nil
}

func (m *wasmerModule) Close() {
	if m.closed {
		return
	}
	m.closed = true
	m.module.Close()
	m.engine.modules--
}

// wasmerInstance implements Instance.
type wasmerInstance struct {
	module  *wasmerModule // keeps the module referenced while the instance lives
	inst    *wasmer.Instance
	memory  *wasmer.Memory
	used    global
	limit   global
	depth   global
	names   []string // exported functions without parameters or results
	funcs   map[string]wasmer.NativeFunction
	globals []global // the exported mutable globals but the meter's
	closed  bool
	// mapped is the snapshot image mapped over the memory at mappedBase,
	// if any (engine_wasmer_mem.go).
	image imageMapping
}

func (i *wasmerInstance) Call(name string) error {
	f, ok := i.funcs[name]
	if !ok {
		var err error
		if f, err = i.inst.Exports.GetFunction(name); err != nil || f == nil {
			return fmt.Errorf("vm: no exported function %q", name)
		}
		i.funcs[name] = f
	}
	_, err := f()
	runtime.KeepAlive(i.inst)
	runtime.KeepAlive(i.module)
	if err != nil {
		var te *wasmer.TrapError
		if errors.As(err, &te) {
			releaseTrap(te)
		}
		return wasmerTrap(err)
	}
	return nil
}

// wasmerTrap maps a wasmer trap message to a TrapCode.
func wasmerTrap(err error) *Trap {
	msg := err.Error()
	t := &Trap{Detail: msg}
	for _, m := range wasmerTrapMessages {
		if strings.Contains(msg, m.text) {
			t.Code = m.code
			break
		}
	}
	return t
}

var wasmerTrapMessages = []struct {
	text string
	code TrapCode
}{
	{"unreachable", TrapUnreachable},
	{"out of bounds memory access", TrapMemoryOutOfBounds},
	{"memory out of bounds", TrapMemoryOutOfBounds},
	{"heap_get_oob", TrapMemoryOutOfBounds},
	{"undefined element", TrapTableOutOfBounds},
	{"uninitialized element", TrapTableOutOfBounds},
	{"table out of bounds", TrapTableOutOfBounds},
	{"indirect call type mismatch", TrapIndirectCallType},
	{"integer divide by zero", TrapIntegerDivideByZero},
	{"integer overflow", TrapIntegerOverflow},
	{"invalid conversion to integer", TrapInvalidConversion},
	{"call stack exhausted", TrapStackOverflow},
	{"stack overflow", TrapStackOverflow},
}

func (i *wasmerInstance) HasFunc(name string) bool {
	for _, n := range i.names {
		if n == name {
			return true
		}
	}
	return false
}

func (i *wasmerInstance) Memory() []byte {
	if i.memory == nil {
		return nil
	}
	return i.memory.Data()
}

func (i *wasmerInstance) GasUsed() uint64 { return i.used.bits() }

func (i *wasmerInstance) Depth() uint32 { return uint32(i.depth.bits()) }

func (i *wasmerInstance) SetGasUsed(used uint64) { i.used.set(used) }

func (i *wasmerInstance) SetMeter(used, limit uint64, depth uint32) {
	i.used.set(used)
	i.limit.set(limit)
	i.depth.set(uint64(depth))
}

func (i *wasmerInstance) StopMeter() { i.limit.set(0) }

func (i *wasmerInstance) Snapshot() *Snapshot {
	s := &Snapshot{Memory: append([]byte(nil), i.Memory()...), Globals: make([]uint64, len(i.globals))}
	for k := range i.globals {
		s.Globals[k] = i.globals[k].bits()
	}
	return s
}

func (i *wasmerInstance) Restore(s *Snapshot) bool {
	mem := i.Memory()
	if len(mem) > len(s.Memory) || (s.Globals != nil && len(s.Globals) != len(i.globals)) {
		return false
	}
	if len(mem) < len(s.Memory) {
		grow := len(s.Memory) - len(mem)
		if i.memory == nil || grow%wasmPageSize != 0 || !i.memory.Grow(wasmer.Pages(grow/wasmPageSize)) {
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
	for k := range i.globals {
		i.globals[k].set(s.Globals[k])
	}
	return true
}

// restoreMemory puts s.Memory into mem, of the same size: through the
// snapshot's image when it has one (see engine_wasmer_mem.go), else by
// copying. It reports false if the memory may be unusable.
func (i *wasmerInstance) restoreMemory(mem []byte, s *Snapshot) bool {
	return i.image.restore(mem, s)
}

// imagesDisabled turns restoring through images off for the process
// after a failure of mmap or of the page map.
var imagesDisabled atomic.Bool

func (i *wasmerInstance) Close() {
	if i.closed {
		return
	}
	i.closed = true
	i.inst.Close()
	i.module.instances--
	i.funcs = nil
}
