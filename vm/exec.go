package vm

import (
	"context"

	"github.com/noded/noded/types"
)

// execution is the state of one Deploy or Call, from its outermost call
// to the last nested one. Only the goroutine running it touches it, but
// for stop, which the context's AfterFunc may call from another.
type execution struct {
	v      *VM
	host   Host
	env    *Env
	frames []*frame // frames[len-1] is the running call
	events []types.Event
	logs   []string
	stop   stopper
	fatal  *ExecError // a timeout or internal error: every frame fails with it
	seq    uint64     // calls started so far (deploy's init included): the next frame's seq
}

// frame is one contract call in an execution.
type frame struct {
	mod       *module
	inst      Instance
	caller    types.Address
	self      types.Address
	value     types.Amount
	input     []byte
	limit     uint64 // gas the call may use
	start     bool   // running noded_start or _initialize: ABI calls are refused, WASI sees the init environment
	seq       uint64 // the call's number in the execution, from 0 (seeds its WASI random stream)
	wasi      wasiState
	trapPrice uint32 // gas per slot of stack weight unwound by a trap
	ret       []byte // set by return_data; the revert data after revert
	sub       []byte // the last sub-call's return or revert data
	err       *ExecError
	errGas    uint64 // gas used when err was set, trap price included
}

// outcome is what a call produced.
type outcome struct {
	gas uint64
	ret []byte
	err *ExecError
}

func newExecution(ctx context.Context, v *VM, h Host, env *Env) (*execution, func()) {
	ex := &execution{v: v, host: h, env: env}
	v.exec = ex
	release := func() { v.exec = nil }
	if ctx.Done() == nil {
		return ex, release
	}
	if ctx.Err() != nil {
		ex.stop.stop()
		return ex, release
	}
	unregister := context.AfterFunc(ctx, ex.stop.stop)
	return ex, func() { unregister(); v.exec = nil }
}

// top is the running frame.
func (ex *execution) top() *frame { return ex.frames[len(ex.frames)-1] }

// call runs method of contract for caller, moving value first, with at
// most gas. Its state changes and events are undone if it fails.
func (ex *execution) call(caller, contract types.Address, method string, input []byte, value *types.Amount, gas uint64) outcome {
	if len(ex.frames) >= ex.v.opts.MaxCallDepth {
		return outcome{err: &ExecError{Kind: KindDepth, Message: depthMessage(ex.v.opts.MaxCallDepth)}}
	}
	sp, evMark := ex.host.Savepoint(), len(ex.events)
	out := ex.callNoRollback(caller, contract, method, input, value, gas)
	if out.err != nil {
		ex.host.RollbackTo(sp)
		ex.events = ex.events[:evMark]
	}
	return out
}

func (ex *execution) callNoRollback(caller, contract types.Address, method string, input []byte, value *types.Amount, gas uint64) outcome {
	if err := ex.transfer(caller, contract, value); err != nil {
		return outcome{err: err}
	}
	m, xerr := ex.contractModule(contract)
	if xerr != nil {
		return outcome{err: xerr}
	}
	if !callable(method) {
		return outcome{err: noMethod(method)}
	}
	inst, xerr := ex.instance(m)
	if xerr != nil {
		return outcome{err: xerr}
	}
	if !inst.HasFunc(method) {
		ex.v.release(m, inst)
		return outcome{err: noMethod(method)}
	}
	f := &frame{mod: m, inst: inst, caller: caller, self: contract, value: *value, input: input, limit: gas, seq: ex.nextSeq()}
	return ex.finish(f, ex.run(f, method, 0))
}

// contractModule returns the module of the contract at addr, reading
// its code only if the module is not loaded yet and the Host cannot give
// the code's hash alone.
func (ex *execution) contractModule(addr types.Address) (*module, *ExecError) {
	if ch, ok := ex.host.(CodeHasher); ok {
		hash, err := ch.CodeHash(addr)
		if err != nil {
			return nil, ex.internal("code hash", err)
		}
		if hash.IsZero() {
			return nil, &ExecError{Kind: KindNoContract, Message: "no contract at " + addr.String()}
		}
		if m, ok := ex.v.modules[hash]; ok {
			return m, nil
		}
	}
	code, hash, err := ex.host.Code(addr)
	if err != nil {
		return nil, ex.internal("code", err)
	}
	if code == nil {
		return nil, &ExecError{Kind: KindNoContract, Message: "no contract at " + addr.String()}
	}
	return ex.v.module(hash, code)
}

// transfer moves value from one account to another before a call.
func (ex *execution) transfer(from, to types.Address, value *types.Amount) *ExecError {
	if value.IsZero() {
		return nil
	}
	if err := ex.host.Transfer(from, to, value); err != nil {
		if isInsufficient(err) {
			return &ExecError{Kind: KindInsufficientBalance, Message: "value " + value.Dec() + " exceeds the balance of " + from.String()}
		}
		return ex.internal("transfer", err)
	}
	return nil
}

