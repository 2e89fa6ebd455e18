package vm

import (
	"fmt"
	"math/bits"
)

// The host side of ABI v1 (docs/abi.md): the table of host functions and
// the dispatch of the engine's calls into them. The engine creates each
// function once; which contract call it serves is the execution's
// running frame, switched as calls nest and return.

// abiModule is the import module of the host functions of ABI v1;
// wasiModule that of the WASI functions the VM answers (host_wasi.go).
const (
	abiModule  = "env"
	wasiModule = "wasi_snapshot_preview1"
)

// hostFn is one host function of the ABI.
type hostFn struct {
	name    string
	params  []ValueType
	results []ValueType
	call    func(c *hostCall, a []uint64) (uint64, *ExecError)
	module  string // abiModule unless set
	// failed is what the function returns to the code when the call
	// fails: the code traps at its next gas check (every loop head, call and exit), until when a
	// WASI function answers with an error number rather than success.
	failed uint64
}

// envFn is a host function of ABI v1.
func envFn(name string, params, results []ValueType, call func(*hostCall, []uint64) (uint64, *ExecError)) hostFn {
	return hostFn{name: name, params: params, results: results, call: call, module: abiModule}
}

// hostTable is every function an instance can import: ABI v1, then WASI.
func hostTable() []hostFn {
	return append(abiV1(), wasiFuncs()...)
}

// Shorthands for the signatures below.
var (
	none = []ValueType{}
	i32  = []ValueType{I32}
	i64  = []ValueType{I64}
	i32s = func(n int) []ValueType {
		t := make([]ValueType, n)
		for i := range t {
			t[i] = I32
		}
		return t
	}
)

// abiV1 lists the host functions of ABI v1, in a fixed order.
func abiV1() []hostFn {
	return []hostFn{
		envFn("input_size", none, i32, hostInputSize),
		envFn("input_read", i32, none, hostInputRead),
		envFn("return_data", i32s(2), none, hostReturnData),
		envFn("revert", i32s(2), none, hostRevert),
		envFn("storage_read", i32s(4), i32, hostStorageRead),
		envFn("storage_write", i32s(4), none, hostStorageWrite),
		envFn("storage_delete", i32s(2), none, hostStorageDelete),
		envFn("caller", i32, none, hostCaller),
		envFn("self_address", i32, none, hostSelfAddress),
		envFn("value", i32, none, hostValue),
		envFn("block_height", none, i64, hostBlockHeight),
		envFn("block_time", none, i64, hostBlockTime),
		envFn("balance", i32s(2), none, hostBalance),
		envFn("transfer", i32s(2), i32, hostTransfer),
		envFn("emit_event", i32s(4), none, hostEmitEvent),
		envFn("call_contract", append(i32s(6), I64), i32, hostCallContract),
		envFn("return_data_size", none, i32, hostReturnDataSize),
		envFn("return_data_read", i32, none, hostReturnDataRead),
		envFn("sha256", i32s(3), none, hostSha256),
		envFn("debug_log", i32s(2), none, hostDebugLog),
		envFn("gas_left", none, i64, hostGasLeft),
	}
}

// hostFuncs returns the signatures of fns for Engine.Bind.
func hostFuncs(fns []hostFn) []HostFunc {
	out := make([]HostFunc, len(fns))
	for i, f := range fns {
		out[i] = HostFunc{Module: f.module, Name: f.name, Params: f.params, Results: f.results}
	}
	return out
}

// dispatcher is the VM's HostHandler.
type dispatcher struct{ v *VM }

func (d dispatcher) HandleHostCall(index int, args []uint64) (result uint64) {
	ex := d.v.exec
	f := ex.top()
	fn := &d.v.abi[index]
	switch {
	case ex.fatal != nil:
		f.fail(ex.fatal)
		return fn.failed
	case f.err != nil: // the call failed: refuse until the code traps
		return fn.failed
	case f.start && fn.module == abiModule:
		// The start function and _initialize run again, uncharged, each
		// time the node makes an instance: they must not see the chain.
		f.fail(hostError(fn.name, "not allowed in the start function or _initialize"))
		return fn.failed
	}
	defer func() {
		if p := recover(); p != nil { // a bug: never unwind through the engine
			f.fail(ex.internal(fn.name, fmt.Errorf("panic: %v", p)))
			result = fn.failed
		}
	}()
	c := hostCall{ex: ex, f: f, name: fn.name}
	r, err := fn.call(&c, args)
	if err != nil {
		f.fail(err)
		return fn.failed
	}
	return r
}

// hostCall is the context of one host function call.
type hostCall struct {
	ex   *execution
	f    *frame
	name string
	mem  []byte
}

// charge adds the host call base, fixed and perByte x n to the frame's
// gas, or fails with out of gas. Gas is charged before the work.
func (c *hostCall) charge(fixed, perByte, n uint64) *ExecError {
	s := &c.ex.v.opts.Schedule
	cost := satAdd(satAdd(s.HostCallBase, fixed), satMul(perByte, n))
	used := c.f.inst.GasUsed()
	if used > c.f.limit || cost > c.f.limit-used {
		return &ExecError{Kind: KindOutOfGas}
	}
	c.f.inst.SetGasUsed(used + cost)
	return nil
}

// bytePrice is the price of copying one byte between memory and host.
func (c *hostCall) bytePrice() uint64 { return c.ex.v.opts.Schedule.HostCallPerByte }

// length checks a length argument: a negative i32 is refused.
func (c *hostCall) length(what string, n uint64) (uint64, *ExecError) {
	if int32(uint32(n)) < 0 {
		return 0, hostError(c.name, "negative %s length %d", what, int32(uint32(n)))
	}
	return n, nil
}

// region returns the n bytes of memory at ptr, checking the bounds.
func (c *hostCall) region(what string, ptr, n uint64) ([]byte, *ExecError) {
	if int32(uint32(ptr)) < 0 {
		return nil, hostError(c.name, "negative %s pointer %d", what, int32(uint32(ptr)))
	}
	if int32(uint32(n)) < 0 {
		return nil, hostError(c.name, "negative %s length %d", what, int32(uint32(n)))
	}
	if c.mem == nil {
		c.mem = c.f.inst.Memory()
	}
	if ptr+n > uint64(len(c.mem)) {
		return nil, hostError(c.name, "%s [%d, %d) is outside memory of %d bytes", what, ptr, ptr+n, len(c.mem))
	}
	return c.mem[ptr : ptr+n : ptr+n], nil
}

// read returns a copy of n bytes of memory at ptr.
func (c *hostCall) read(what string, ptr, n uint64) ([]byte, *ExecError) {
	b, err := c.region(what, ptr, n)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// write copies data into memory at ptr.
func (c *hostCall) write(what string, ptr uint64, data []byte) *ExecError {
	b, err := c.region(what, ptr, uint64(len(data)))
	if err != nil {
		return err
	}
	copy(b, data)
	return nil
}

func satAdd(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return s
}

func satMul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}
