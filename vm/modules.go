package vm

import (
	"github.com/noded/noded/types"
)

// module is a contract's code, compiled once per process and kept for
// the process's life (wasmer leaks two mappings per module load, so a
// module is never compiled or loaded twice), with its idle instances.
type module struct {
	hash     types.Hash // SHA-256 of the original code, as the chain stores it
	key      string     // compiled-module cache key
	compiled Module
	reusable bool       // see prepared.reusable
	image    *Snapshot  // the initial memory (data segments), if prepare took them out of the code
	snap     *Snapshot  // the state of every instance after start and _initialize, taken once
	idle     []Instance // instantiated, started, snapshotted, ready for a call
}

// module returns the compiled module of code, whose SHA-256 is hash,
// preparing and compiling it (or loading it from the code cache) on the
// first use.
func (v *VM) module(hash types.Hash, code []byte) (*module, *ExecError) {
	if m, ok := v.modules[hash]; ok {
		return m, nil
	}
	p, err := v.prepare(code)
	if err != nil {
		return nil, invalidCode(err)
	}
	key := cacheKey(p.code, v.engine.Name(), v.opts.Schedule.Version)
	compiled, err := v.compile(key, p.code)
	if err != nil {
		return nil, &ExecError{Kind: KindInvalidCode, Message: "the engine rejected the module"}
	}
	m := &module{hash: hash, key: key, compiled: compiled, reusable: p.reusable}
	if p.image != nil {
		m.image = &Snapshot{Memory: p.image}
	}
	v.modules[hash] = m
	return m, nil
}

// compile loads the compiled module from the code cache or compiles it
// and stores it there.
func (v *VM) compile(key string, instrumented []byte) (Module, error) {
	if c := v.opts.CodeCache; c != nil {
		if data, ok := c.Get(key); ok {
			if m, err := v.engine.Load(data); err == nil {
				v.stats.CacheLoads++
				return m, nil
			}
		}
	}
	m, err := v.engine.Compile(instrumented)
	if err != nil {
		return nil, err
	}
	v.stats.Compiles++
	if c := v.opts.CodeCache; c != nil {
		if data, err := m.Serialize(); err == nil {
			c.Put(key, data)
		}
	}
	return m, nil
}

// release returns an instance after a successful call: restored to its
// state after start and kept, or closed.
func (v *VM) release(m *module, inst Instance) {
	if v.reuse && m.reusable && m.snap != nil && len(m.idle) < maxIdleInstances && inst.Restore(m.snap) {
		m.idle = append(m.idle, inst)
		return
	}
	inst.Close()
}

// snapshot takes the module's snapshot from a just-initialised instance,
// the first time. The start function and _initialize cannot call the
// chain and see WASI's init environment, so every instance of a module
// is in this same state after them.
func (v *VM) snapshot(m *module, inst Instance) {
	if m.snap == nil && v.reuse && m.reusable {
		m.snap = inst.Snapshot()
		if m.image != nil {
			// From now on only a deploy of the same code starts from the
			// initial image: copying it is fast enough for that.
			m.image.Release()
			m.image.fast = noImage{}
		}
	}
}
