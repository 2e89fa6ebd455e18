//go:build cgo

package instrument

import (
	"math"
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"

	"github.com/noded/noded/vm/wasm"
)

// realisticGo is the kind of work a Go contract does: maps keyed by
// strings, a sort, byte formatting.
const realisticGo = `package main

import (
	"sort"
	"strconv"
)

var balances = map[string]uint64{}

//go:wasmexport work
func work(n int32) int64 {
	for i := int32(0); i < n; i++ {
		k := "acct" + strconv.Itoa(int(i%97))
		balances[k] += uint64(i)
	}
	keys := make([]string, 0, len(balances))
	for k := range balances {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sum int64
	for _, k := range keys {
		sum += int64(balances[k] % 1000)
	}
	return sum
}

func main() {}
`

// goInstance instantiates a Go-built module with wasmer's WASI.
func goInstance(b *testing.B, code []byte, metered bool) *instance {
	b.Helper()
	in := &instance{store: wasmer.NewStore(engine)}
	var err error
	if in.mod, err = wasmer.NewModule(in.store, code); err != nil {
		b.Fatal(err)
	}
	wasi, err := wasmer.NewWasiStateBuilder("contract").Finalize()
	if err != nil {
		b.Fatal(err)
	}
	imports, err := wasi.GenerateImportObject(in.store, in.mod)
	if err != nil {
		b.Fatal(err)
	}
	if in.inst, err = wasmer.NewInstance(in.mod, imports); err != nil {
		b.Fatal(err)
	}
	if metered {
		for name, g := range map[string]**wasmer.Global{GasUsedExport: &in.used, GasLimitExport: &in.limit, DepthExport: &in.depth} {
			if *g, err = in.inst.Exports.GetGlobal(name); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Cleanup(in.close)
	if _, err := in.call(b, math.MaxInt64/2, "_initialize"); err != nil {
		b.Fatal(err)
	}
	return in
}

// BenchmarkExecGo compares a realistic Go contract method (maps, strings,
// a sort) before and after instrumentation: the metering overhead a Go
// contract pays (ratio: the two in turn, see benchRatio).
func BenchmarkExecGo(b *testing.B) {
	code := buildGo(b, realisticGo)
	m, err := wasm.Parse(code)
	if err != nil {
		b.Fatal(err)
	}
	out, err := Instrument(m, Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name    string
		code    []byte
		metered bool
	}{{"original", code, false}, {"instrumented", out.Encode(), true}} {
		b.Run(v.name, func(b *testing.B) {
			in := goInstance(b, v.code, v.metered)
			for b.Loop() {
				if _, err := in.call(b, math.MaxInt64/2, "work", int32(2000)); err != nil {
					b.Fatal(err)
				}
			}
			if v.metered {
				b.ReportMetric(float64(in.gasUsed(b)), "gas/op")
			}
		})
	}
	b.Run("ratio", func(b *testing.B) {
		orig, instr := goInstance(b, code, false), goInstance(b, out.Encode(), true)
		call := func(in *instance) func() {
			return func() {
				if _, err := in.call(b, math.MaxInt64/2, "work", int32(2000)); err != nil {
					b.Fatal(err)
				}
			}
		}
		benchRatio(b, call(orig), call(instr))
	})
}
