//go:build cgo

package vm

import (
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"
)

func init() { engineFactories[EngineWasmer] = NewWasmerEngine }

// wat compiles a test contract written in WAT (with wasmer's wat2wasm).
func wat(t testing.TB, src string) []byte {
	t.Helper()
	b, err := wasmer.Wat2Wasm(src)
	if err != nil {
		t.Fatalf("wat: %v", err)
	}
	return b
}

// usedFastRestore reports whether inst restored a large memory through
// its engine's fast path, for engines that have one.
func usedFastRestore(inst Instance) (fast, applies bool) {
	wi, ok := inst.(*wasmerInstance)
	if !ok {
		return false, false
	}
	return wi.image.img != nil && !imagesDisabled.Load(), true
}
