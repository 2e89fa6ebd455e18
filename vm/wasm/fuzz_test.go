package wasm

import (
	"reflect"
	"testing"
)

// FuzzParse: no input makes Parse or Validate panic, and a module Parse
// accepts re-encodes to bytes that parse to the same module.
func FuzzParse(f *testing.F) {
	for _, src := range roundTripWAT {
		f.Add(wat(f, src))
	}
	f.Add(funcModule(0x41, 0x80, 0x00, 0x1a))
	f.Add(funcModule(0xfc, 10, 0, 0))
	f.Add(module(sec(secDataCount, 0), sec(secCustom, 1, 'n', 1, 2, 3)))
	f.Add(module(sec(secElement, 1, 2, 0, 0x41, 0, 0x0b, 0, 0)))
	f.Add(module(sec(secData, 1, 2, 0, 0x41, 0, 0x0b, 1, 'x')))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		_ = Validate(m, Limits{}, func(string, string, FuncType) error { return nil })
		enc := m.Encode()
		m2, err := Parse(enc)
		if err != nil {
			t.Fatalf("re-encoded module does not parse: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoded module differs:\n%#v\n%#v", m, m2)
		}
	})
}
