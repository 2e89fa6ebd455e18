// Package examples holds the example contracts, each in a folder of its
// own: counter, token and escrow in standard Go (each its own Go module,
// using the SDK in contracts/sdk through a replace directive), counter-wat
// in WebAssembly text and counter-c in C.
//
// This package finds and builds them for the tests of other packages
// (the node's end-to-end tests, benchmarks); its own tests run the Go
// modules' vet and tests, and check that Go contracts execute
// deterministically across nodes and processes.
package examples

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/noded/noded/contracts/harness"
)

// Go lists the examples written in Go.
var Go = []string{"counter", "token", "escrow"}

// Dir returns the folder of the example, or of the folder name given
// relative to contracts/examples.
func Dir(name string) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("examples: no source location")
	}
	return filepath.Join(filepath.Dir(file), name)
}

// Build builds a Go example (as `noded contract build` does) once per
// test process and returns its code; it skips the test without a go
// command.
func Build(t testing.TB, name string) []byte {
	t.Helper()
	return harness.Build(t, Dir(name))
}
