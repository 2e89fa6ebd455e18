package instrument

import (
	"fmt"

	"github.com/noded/noded/vm/wasm"
)

// Instrument returns a copy of m rewritten for metered, deterministic
// execution (see the package documentation). m should have passed
// wasm.Validate; m itself is not modified, though the copy shares the
// parts it did not change. Errors about the module wrap wasm.ErrInvalid;
// errors about cfg wrap ErrConfig.
func Instrument(m *wasm.Module, cfg Config) (*wasm.Module, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	for _, e := range m.Exports {
		switch e.Name {
		case GasUsedExport, GasLimitExport, DepthExport, StartExport:
			return nil, fmt.Errorf("%w: export name %q is reserved", wasm.ErrInvalid, e.Name)
		}
	}
	out := *m
	out.Customs = nil // not executed; names would only cost storage

	// The meter's globals go after the module's own, so no index moves.
	base := m.NumImported(wasm.KindGlobal) + uint32(len(m.Globals))
	g := globals{used: base, limit: base + 1, depth: base + 2}
	out.Globals = append(append([]wasm.Global(nil), m.Globals...),
		wasm.Global{Type: wasm.GlobalType{Type: wasm.I64, Mutable: true}, Init: wasm.ConstExpr{Op: wasm.OpI64Const}},
		wasm.Global{Type: wasm.GlobalType{Type: wasm.I64, Mutable: true}, Init: wasm.ConstExpr{Op: wasm.OpI64Const}},
		wasm.Global{Type: wasm.GlobalType{Type: wasm.I32, Mutable: true}, Init: wasm.ConstExpr{Op: wasm.OpI32Const}},
	)
	out.Exports = append(append([]wasm.Export(nil), m.Exports...),
		wasm.Export{Name: GasUsedExport, Kind: wasm.KindGlobal, Index: g.used},
		wasm.Export{Name: GasLimitExport, Kind: wasm.KindGlobal, Index: g.limit},
		wasm.Export{Name: DepthExport, Kind: wasm.KindGlobal, Index: g.depth},
	)
	if m.HasStart {
		out.HasStart, out.Start = false, 0
		out.Exports = append(out.Exports, wasm.Export{Name: StartExport, Kind: wasm.KindFunc, Index: m.Start})
	}

	if len(m.Memories) > 0 {
		out.Memories = append([]wasm.Memory(nil), m.Memories...)
		for i := range out.Memories {
			l := &out.Memories[i].Limits
			if l.Min > cfg.MaxMemoryPages {
				return nil, fmt.Errorf("%w: memory %d: initial size %d pages, limit %d", wasm.ErrLimit, i, l.Min, cfg.MaxMemoryPages)
			}
			if !l.HasMax || l.Max > cfg.MaxMemoryPages {
				l.HasMax, l.Max = true, cfg.MaxMemoryPages
			}
		}
	}

	rw, err := newRewriter(&out, cfg, g)
	if err != nil {
		return nil, err
	}
	out.Code = make([]wasm.Code, len(m.Code))
	for i := range m.Code {
		if out.Code[i], err = rw.function(uint32(i), &m.Code[i]); err != nil {
			return nil, err
		}
	}
	out.Types = rw.types // with the block types rw added, if any
	return &out, nil
}

// InstrumentBinary parses code, instruments it and encodes the result.
// It does not run wasm.Validate: do that first on the parsed module when
// the code comes from outside.
func InstrumentBinary(code []byte, cfg Config) ([]byte, error) {
	m, err := wasm.Parse(code)
	if err != nil {
		return nil, err
	}
	out, err := Instrument(m, cfg)
	if err != nil {
		return nil, err
	}
	return out.Encode(), nil
}