// nextSeq numbers a call of the execution.
func (ex *execution) nextSeq() uint64 {
	n := ex.seq
	ex.seq++
	return n
}

// instance returns an idle instance of m, or a new one in the state of
// m's snapshot. A module's first instance (in this process) runs the
// start function and _initialize with MaxGas, uncharged, then gives the
// snapshot: they cannot call the chain (ABI calls are refused, WASI
// answers from the code alone), so they do at every instantiation what
// they did, and were charged for, at deploy. Later instances are
// restored from the snapshot instead of running them again.
func (ex *execution) instance(m *module) (Instance, *ExecError) {
	if n := len(m.idle); n > 0 {
		inst := m.idle[n-1]
		m.idle = m.idle[:n-1]
		ex.v.stats.InstancesReused++
		return inst, nil
	}
	useSnap := m.snap != nil && ex.v.reuse
	inst, xerr := ex.v.newInstance(m, useSnap)
	if xerr != nil || useSnap {
		return inst, xerr
	}
	f := &frame{mod: m, inst: inst, limit: MaxGas}
	if out := ex.initialize(f); out.err != nil {
		inst.Close()
		return nil, out.err
	}
	ex.v.snapshot(m, inst)
	return inst, nil
}

// initialize runs the start function and then _initialize, if the module
// exports them, in f, and returns their gas in all.
func (ex *execution) initialize(f *frame) outcome {
	f.start = true
	defer func() { f.start, f.wasi = false, wasiState{} }()
	var out outcome
	for _, name := range []string{startExport, initializeExport} {
		if !f.inst.HasFunc(name) {
			continue
		}
		if out = ex.run(f, name, out.gas); out.err != nil {
			return out
		}
	}
	return out
}

// run calls export in f's instance with f.limit gas, used already spent,
// and classifies the result. It does not release the instance.
func (ex *execution) run(f *frame, export string, used uint64) outcome {
	f.inst.SetMeter(used, f.limit, 0)
	f.trapPrice = ex.v.opts.Schedule.Instructions.TrapPerStackWeight
	ex.frames = append(ex.frames, f)
	var trap error
	if ex.stop.enter(f.inst) {
		trap = f.inst.Call(export)
		ex.stop.leave()
		ex.flushOutput(f)
	} else {
		ex.setFatal(timeoutError())
	}
	ex.frames = ex.frames[:len(ex.frames)-1]
	switch {
	case ex.fatal != nil:
		return outcome{gas: f.limit, err: ex.fatal}
	case f.err != nil:
		return outcome{gas: f.errGas, ret: f.ret, err: f.err}
	}
	used = f.inst.GasUsed()
	if trap == nil {
		return outcome{gas: used, ret: f.ret}
	}
	if ex.stop.stopped() {
		ex.setFatal(timeoutError())
		return outcome{gas: f.limit, err: ex.fatal}
	}
	if used > f.limit {
		return outcome{gas: f.limit, err: &ExecError{Kind: KindOutOfGas}}
	}
	depth := f.inst.Depth()
	gas := f.trapGas(used, depth)
	if depth > ex.v.opts.Schedule.Instructions.MaxStackWeight {
		return outcome{gas: gas, err: &ExecError{Kind: KindTrap, Message: TrapStackOverflow.String()}}
	}
	err := trapError(trap)
	if f.wasi.fatal != "" {
		// Go's runtime wrote why it gave up before trapping.
		err.Message += " after " + f.wasi.fatal
	}
	return outcome{gas: gas, err: err}
}

// finish releases f's instance after a call: kept for reuse after a
// success, closed after a failure.
func (ex *execution) finish(f *frame, out outcome) outcome {
	if out.err == nil {
		ex.v.release(f.mod, f.inst)
	} else {
		f.inst.Close()
	}
	return out
}

// fail ends f's call with err: the code traps at its next metered
// segment, and host calls are refused until then.
func (f *frame) fail(err *ExecError) {
	if f.err != nil {
		return
	}
	f.err = err
	f.errGas = f.limit
	if err.Kind != KindOutOfGas {
		f.errGas = f.trapGas(f.inst.GasUsed(), f.inst.Depth())
	}
	f.inst.StopMeter()
}

// trapGas adds the price of unwinding a stack of weight depth to used,
// at most the limit.
func (f *frame) trapGas(used uint64, depth uint32) uint64 {
	per := uint64(f.trapPrice)
	return min(f.limit, satAdd(used, satMul(per, uint64(depth))))
}

// setFatal records a timeout or internal error that ends the execution.
func (ex *execution) setFatal(err *ExecError) {
	if ex.fatal == nil {
		ex.fatal = err
	}
}

// internal records a Host failure as the execution's fatal error.
func (ex *execution) internal(op string, err error) *ExecError {
	ex.setFatal(&ExecError{Kind: KindInternal, Message: "host " + op + ": " + err.Error(), cause: err})
	return ex.fatal
}
