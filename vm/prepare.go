package vm

import (
	"errors"
	"fmt"
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
	// image is the initial memory with the active data segments applied,
	// when they were taken out of code: a reusable module's instances get
	// their memory from Instance.Restore (copying 20,000 segments of a Go
	// module at each instantiation cost wasmer ~2 ms).
	image []byte
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
	image, err := initialMemory(m)
	if err != nil {
		return prepared{}, err
	}
	if err := checkElements(m); err != nil {
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
	if !reusable || im.HasDataCount {
		image = nil // the code keeps its segments
	}
	if image != nil {
		im.Data = nil
	}
	return prepared{code: im.Encode(), reusable: reusable, image: image}, nil
}

// initialMemory returns memory 0 as instantiation leaves it: its initial
// pages with the active data segments copied in, in order. A segment
// outside them would fail every instantiation, so the module is refused.
// It returns nil if the module has no memory or a segment's offset is not
// a constant.
func initialMemory(m *wasm.Module) ([]byte, error) {
	if len(m.Memories) == 0 {
		return nil, nil
	}
	size := uint64(m.Memories[0].Limits.Min) * wasmPageSize
	var img []byte
	for i, d := range m.Data {
		if d.Passive {
			continue
		}
		if d.Offset.Op != wasm.OpI32Const {
			return nil, nil
		}
		off := uint64(uint32(d.Offset.Value))
		if end := off + uint64(len(d.Init)); end > size {
			return nil, fmt.Errorf("%w: data segment %d at [%d, %d) is outside the initial memory of %d bytes", wasm.ErrInvalid, i, off, end, size)
		}
		if img == nil {
			img = make([]byte, size)
		}
		copy(img[off:], d.Init)
	}
	if img == nil {
		img = make([]byte, size)
	}
	return img, nil
}

// checkElements refuses an element segment outside the table's initial
// size: it would fail every instantiation.
func checkElements(m *wasm.Module) error {
	size := uint64(0)
	if len(m.Tables) > 0 {
		size = uint64(m.Tables[0].Limits.Min)
	}
	for i, e := range m.Elements {
		if e.Offset.Op != wasm.OpI32Const {
			continue
		}
		off := uint64(uint32(e.Offset.Value))
		if end := off + uint64(len(e.Funcs)); end > size {
			return fmt.Errorf("%w: element segment %d at [%d, %d) is outside the table of %d elements", wasm.ErrInvalid, i, off, end, size)
		}
	}
	return nil
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

// allowImport accepts exactly the host functions of the ABI and of WASI
// preview 1, with their signatures.
func (v *VM) allowImport(module, name string, typ wasm.FuncType) error {
	if module != abiModule && module != wasiModule {
		return errNotInABI
	}
	for _, f := range v.abi {
		if f.module != module || f.name != name {
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
