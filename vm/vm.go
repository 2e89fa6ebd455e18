package vm

import (
	"context"
	"errors"
	"sync"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// VM runs contracts. It is safe for concurrent use: one mutex serialises
// every Deploy and Call (the engine's store is single-threaded and the
// host functions serve one call at a time), so an RPC query waits for
// the block being executed and the other way round. Validate does not
// take the lock.
type VM struct {
	mu      sync.Mutex
	engine  Engine
	opts    Options
	abi     []hostFn
	modules map[types.Hash]*module // by SHA-256 of the original code, for the process's life
	exec    *execution             // the running Deploy or Call, nil between them
	reuse   bool                   // keep instances between calls (see release)
	stats   Stats
	closed  bool
}

// Stats counts what the VM did since New. The numbers are node-local.
type Stats struct {
	Compiles        uint64 // modules compiled by the engine
	CacheLoads      uint64 // modules loaded from the CodeCache
	Modules         uint64 // modules kept
	Instances       uint64 // instances made
	InstancesReused uint64 // calls served by a kept instance
}

// New returns a VM that runs contracts on engine, which it takes over:
// VM.Close closes it.
func New(engine Engine, opts Options) (*VM, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	v := &VM{engine: engine, opts: opts, abi: hostTable(), modules: map[types.Hash]*module{}, reuse: true}
	if err := engine.Bind(hostFuncs(v.abi), dispatcher{v}); err != nil {
		return nil, err
	}
	return v, nil
}

// Schedule returns the gas schedule in force.
func (v *VM) Schedule() Schedule { return v.opts.Schedule }

// Stats returns the VM's counters.
func (v *VM) Stats() Stats {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.stats
	s.Modules = uint64(len(v.modules))
	return s
}

// Validate checks code as Deploy would, without running it: for RPC
// pre-checks. A rejected module's error matches ErrInvalidCode and wraps
// the vm/wasm error.
func (v *VM) Validate(code []byte) error {
	if _, err := v.prepare(code); err != nil {
		return invalidCode(err)
	}
	return nil
}

// LoadCode validates, instruments and compiles code (or loads it from
// the CodeCache), as the first Deploy or Call of it would, without
// running anything. Compiling a Go contract takes seconds, which must not
// count against the time limit of the transaction that first runs it: a
// caller with a deadline loads the code first, then makes its context.
// An error says why a deploy of code would fail.
func (v *VM) LoadCode(code []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return ErrClosed
	}
	if _, xerr := v.module(types.Hash(crypto.Sum256(code)), code); xerr != nil {
		return xerr
	}
	return nil
}

// Load is LoadCode for the contract at addr, reading its code from h
// only if its module is not loaded yet. It is a no-op for an address
// without a contract.
func (v *VM) Load(h Host, addr types.Address) error {
	if ch, ok := h.(CodeHasher); ok {
		hash, err := ch.CodeHash(addr)
		if err != nil || hash.IsZero() {
			return err
		}
		v.mu.Lock()
		_, loaded := v.modules[hash]
		v.mu.Unlock()
		if loaded {
			return nil
		}
	}
	code, _, err := h.Code(addr)
	if err != nil || code == nil {
		return err
	}
	return v.LoadCode(code)
}

// Call runs req.Method of req.Contract. It never panics on contract
// behaviour; see Result for what it returns.
func (v *VM) Call(ctx context.Context, h Host, env *Env, req CallRequest) Result {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return Result{Err: &ExecError{Kind: KindInternal, Message: "vm closed", cause: ErrClosed}}
	}
	ex, done := newExecution(ctx, v, h, env)
	defer done()
	out := ex.call(req.Caller, req.Contract, req.Method, req.Input, &req.Value, min(req.Gas, MaxGas))
	return ex.result(out)
}

