//go:build cgo

package instrument

import (
	"errors"
	"runtime"
	"testing"

	"github.com/noded/noded/vm/wasm"
	"github.com/wasmerio/wasmer-go/wasmer"
)

// The package's tests run modules, before and after instrumentation,
// under wasmer, which needs cgo: their files are built with cgo only.

// One engine for the package's tests: engines are costly and wasmer-go
// frees them only by finalizer.
var engine = wasmer.NewEngine()

// instance is a wasmer instance of a module, with the meter's globals.
type instance struct {
	store              *wasmer.Store
	mod                *wasmer.Module
	inst               *wasmer.Instance
	used, limit, depth *wasmer.Global
}

// watModule compiles WAT to a parsed module.
func watModule(t testing.TB, wat string) *wasm.Module {
	t.Helper()
	bin, err := wasmer.Wat2Wasm(wat)
	if err != nil {
		t.Fatalf("wat: %v", err)
	}
	m, err := wasm.Parse(bin)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

// newInstance instantiates code under wasmer. If metered, it looks up the
// meter's globals.
func newInstance(t testing.TB, code []byte, metered bool, imports *wasmer.ImportObject) *instance {
	t.Helper()
	in, err := tryInstance(code, metered, imports)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.close)
	return in
}

func tryInstance(code []byte, metered bool, imports *wasmer.ImportObject) (*instance, error) {
	in := &instance{store: wasmer.NewStore(engine)}
	var err error
	if in.mod, err = wasmer.NewModule(in.store, code); err != nil {
		in.store.Close()
		return nil, err
	}
	if imports == nil {
		imports = wasmer.NewImportObject()
	}
	if in.inst, err = wasmer.NewInstance(in.mod, imports); err != nil {
		in.mod.Close()
		in.store.Close()
		return nil, err
	}
	if metered {
		for name, g := range map[string]**wasmer.Global{GasUsedExport: &in.used, GasLimitExport: &in.limit, DepthExport: &in.depth} {
			if *g, err = in.inst.Exports.GetGlobal(name); err != nil {
				in.close()
				return nil, err
			}
		}
	}
	return in, nil
}

// close releases the instance, module and store in that order.
func (in *instance) close() {
	if in.inst != nil {
		in.inst.Close()
		in.inst = nil
	}
	if in.mod != nil {
		in.mod.Close()
		in.mod = nil
	}
	if in.store != nil {
		in.store.Close()
		in.store = nil
	}
	runtime.KeepAlive(in)
}

// call runs export name with args after resetting the meter to limit.
func (in *instance) call(t testing.TB, limit int64, name string, args ...any) (any, error) {
	t.Helper()
	if in.used != nil {
		in.reset(t, limit)
	}
	f, err := in.inst.Exports.GetFunction(name)
	if err != nil {
		t.Fatal(err)
	}
	return f(args...)
}

func (in *instance) reset(t testing.TB, limit int64) {
	t.Helper()
	if err := in.used.Set(int64(0), wasmer.I64); err != nil {
		t.Fatal(err)
	}
	if err := in.depth.Set(int32(0), wasmer.I32); err != nil {
		t.Fatal(err)
	}
	if err := in.limit.Set(limit, wasmer.I64); err != nil {
		t.Fatal(err)
	}
}

func (in *instance) gasUsed(t testing.TB) int64 {
	t.Helper()
	v, err := in.used.Get()
	if err != nil {
		t.Fatal(err)
	}
	return v.(int64)
}

func (in *instance) depthNow(t testing.TB) int32 {
	t.Helper()
	v, err := in.depth.Get()
	if err != nil {
		t.Fatal(err)
	}
	return v.(int32)
}

// metered instruments a WAT module with cfg and instantiates it.
func metered(t testing.TB, wat string, cfg Config) *instance {
	t.Helper()
	out, err := Instrument(watModule(t, wat), cfg)
	if err != nil {
		t.Fatalf("instrument: %v", err)
	}
	return newInstance(t, out.Encode(), true, nil)
}

func isTrap(err error) bool {
	var trap *wasmer.TrapError
	return errors.As(err, &trap)
}
