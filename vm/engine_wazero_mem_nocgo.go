//go:build !cgo

package vm

import "context"

// A build without cgo leaves the memory to wazero (a Go slice) and
// restores it by copying all of it: the same results as
// engine_wazero_mem_cgo.go, slower for a large memory.

type wazeroMemory struct{}

type wazeroMemoryHook struct{ mem *wazeroMemory }

func withWazeroMemory(ctx context.Context) (context.Context, *wazeroMemoryHook) {
	return ctx, &wazeroMemoryHook{}
}

func (*wazeroMemory) Free() {}

// restoreMemory puts s.Memory into mem, of the same size.
func (i *wazeroInstance) restoreMemory(mem []byte, s *Snapshot) bool {
	copy(mem, s.Memory)
	return true
}
