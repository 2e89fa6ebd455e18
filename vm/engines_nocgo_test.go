//go:build !cgo

package vm

import "testing"

// wat skips the test: WAT is compiled with wasmer's wat2wasm, which needs
// cgo. The tests that run from testdata (vectors) do not need it.
func wat(t testing.TB, src string) []byte {
	t.Helper()
	t.Skip("compiling WAT needs wasmer (cgo)")
	return nil
}

func usedFastRestore(Instance) (fast, applies bool) { return false, false }