// Deploy creates a contract at addr with code: it charges the deploy
// price, validates and instruments the code (a rejected module fails
// with KindInvalidCode, costing what was charged), moves value from
// deployer to addr, stores the original code with h.SetCode and runs the
// start function and the init export (with initInput), if present. A
// failed deploy leaves no state change.
func (v *VM) Deploy(ctx context.Context, h Host, env *Env, deployer types.Address, addr types.Address, code, initInput []byte, value types.Amount, gas uint64) Result {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return Result{Err: &ExecError{Kind: KindInternal, Message: "vm closed", cause: ErrClosed}}
	}
	gas = min(gas, MaxGas)
	s := &v.opts.Schedule
	cost := satAdd(s.Deploy, satMul(s.DeployPerByte, uint64(len(code))))
	if cost > gas {
		return Result{GasUsed: gas, Err: &ExecError{Kind: KindOutOfGas}}
	}
	ex, done := newExecution(ctx, v, h, env)
	defer done()
	sp, evMark := h.Savepoint(), len(ex.events)
	out := ex.deploy(deployer, addr, code, initInput, &value, gas-cost)
	out.gas += cost
	if out.err != nil {
		h.RollbackTo(sp)
		ex.events = ex.events[:evMark]
	}
	return ex.result(out)
}

func (ex *execution) deploy(deployer, addr types.Address, code, initInput []byte, value *types.Amount, gas uint64) outcome {
	m, xerr := ex.v.module(types.Hash(crypto.Sum256(code)), code)
	if xerr != nil {
		return outcome{err: xerr}
	}
	if err := ex.transfer(deployer, addr, value); err != nil {
		return outcome{err: err}
	}
	if err := ex.host.SetCode(addr, code); err != nil {
		return outcome{err: ex.internal("set code", err)}
	}
	// A fresh instance, so that the start function and _initialize are
	// charged on every deploy alike.
	inst, xerr := ex.v.newInstance(m, false)
	if xerr != nil {
		return outcome{err: xerr}
	}
	f := &frame{mod: m, inst: inst, caller: deployer, self: addr, value: *value, input: initInput, limit: gas}
	out := ex.initialize(f)
	if out.err != nil {
		return ex.finish(f, out)
	}
	ex.v.snapshot(m, inst)
	if inst.HasFunc(initExport) {
		f.seq = ex.nextSeq()
		out = ex.run(f, initExport, out.gas)
	}
	return ex.finish(f, out)
}

// newInstance instantiates m and sets its memory: from m's snapshot if
// fromSnapshot, else from its initial image (the data segments, which
// prepare took out of the compiled code). A failure is node-local.
func (v *VM) newInstance(m *module, fromSnapshot bool) (Instance, *ExecError) {
	inst, err := m.compiled.Instantiate()
	if err != nil {
		return nil, &ExecError{Kind: KindInternal, Message: "instantiation failed: " + err.Error(), cause: err}
	}
	v.stats.Instances++
	s := m.image
	if fromSnapshot {
		s = m.snap
	}
	if s != nil && !inst.Restore(s) {
		inst.Close()
		err := errors.New("vm: could not set a new instance's memory")
		return nil, &ExecError{Kind: KindInternal, Message: err.Error(), cause: err}
	}
	return inst, nil
}

// result is the Result of an execution whose outermost call ended with
// out.
func (ex *execution) result(out outcome) Result {
	r := Result{GasUsed: out.gas, Logs: ex.logs}
	if out.err != nil {
		r.Err = out.err
		if out.err.Kind == KindRevert {
			r.ReturnData = out.ret
		}
		return r
	}
	r.ReturnData, r.Events = out.ret, ex.events
	return r
}

// Close closes every kept instance and module, then the engine. Calls
// after Close fail with KindInternal.
func (v *VM) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	for _, m := range v.modules {
		for _, inst := range m.idle {
			inst.Close()
		}
		m.idle = nil
		m.compiled.Close()
		for _, s := range []*Snapshot{m.snap, m.image} {
			if s != nil {
				s.Release()
			}
		}
	}
	v.modules = nil
	return v.engine.Close()
}
