package vm

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/noded/noded/vm/wasm"
)

// The wazero v1.12.0 engine: pure Go, no cgo. Its compiler (amd64,
// arm64) turns a module into native code at Compile; elsewhere wazero
// interprets. What it relies on, checked by the conformance tests:
//
//   - the limit global is read from memory afresh at every metered
//     segment: wazero's compiler keeps a global's value in a register
//     only along straight-line code (its SSA builder looks a global up
//     in a block's single-predecessor chain) and has no loop-invariant
//     motion, so a loop header loads it again; StopMeter's write from
//     another goroutine is seen at the next loop iteration or call;
//   - host functions are Go functions called on the calling goroutine,
//     without cgo: a host call costs tens of nanoseconds;
//   - a trap is a Go error wrapping wazero's runtime error, whose text
//     names the trap (wazeroTrap maps it to a TrapCode);
//   - memory is a byte slice that the engine's allocator gives wazero
//     (engine_wazero_mem_cgo.go: a reservation of the memory's maximum,
//     so that it never moves and a large one is restored page by page),
//     and wazero's own Go slice in a build without cgo; globals live in
//     the instance's context and api.MutableGlobal reads and writes them
//     there.
//
// Compiled code is kept per code hash by the VM (a CompiledModule lives
// as long as the process), and across restarts in wazero's own file
// cache if WazeroOptions.CacheDir is set: wazero cannot serialize a
// module through its API, so Module.Serialize returns
// ErrNotSerializable and Options.CodeCache is not used. If a module
// fails to compile while the file cache is in use (a corrupt entry, a
// full disk), it is compiled again without the cache before being
// called invalid, so a bad cache can never turn a valid deploy into a
// rejected one.

// wazeroVersion is the wazero release this engine is built and tested
// with (go.mod).
const wazeroVersion = "1.12.0"

// WazeroOptions configure the wazero engine. The zero value is valid.
type WazeroOptions struct {
	// CacheDir is a folder for wazero's compilation cache; see
	// EngineOptions.WazeroCacheDir. Default "": no file cache.
	CacheDir string
	// Cache, if set, is a compilation cache shared with other engines
	// (tests share one in memory, so that each VM does not compile the
	// same Go contract again). The engine does not close it. It takes
	// the place of CacheDir.
	Cache wazero.CompilationCache
	// CompileWorkers is how many goroutines compile a module's functions.
	// Default: GOMAXPROCS.
	CompileWorkers int
}

// wazeroEngine implements Engine with one wazero runtime, its host
// modules instantiated once, in Bind.
type wazeroEngine struct {
	ctx      context.Context
	opts     WazeroOptions
	funcs    []HostFunc
	handler  HostHandler
	main     *wazeroRuntime // with the file cache, if any
	plain    *wazeroRuntime // without: made on the first compile that fails with the cache
	cacheErr error          // why the file cache could not be opened, if it could not
	modules  int            // modules not yet closed
	bound    bool
	closed   bool
}

// wazeroRuntime is a wazero runtime with the host functions instantiated.
type wazeroRuntime struct {
	rt    wazero.Runtime
	cache wazero.CompilationCache // nil without a cache
	owned bool                    // the engine closes cache
}

var _ Engine = (*wazeroEngine)(nil)

// NewWazeroEngine returns an engine backed by wazero v1.12.0.
func NewWazeroEngine(opts WazeroOptions) Engine {
	if opts.CompileWorkers <= 0 {
		opts.CompileWorkers = runtime.GOMAXPROCS(0)
	}
	return &wazeroEngine{ctx: experimental.WithCompilationWorkers(context.Background(), opts.CompileWorkers), opts: opts}
}

func (e *wazeroEngine) Name() string { return "wazero-" + wazeroVersion }

