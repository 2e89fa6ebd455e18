//go:build cgo

package vm

/*
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

// vm_wz_reserve maps n bytes of zeros, readable and writable, that take
// memory only as they are touched (no huge pages: a small memory in a
// large reservation would take a whole one), or returns NULL.
static void *vm_wz_reserve(size_t n) {
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) return NULL;
#ifdef MADV_NOHUGEPAGE
	madvise(p, n, MADV_NOHUGEPAGE);
#endif
	return p;
}

static void vm_wz_free(void *p, size_t n) { munmap(p, n); }
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/tetratelabs/wazero/experimental"
)

// The wazero engine restores a large memory the way the wasmer engine
// does (engine_wasmer_mem.go, whose image, page map and mapping helpers
// it uses): the snapshot's memory in a sealed memfd, mapped privately
// over the instance's memory on first use, and afterwards only the pages
// written since copied back. For that the memory must stay at one
// address, so the engine gives wazero its own allocator
// (experimental.WithMemoryAllocator) for each instance: one mapping of
// the memory's maximum size, of zeros taking memory only once touched,
// whose first bytes are the memory. memory.grow only lengthens it, never
// moves it and never makes a system call, so it cannot fail for want of
// mappings where another node's would not: the pages it adds were never
// touched and read as zeros, as wasm requires (wazero checks every
// access against the memory's length, and a memory never shrinks). If
// the mapping cannot be made, the memory is a Go slice, as wazero's own,
// grown the same way and restored by copying. A build without cgo has
// neither (engine_wazero_mem_nocgo.go) and copies: same results, slower.

// wazeroMemory is an instance's linear memory (experimental.LinearMemory).
type wazeroMemory struct {
	base     unsafe.Pointer // the mapping; nil for a Go slice
	reserved int            // bytes mapped at base
	size     int            // the memory's length: what may have been touched
	heap     []byte         // without a mapping: the memory, as a Go slice
	freed    bool
	// mapped is the snapshot image mapped over [base, base+mapped.size),
	// unwritten since but for the pages the page map shows.
	mapped imageMapping
}

// wazeroMemoryHook allocates the memory of one instantiation.
type wazeroMemoryHook struct{ mem *wazeroMemory }

// Allocate implements experimental.MemoryAllocator: a mapping of max
// bytes (wazero then asks for the initial size, and grows).
func (h *wazeroMemoryHook) Allocate(_, maxBytes uint64) experimental.LinearMemory {
	m := &wazeroMemory{}
	h.mem = m
	if imagesDisabled.Load() || pageSize <= 0 || maxBytes == 0 || maxBytes > 1<<40 {
		return m
	}
	n := (maxBytes + uint64(pageSize) - 1) / uint64(pageSize) * uint64(pageSize)
	if p := C.vm_wz_reserve(C.size_t(n)); p != nil {
		m.base, m.reserved = p, int(n)
	}
	return m
}

// withWazeroMemory returns ctx with an allocator for the memory of one
// instantiation, and the hook that will hold it.
func withWazeroMemory(ctx context.Context) (context.Context, *wazeroMemoryHook) {
	h := &wazeroMemoryHook{}
	return experimental.WithMemoryAllocator(ctx, h), h
}

// Reallocate implements experimental.LinearMemory: the memory grown to
// size bytes, at the same address, or nil past its maximum. wazero only
// grows a memory.
func (m *wazeroMemory) Reallocate(size uint64) []byte {
	switch {
	case m.freed || size > 1<<40:
		return nil
	case m.base == nil:
		if n := int(size); n <= cap(m.heap) {
			m.heap = m.heap[:n]
		} else {
			m.heap = append(m.heap, make([]byte, n-len(m.heap))...)
		}
		return m.heap
	case size > uint64(m.reserved):
		return nil
	}
	m.size = max(m.size, int(size))
	return unsafe.Slice((*byte)(m.base), m.reserved)[:size:size]
}

// Free implements experimental.LinearMemory: wazero calls it when the
// instance is closed.
func (m *wazeroMemory) Free() {
	if m.freed {
		return
	}
	m.freed = true
	if m.base != nil {
		C.vm_wz_free(m.base, C.size_t(m.reserved))
		m.base, m.size, m.mapped = nil, 0, imageMapping{}
	}
	m.heap = nil
}

// restoreMemory puts s.Memory into mem, the instance's memory, of the
// same size: through the snapshot's image when the memory is the
// instance's reservation and the snapshot is large, else by copying. It
// reports false if the memory may be unusable.
func (i *wazeroInstance) restoreMemory(mem []byte, s *Snapshot) bool {
	m := i.mem
	if m == nil || m.base == nil || unsafe.Pointer(unsafe.SliceData(mem)) != m.base || len(mem) != m.size {
		copy(mem, s.Memory)
		return true
	}
	return m.mapped.restore(mem, s)
}
