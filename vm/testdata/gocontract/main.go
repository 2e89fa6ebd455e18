// Command gocontract is the VM's test contract in standard Go: it uses
// the ABI directly (no SDK) and the parts of Go's runtime that reach WASI:
// time, randomness, printing, sleeping, maps, goroutines, panics.
package main

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"
	"unsafe"
)

//go:wasmimport env input_size
func inputSize() int32

//go:wasmimport env input_read
func inputRead(ptr unsafe.Pointer)

//go:wasmimport env return_data
func returnData(ptr unsafe.Pointer, n int32)

//go:wasmimport env storage_write
func storageWrite(kptr unsafe.Pointer, klen int32, vptr unsafe.Pointer, vlen int32)

//go:wasmimport env storage_read
func storageRead(kptr unsafe.Pointer, klen int32, vptr unsafe.Pointer, vcap int32) int32

//go:wasmimport env revert
func revert(ptr unsafe.Pointer, n int32)

func input() []byte {
	n := inputSize()
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	inputRead(unsafe.Pointer(&b[0]))
	return b
}

func ret(b []byte) {
	if len(b) == 0 {
		returnData(nil, 0)
		return
	}
	returnData(unsafe.Pointer(&b[0]), int32(len(b)))
}

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// table is filled by package initialisation: the snapshot keeps it.
var table = func() map[string]int {
	m := map[string]int{}
	for i := 0; i < 64; i++ {
		m[fmt.Sprint("k", i)] = i
	}
	return m
}()

var calls int

//go:wasmexport empty
func empty() {}

// fresh returns how many times it ran in this instance's state: 1 when
// every call starts from the snapshot.
//
//go:wasmexport fresh
func fresh() { calls++; ret(u64(uint64(calls))) }

//go:wasmexport now
func now() {
	t := time.Now()
	ret(append(u64(uint64(t.UnixNano())), u64(uint64(time.Since(t)))...))
}

//go:wasmexport sleep
func sleep() {
	t := time.Now()
	time.Sleep(1500 * time.Millisecond)
	ret(u64(uint64(time.Since(t))))
}

//go:wasmexport random
func random() {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	ret(b)
}

// maporder returns the keys of table in Go's (randomised) iteration
// order, and of a map built in the call.
//
//go:wasmexport maporder
func maporder() {
	var out []byte
	for k := range table {
		out = append(out, k...)
		out = append(out, ',')
	}
	m := map[int]bool{}
	for i := 0; i < 40; i++ {
		m[i*7] = true
	}
	for k := range m {
		out = append(out, byte(k))
	}
	ret(out)
}

//go:wasmexport print
func print() {
	fmt.Println("hello from Go", len(table))
	fmt.Fprintf(os.Stderr, "to stderr, no newline")
}

//go:wasmexport panics
func panics() { panic("boom " + fmt.Sprint(len(table))) }

//go:wasmexport nilderef
func nilderef() {
	var p *int
	ret(u64(uint64(*p)))
}

//go:wasmexport revert
func revertNow() {
	msg := []byte("no way")
	revert(unsafe.Pointer(&msg[0]), int32(len(msg)))
}

// alloc allocates the input's number of KiB and returns the memory size.
//
//go:wasmexport alloc
func alloc() {
	n := binary.LittleEndian.Uint64(input())
	keep := make([][]byte, 0)
	for i := uint64(0); i < n; i++ {
		keep = append(keep, make([]byte, 1024))
	}
	ret(u64(uint64(len(keep))))
}

//go:wasmexport gc
func gc() {
	for i := 0; i < 1000; i++ {
		_ = make([]byte, 4096)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	ret(u64(uint64(ms.NumGC)))
}

//go:wasmexport goroutines
func goroutines() {
	ch := make(chan int)
	for i := 0; i < 10; i++ {
		go func(i int) { ch <- i * i }(i)
	}
	var got []int
	for i := 0; i < 10; i++ {
		got = append(got, <-ch)
	}
	sort.Ints(got)
	var out []byte
	for _, v := range got {
		out = append(out, byte(v))
	}
	ret(out)
}

// spin loops until the gas or the node's time limit stops it.
//
//go:wasmexport spin
func spin() {
	for i := 0; ; i++ {
		if i < 0 {
			calls++
		}
	}
}

// store writes the input under "k" and returns what was there.
//
//go:wasmexport store
func store() {
	in := input()
	k := []byte("k")
	buf := make([]byte, 64)
	n := storageRead(unsafe.Pointer(&k[0]), 1, unsafe.Pointer(&buf[0]), 64)
	if len(in) > 0 {
		storageWrite(unsafe.Pointer(&k[0]), 1, unsafe.Pointer(&in[0]), int32(len(in)))
	}
	if n < 0 {
		ret(nil)
		return
	}
	ret(buf[:n])
}

func main() {}