func (e *wazeroEngine) Bind(funcs []HostFunc, h HostHandler) error {
	if e.closed {
		return ErrClosed
	}
	if e.bound {
		return ErrEngineBound
	}
	for _, f := range funcs {
		if len(f.Results) > 1 {
			return fmt.Errorf("vm: host function %s.%s has %d results", f.Module, f.Name, len(f.Results))
		}
		if _, err := wazeroTypes(append(append([]ValueType(nil), f.Params...), f.Results...)); err != nil {
			return err
		}
	}
	e.funcs, e.handler = funcs, h
	var cache wazero.CompilationCache
	switch {
	case e.opts.Cache != nil:
		cache = e.opts.Cache
	case e.opts.CacheDir != "":
		c, err := wazero.NewCompilationCacheWithDir(e.opts.CacheDir)
		if err != nil {
			// Compiling without the cache gives the same modules.
			e.cacheErr = err
		} else {
			cache = c
		}
	}
	r, err := e.newRuntime(cache)
	if err != nil {
		if cache != nil && cache != e.opts.Cache {
			_ = cache.Close(e.ctx)
		}
		return err
	}
	e.main, e.bound = r, true
	return nil
}

// CacheError reports why the file cache asked for could not be opened
// (the engine then compiles without it), or nil.
func (e *wazeroEngine) CacheError() error { return e.cacheErr }

// newRuntime makes a runtime and instantiates the host modules in it.
func (e *wazeroEngine) newRuntime(cache wazero.CompilationCache) (*wazeroRuntime, error) {
	cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(false)
	if cache != nil {
		cfg = cfg.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(e.ctx, cfg)
	var order []string
	builders := map[string]wazero.HostModuleBuilder{}
	for i, f := range e.funcs {
		b, ok := builders[f.Module]
		if !ok {
			b = rt.NewHostModuleBuilder(f.Module)
			builders[f.Module] = b
			order = append(order, f.Module)
		}
		params, _ := wazeroTypes(f.Params)
		results, _ := wazeroTypes(f.Results)
		b.NewFunctionBuilder().
			WithGoFunction(e.hostFunction(i, f), params, results).
			Export(f.Name)
	}
	for _, name := range order {
		if _, err := builders[name].Instantiate(e.ctx); err != nil {
			_ = rt.Close(e.ctx)
			return nil, fmt.Errorf("vm: host module %s: %w", name, err)
		}
	}
	return &wazeroRuntime{rt: rt, cache: cache, owned: cache != nil && cache != e.opts.Cache}, nil
}

// hostFunction is the Go function behind host function index: it masks
// the i32 arguments (wazero leaves their upper bits unspecified) in place
// on wazero's stack, hands them to the handler and writes its result
// back. It allocates nothing.
func (e *wazeroEngine) hostFunction(index int, f HostFunc) api.GoFunc {
	n := len(f.Params)
	i32Params := make([]bool, n)
	for k, t := range f.Params {
		i32Params[k] = t == I32
	}
	hasResult, i32Result := len(f.Results) == 1, len(f.Results) == 1 && f.Results[0] == I32
	h := e.handler
	return func(_ context.Context, stack []uint64) {
		args := stack[:n]
		for k, is32 := range i32Params {
			if is32 {
				args[k] = uint64(uint32(args[k]))
			}
		}
		r := h.HandleHostCall(index, args)
		if hasResult {
			if i32Result {
				r = uint64(uint32(r))
			}
			stack[0] = r
		}
	}
}

func wazeroTypes(ts []ValueType) ([]api.ValueType, error) {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		switch t {
		case I32:
			out[i] = api.ValueTypeI32
		case I64:
			out[i] = api.ValueTypeI64
		default:
			return nil, fmt.Errorf("vm: unsupported host value type %v", t)
		}
	}
	return out, nil
}

func (e *wazeroEngine) usable() error {
	if e.closed {
		return ErrClosed
	}
	if !e.bound {
		return ErrEngineNotBound
	}
	return nil
}

func (e *wazeroEngine) Compile(code []byte) (Module, error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	exports, err := wazeroExports(code)
	if err != nil {
		return nil, fmt.Errorf("vm: compile: %w", err)
	}
	r := e.main
	cm, err := r.rt.CompileModule(e.ctx, code)
	if err != nil && r.cache != nil {
		// The file cache may be what failed: compile without it.
		if e.plain == nil {
			if e.plain, err = e.newRuntime(nil); err != nil {
				return nil, err
			}
		}
		r = e.plain
		cm, err = r.rt.CompileModule(e.ctx, code)
	}
	if err != nil {
		return nil, fmt.Errorf("vm: compile: %w", err)
	}
	m := &wazeroModule{engine: e, rt: r, compiled: cm, globals: exports.globals}
	for name, def := range cm.ExportedFunctions() {
		if len(def.ParamTypes()) == 0 && len(def.ResultTypes()) == 0 {
			m.names = append(m.names, name)
		}
	}
	e.modules++
	return m, nil
}

