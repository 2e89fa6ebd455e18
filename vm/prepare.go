package vm

import (
	"errors"
	"strconv"

	"github.com/noded/noded/vm/instrument"
	"github.com/noded/noded/vm/wasm"
)

// prepared is a contract's code made ready for an engine.
type prepared struct {
	code []byte // instrumented
	// reusable: an instance can be restored to its state after start by
	// Instance.Restore alone. It needs every mutable global exported and
	// no passive data segment (data.drop would persist).
	reusable bool
}

// prepare parses code, validates it against the limits and the ABI, and
// instruments it for gas. It is deterministic and does not touch the
// engine; every error wraps wasm.ErrInvalid.
func (v *VM) prepare(code []byte) (prepared, error) {
	m, err := wasm.Parse(code)
	if err != nil {
		return prepared{}, err
	}
	if err := wasm.Validate(m, v.opts.Limits, v.allowImport); err != nil {
		return prepared{}, err
	}
	im, err := instrument.Instrument(m, instrument.Config{
		Costs:          v.opts.Schedule.costs(),
		MaxStackWeight: v.opts.Schedule.Instructions.MaxStackWeight,
		MaxMemoryPages: v.opts.Limits.MaxMemoryPages,
	})
	if err != nil {
		return prepared{}, err
	}
	reusable := exportMutableGlobals(im)
	for _, d := range im.Data {
		if d.Passive {
			reusable = false
		}
	}
	return prepared{code: im.Encode(), reusable: reusable}, nil
}

// exportMutableGlobals exports every mutable global the module defines
// and does not export yet, as noded_global_<index>, so that a kept
// instance's globals can be restored between calls. It reports whether
// all could be.
func exportMutableGlobals(m *wasm.Module) bool {
	exported := map[uint32]bool{}
	names := map[string]bool{}
	for _, e := range m.Exports {
		names[e.Name] = true
		if e.Kind == wasm.KindGlobal {
			exported[e.Index] = true
		}
	}
	base := m.NumImported(wasm.KindGlobal)
	for i, g := range m.Globals {
		idx := base + uint32(i)
		if !g.Type.Mutable || exported[idx] {
			continue
		}
		name := "noded_global_" + strconv.FormatUint(uint64(idx), 10)
		if names[name] {
			return false
		}
		m.Exports = append(m.Exports, wasm.Export{Name: name, Kind: wasm.KindGlobal, Index: idx})
	}
	return true
}

// errNotInABI is wrapped by the error of an import outside ABI v1.
var errNotInABI = errors.New("not a host function of ABI v1")

// allowImport accepts exactly the host functions of the ABI, with their
// signatures.
func (v *VM) allowImport(module, name string, typ wasm.FuncType) error {
	if module != abiModule {
		return errNotInABI
	}
	for _, f := range v.abi {
		if f.name != name {
			continue
		}
		if !typ.Equal(wasmFuncType(f)) {
			return errors.New("ABI v1 declares it " + wasmFuncType(f).String())
		}
		return nil
	}
	return errNotInABI
}

func wasmFuncType(f hostFn) wasm.FuncType {
	conv := func(ts []ValueType) []wasm.ValType {
		out := make([]wasm.ValType, len(ts))
		for i, t := range ts {
			out[i] = wasm.I32
			if t == I64 {
				out[i] = wasm.I64
			}
		}
		return out
	}
	return wasm.FuncType{Params: conv(f.params), Results: conv(f.results)}
}
