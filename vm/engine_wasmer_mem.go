//go:build cgo

package vm

/*
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#endif

static long vm_page_size(void) { return sysconf(_SC_PAGESIZE); }

// vm_image_create returns a sealed memfd holding data, or -errno.
static int vm_image_create(const void *data, size_t n) {
	int fd = memfd_create("noded-vm-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) return -errno;
	if (ftruncate(fd, (off_t)n) != 0) { int e = errno; close(fd); return -e; }
	size_t off = 0;
	while (off < n) {
		ssize_t w = pwrite(fd, (const char *)data + off, n - off, (off_t)off);
		if (w < 0) {
			if (errno == EINTR) continue;
			int e = errno; close(fd); return -e;
		}
		off += (size_t)w;
	}
	// Nothing may change the image after this: private mappings copy on
	// write and never write back.
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	return fd;
}

static void vm_image_close(int fd) { close(fd); }

// vm_image_map maps the image privately (copy on write) over [base,
// base+n), replacing what was there.
static int vm_image_map(void *base, size_t n, int fd) {
	void *p = mmap(base, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	return p == MAP_FAILED ? -errno : 0;
}

static int vm_pagemap_fd = -1;
static int vm_pagemap_errno = 0;
static pthread_once_t vm_pagemap_once = PTHREAD_ONCE_INIT;
static void vm_pagemap_open(void) {
	vm_pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (vm_pagemap_fd < 0) vm_pagemap_errno = errno;
}

// vm_image_restore puts the image back into [mem, mem+n), mapped from it
// earlier: every page the kernel reports as no longer the image's page
// (written since, so copied on write: present and anonymous, or swapped
// out) is copied from snap. Pages still mapped from the image, or not
// mapped at all, read as the image. entries has room for a page map
// entry per page. Returns the number of pages copied, -1 if more than max
// pages need it (nothing copied: remap instead), or -errno - 2 if the
// page map cannot be read.
static long vm_image_restore(char *mem, const char *snap, size_t n, size_t page, long max, uint64_t *entries) {
	pthread_once(&vm_pagemap_once, vm_pagemap_open);
	if (vm_pagemap_fd < 0) return -vm_pagemap_errno - 2;
	size_t pages = n / page;
	off_t off = (off_t)(((uintptr_t)mem / page) * 8);
	size_t want = pages * 8, got = 0;
	while (got < want) {
		ssize_t r = pread(vm_pagemap_fd, (char *)entries + got, want - got, off + (off_t)got);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -(r < 0 ? errno : EIO) - 2;
		got += (size_t)r;
	}
	// Count first, so that a large written set is mapped afresh rather
	// than copied.
	long dirty = 0;
	for (size_t i = 0; i < pages; i++) {
		uint64_t e = entries[i];
		int present = (int)(e >> 63) & 1, swapped = (int)(e >> 62) & 1, file = (int)(e >> 61) & 1;
		entries[i] = (present && !file) || swapped;
		dirty += (long)entries[i];
	}
	if (dirty > max) return -1;
	for (size_t i = 0; i < pages; i++) {
		if (entries[i]) memcpy(mem + i * page, snap + i * page, page);
	}
	return dirty;
}
*/
import "C"

import (
	"errors"
	"strconv"
	"unsafe"
)

// Restoring a large memory (a Go contract's is 2-4 MiB after
// _initialize) by copying all of it costs 100-200 us, most of a call's
// budget, though a call writes only a few dozen pages. So the wasmer
// engine keeps a large snapshot's memory in a sealed memfd, maps it
// privately over the instance's memory (copy on write) the first time,
// and afterwards copies back only the pages the kernel's page map
// (/proc/self/pagemap) reports as written since: present and anonymous,
// or swapped out. An instance's memory is then at most: the image's
// pages, untouched, and the pages it wrote, restored. When the written
// set is large the memory is mapped afresh instead. If any of this is
// not available (no memfd, no page map) Restore copies the whole memory,
// which gives the same result. None of this changes what a contract
// computes; it is the engine's way of resetting memory.