// Load is not supported: wazero keeps compiled code in its own cache.
func (e *wazeroEngine) Load([]byte) (Module, error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	return nil, ErrNotSerializable
}

func (e *wazeroEngine) Close() error {
	if e.closed {
		return nil
	}
	if e.modules != 0 {
		return fmt.Errorf("vm: engine closed with %d modules open", e.modules)
	}
	e.closed = true
	for _, r := range []*wazeroRuntime{e.main, e.plain} {
		if r == nil {
			continue
		}
		_ = r.rt.Close(e.ctx)
		if r.owned {
			_ = r.cache.Close(e.ctx)
		}
	}
	e.main, e.plain = nil, nil
	return nil
}

// wazeroExportList is what the engine needs to know of a module's
// exports that wazero's CompiledModule does not tell: its mutable
// globals, in export order.
type wazeroExportList struct {
	globals []string // exported mutable globals but the meter's
}

func wazeroExports(code []byte) (wazeroExportList, error) {
	m, err := wasm.Parse(code)
	if err != nil {
		return wazeroExportList{}, err
	}
	var l wazeroExportList
	for _, ex := range m.Exports {
		if ex.Kind != wasm.KindGlobal || isMeterGlobal(ex.Name) {
			continue
		}
		if gt, ok := m.GlobalType(ex.Index); ok && gt.Mutable {
			l.globals = append(l.globals, ex.Name)
		}
	}
	return l, nil
}

// wazeroModule implements Module.
type wazeroModule struct {
	engine    *wazeroEngine
	rt        *wazeroRuntime
	compiled  wazero.CompiledModule
	names     []string // exported functions without parameters or results
	globals   []string
	instances int
	closed    bool
}

func (m *wazeroModule) Serialize() ([]byte, error) { return nil, ErrNotSerializable }

// wazeroModuleConfig: no name (any number of instances of a module may
// live in the runtime) and no start function (wazero would call
// "_start" otherwise; the instrumenter turned the start function into an
// export the VM calls).
var wazeroModuleConfig = sync.OnceValue(func() wazero.ModuleConfig {
	return wazero.NewModuleConfig().WithName("").WithStartFunctions()
})

func (m *wazeroModule) Instantiate() (Instance, error) {
	if m.closed {
		return nil, ErrClosed
	}
	ctx, hook := withWazeroMemory(m.engine.ctx)
	mod, err := m.rt.rt.InstantiateModule(ctx, m.compiled, wazeroModuleConfig())
	if err != nil {
		if hook.mem != nil {
			// wazero frees a memory when it closes its instance, which it
			// did not make.
			hook.mem.Free()
		}
		return nil, fmt.Errorf("vm: instantiate: %w", err)
	}
	inst := &wazeroInstance{module: m, mod: mod, mem: hook.mem, funcs: map[string]api.Function{}}
	for _, mg := range []struct {
		name string
		dst  *api.MutableGlobal
	}{{gasUsedExport, &inst.used}, {gasLimitExport, &inst.limit}, {depthExport, &inst.depth}} {
		g, ok := mod.ExportedGlobal(mg.name).(api.MutableGlobal)
		if !ok {
			_ = mod.Close(m.engine.ctx)
			return nil, fmt.Errorf("vm: instantiate: module is not instrumented: no mutable global %s", mg.name)
		}
		*mg.dst = g
	}
	inst.memory = mod.ExportedMemory(memoryExport)
	for _, name := range m.globals {
		if g, ok := mod.ExportedGlobal(name).(api.MutableGlobal); ok {
			inst.globals = append(inst.globals, g)
		}
	}
	m.instances++
	return inst, nil
}

func (m *wazeroModule) Close() {
	if m.closed {
		return
	}
	m.closed = true
	_ = m.compiled.Close(m.engine.ctx)
	m.engine.modules--
}
