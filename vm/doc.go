// Package vm runs WebAssembly contracts under gas: it validates and
// instruments code at deploy, runs calls against the chain's state through
// the Host interface, and implements the host ABI v1 (docs/abi.md).
//
// The order of calls:
//
//	v, err := vm.New(vm.NewWasmerEngine(), vm.Options{CodeCache: cache})
//	res := v.Deploy(ctx, host, env, deployer, addr, code, initInput, value, gas)
//	res = v.Call(ctx, host, env, vm.CallRequest{...})
//	err = v.Validate(code)  // RPC pre-check, no execution
//	v.Close()
//
// Determinism. Gas is counted by the instrumented code itself
// (vm/instrument), so it is identical on every engine and machine; the
// host functions charge their prices (Schedule) into the same meter
// before doing any work. Failures are ExecErrors whose kind, message and
// gas are the same on every node, except KindTimeout and KindInternal,
// which are node-local.
//
// Engines. Engine is the boundary with a WebAssembly runtime; the wasmer
// implementation (engine_wasmer*.go) is the first, and the conformance
// tests are written against the interface so that a second one (wazero)
// runs them unchanged. Host functions are created once per engine; which
// call they serve is the execution's running frame, switched as calls
// nest (call_contract) and return. A host function never fails towards
// the engine: it records the error in its frame and sets the limit global
// to 0, so the code traps at its next gas check (every loop head, call and exit).
//
// Modules and instances. Each code hash is prepared (validated,
// instrumented, its data segments taken out into an initial memory
// image) and compiled, or loaded from the CodeCache, once per process
// and kept: wasmer leaks two mappings per module load. The first
// instance of a module runs the start function and _initialize and gives
// the module's snapshot (memory and mutable globals, which prepare
// exports for this); every later instance is restored from it rather
// than initialised again. After a successful call an instance is
// restored to the snapshot and kept for the next call; an instance that
// trapped or whose memory grew is closed. A re-entrant call gets a
// second instance. The wasmer engine restores a large memory by copying
// back only the pages the call wrote (engine_wasmer_mem.go): the one
// place where the package touches the operating system beyond the engine
// (a memfd holding the snapshot, mapped copy-on-write, and the process's
// own page map, /proc/self/pagemap). Neither can change a result: if
// either fails, memory is restored by copying it whole.
//
// Go contracts. A module built by the standard Go toolchain (GOOS=wasip1,
// -buildmode=c-shared) imports WASI functions besides ABI v1; the VM
// answers them itself, deterministically (host_wasi.go): time is the
// block's, randomness comes from the transaction hash, output goes to
// the debug log. _initialize, Go's runtime and package initialisation,
// runs once per instance before any method, like a start function:
// charged at deploy, and uncharged when the node makes an instance,
// since it cannot see the chain (ABI calls are refused, WASI answers
// from the code alone). Calls are charged their own work only.
//
// Time. The VM never reads the clock: a call stops when its context is
// done (context.AfterFunc sets the limit global of the running instances
// to 0) and fails with KindTimeout.
//
// Concurrency. A VM is safe for concurrent use: one mutex serialises
// Deploy and Call (an RPC query waits for the block being executed), and
// Validate does not take it.
package vm