// minImageSize is the smallest memory restored through an image;
// smaller ones are copied (64 KiB: ~3 us).
const minImageSize = 1 << 20

// maxDirtyFraction: a restore that would copy more than this part of the
// pages maps the image afresh instead.
const maxDirtyFraction = 4

var pageSize = int(C.vm_page_size())

// memImage is a snapshot's memory held in a memfd.
type memImage struct {
	fd   C.int
	size int
}

func (m *memImage) release() {
	if m.fd >= 0 {
		C.vm_image_close(m.fd)
		m.fd = -1
	}
}

// imageOf returns the memfd image of s, making it on first use; nil if
// s is small or no image can be made (Restore then copies).
func imageOf(s *Snapshot) *memImage {
	if s.fast != nil {
		img, _ := s.fast.(*memImage)
		return img
	}
	if len(s.Memory) < minImageSize || pageSize <= 0 || len(s.Memory)%pageSize != 0 {
		s.fast = noImage{}
		return nil
	}
	fd := C.vm_image_create(unsafe.Pointer(&s.Memory[0]), C.size_t(len(s.Memory)))
	if fd < 0 {
		s.fast = noImage{}
		return nil
	}
	img := &memImage{fd: fd, size: len(s.Memory)}
	s.fast = img
	return img
}

// mapImage maps img over mem.
func mapImage(mem []byte, img *memImage) error {
	if len(mem) != img.size || uintptr(unsafe.Pointer(&mem[0]))%uintptr(pageSize) != 0 {
		return errors.New("vm: memory not page-aligned or of another size")
	}
	if r := C.vm_image_map(unsafe.Pointer(&mem[0]), C.size_t(len(mem)), img.fd); r != 0 {
		return errors.New("vm: mmap of the snapshot failed: errno " + strconv.Itoa(int(-r)))
	}
	return nil
}

// errRemap asks for the image to be mapped afresh.
var errRemap = errors.New("vm: written set too large")

// restoreDirty copies back the pages of mem written since img was mapped
// over it. It returns errRemap when too many were, and another error if
// the page map cannot be read.
func restoreDirty(mem, snap []byte) (int, error) {
	pages := len(mem) / pageSize
	entries := (*C.uint64_t)(C.malloc(C.size_t(pages * 8)))
	defer C.free(unsafe.Pointer(entries))
	r := C.vm_image_restore((*C.char)(unsafe.Pointer(&mem[0])), (*C.char)(unsafe.Pointer(&snap[0])),
		C.size_t(len(mem)), C.size_t(pageSize), C.long(pages/maxDirtyFraction), entries)
	switch {
	case r == -1:
		return 0, errRemap
	case r < 0:
		return 0, errors.New("vm: page map unreadable: errno " + strconv.Itoa(int(-r-2)))
	}
	return int(r), nil
}

// imageMapping is the snapshot image a memory has mapped, and where.
type imageMapping struct {
	img  *memImage
	base uintptr
}

// restore puts s.Memory into mem, of the same size: through the
// snapshot's image when it has one, copying back only the pages written
// since it was mapped, else by copying. It reports false if the memory
// may be unusable.
func (m *imageMapping) restore(mem []byte, s *Snapshot) bool {
	img := imageOf(s)
	if img == nil || imagesDisabled.Load() {
		copy(mem, s.Memory)
		return true
	}
	base := uintptr(unsafe.Pointer(&mem[0]))
	if m.img == img && m.base == base {
		_, err := restoreDirty(mem, s.Memory)
		if err == nil {
			return true
		}
		if err != errRemap {
			// No page map: copy, now and from now on.
			imagesDisabled.Store(true)
			copy(mem, s.Memory)
			return true
		}
	}
	if err := mapImage(mem, img); err != nil {
		imagesDisabled.Store(true)
		m.img = nil
		return false
	}
	m.img, m.base = img, base
	return true
}
