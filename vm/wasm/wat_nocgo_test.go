//go:build !cgo

package wasm

import "testing"

// wat skips the test: WAT is compiled with wasmer's wat2wasm, which needs
// cgo. The tests on modules built byte by byte (build_test.go) or by the
// Go toolchain do not need it.
func wat(t testing.TB, src string) []byte {
	t.Helper()
	t.Skip("compiling WAT needs wasmer (cgo)")
	return nil
}

// wasmerAccepts skips the test: wasmer needs cgo.
func wasmerAccepts(t testing.TB, code []byte) {
	t.Helper()
	t.Skip("validating with wasmer needs cgo")
}
