//go:build cgo

package instrument

import (
	"bytes"
	"math"
	"math/rand"
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"
)

// FuzzInstrument runs random valid modules (see genModule) before and
// after instrumentation under wasmer on the same arguments: both must
// return the same results, or both trap, leave the same memory, and the
// instrumented one must have used gas. The seeds give a few hundred
// modules.
func FuzzInstrument(f *testing.F) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		b := make([]byte, 40+r.Intn(400))
		r.Read(b)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		src, funcs := genModule(in)
		bin, err := wasmer.Wat2Wasm(src)
		if err != nil {
			t.Fatalf("generated WAT does not compile: %v\n%s", err, src)
		}
		m := watModule(t, src)
		out, err := Instrument(m, Config{})
		if err != nil {
			t.Fatalf("instrument: %v\n%s", err, src)
		}
		inst := out.Encode()
		pa, err := tryInstance(bin, false, nil)
		if err != nil {
			t.Fatalf("original: %v\n%s", err, src)
		}
		pb, err := tryInstance(inst, true, nil)
		if err != nil {
			t.Fatalf("instrumented module refused: %v\n%s", err, src)
		}
		defer func() { pa.close(); pb.close() }()
		for i, fn := range funcs {
			args := make([]any, len(fn.params))
			for j, p := range fn.params {
				v := int64(int8(in[(i*7+j)%len(in)])) * 3
				switch p {
				case "i32":
					args[j] = int32(v)
				case "i64":
					args[j] = v
				case "f32":
					args[j] = float32(v) / 2
				case "f64":
					args[j] = float64(v) / 2
				}
			}
			name := "f" + string(rune('0'+i))
			a, errA := pa.call(t, 0, name, args...)
			b, errB := pb.call(t, math.MaxInt64/2, name, args...)
			if (errA != nil) != (errB != nil) {
				t.Fatalf("%s: original %v, %v; instrumented %v, %v\n%s", name, a, errA, b, errB, src)
			}
			if errA == nil && !sameValue(a, b) {
				t.Fatalf("%s: original returned %v, instrumented %v\n%s", name, a, b, src)
			}
			if used := pb.gasUsed(t); used <= 0 {
				t.Fatalf("%s: used %d gas\n%s", name, used, src)
			}
			if d := pb.depthNow(t); errB == nil && d != 0 {
				t.Fatalf("%s: depth %d after return\n%s", name, d, src)
			}
			if errA != nil {
				// Start both again from the same state.
				pa.close()
				pb.close()
				if pa, err = tryInstance(bin, false, nil); err != nil {
					t.Fatal(err)
				}
				if pb, err = tryInstance(inst, true, nil); err != nil {
					t.Fatal(err)
				}
				continue
			}
			ma, _ := pa.inst.Exports.GetMemory("memory")
			mb, _ := pb.inst.Exports.GetMemory("memory")
			if !bytes.Equal(ma.Data(), mb.Data()) {
				t.Fatalf("%s: memories differ\n%s", name, src)
			}
		}
	})
}

// sameValue compares results, counting all NaNs as equal.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float32:
		y := b.(float32)
		return x == y && math.Signbit(float64(x)) == math.Signbit(float64(y)) || x != x && y != y
	case float64:
		y := b.(float64)
		return x == y && math.Signbit(x) == math.Signbit(y) || x != x && y != y
	}
	return a == b
}
