//go:build cgo

package counter

// Checking counter.wasm against counter.wat needs cgo: wasmer's
// wat2wasm compiles the WAT.

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"
)

var update = flag.Bool("update", false, "rewrite counter.wasm from counter.wat")

// The committed counter.wasm is counter.wat compiled: they never drift.
func TestWasmMatchesWAT(t *testing.T) {
	src, err := os.ReadFile("counter.wat")
	if err != nil {
		t.Fatal(err)
	}
	want, err := wasmer.Wat2Wasm(string(src))
	if err != nil {
		t.Fatalf("counter.wat does not compile: %v", err)
	}
	if *update {
		if err := os.WriteFile("counter.wasm", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("counter.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("counter.wasm (%d bytes) is not counter.wat compiled (%d bytes): run go test ./contracts/examples/counter-wat -update", len(got), len(want))
	}
	if !*update && (!bytes.Equal(Wasm, got) || WAT != string(src)) {
		t.Error("the embedded Wasm or WAT differs from the files")
	}
}
