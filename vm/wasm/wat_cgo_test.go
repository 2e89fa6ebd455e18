//go:build cgo

package wasm

import (
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"
)

// wat compiles a test module written in WAT (with wasmer's wat2wasm).
func wat(t testing.TB, src string) []byte {
	t.Helper()
	b, err := wasmer.Wat2Wasm(src)
	if err != nil {
		t.Fatalf("wat: %v", err)
	}
	return b
}

// wasmerAccepts fails the test if wasmer refuses the module code.
func wasmerAccepts(t testing.TB, code []byte) {
	t.Helper()
	if err := wasmer.ValidateModule(wasmer.NewStore(wasmer.NewEngine()), code); err != nil {
		t.Fatalf("wasmer refuses the re-encoded module: %v", err)
	}
}
