package vm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/noded/noded/types"
	"github.com/noded/noded/vm/wasm"
)

// wasiWAT calls the WASI functions directly, to pin down their answers.
const wasiWAT = `(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $rand (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "one\ntwo")
  ;; the start function draws 8 random bytes at 2000 (init environment)
  (func $start (drop (call $rand (i32.const 2000) (i32.const 8))))
  (start $start)
  (func (export "start_random") (call $ret (i32.const 2000) (i32.const 8)))
  ;; [errno u32][time u64][errno of clock 2 u32]
  (func (export "clock")
    (i32.store (i32.const 100) (call $clock (i32.const 1) (i64.const 0) (i32.const 104)))
    (i32.store (i32.const 112) (call $clock (i32.const 2) (i64.const 0) (i32.const 200)))
    (call $ret (i32.const 100) (i32.const 16)))
  (func (export "random")
    (drop (call $rand (i32.const 100) (i32.const 40)))
    (call $ret (i32.const 100) (i32.const 40)))
  ;; sleeps 2 s, then: [errno u32][nevents u32][time u64][userdata u64][event errno u16]
  (func (export "sleep")
    (i64.store (i32.const 300) (i64.const 7))
    (i32.store8 (i32.const 308) (i32.const 0))
    (i32.store (i32.const 316) (i32.const 1))
    (i64.store (i32.const 324) (i64.const 2000000000))
    (i32.store (i32.const 100) (call $poll (i32.const 300) (i32.const 400) (i32.const 1) (i32.const 104)))
    (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 108)))
    (i64.store (i32.const 116) (i64.load (i32.const 400)))
    (i32.store16 (i32.const 124) (i32.load16_u (i32.const 408)))
    (call $ret (i32.const 100) (i32.const 26)))
  ;; waits on fd 0: [errno u32][nevents u32][event errno u16][time u64]
  (func (export "pollfd")
    (i64.store (i32.const 300) (i64.const 9))
    (i32.store8 (i32.const 308) (i32.const 1))
    (i32.store (i32.const 316) (i32.const 0))
    (i32.store (i32.const 100) (call $poll (i32.const 300) (i32.const 400) (i32.const 1) (i32.const 104)))
    (i32.store16 (i32.const 108) (i32.load16_u (i32.const 408)))
    (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 110)))
    (call $ret (i32.const 100) (i32.const 18)))
  ;; writes "one\n" and "two" to fd 1 in two iovecs, then to fd 3:
  ;; [errno u32][written u32][errno to fd 3 u32]
  (func (export "write")
    (i32.store (i32.const 500) (i32.const 0)) (i32.store (i32.const 504) (i32.const 4))
    (i32.store (i32.const 508) (i32.const 4)) (i32.store (i32.const 512) (i32.const 3))
    (i32.store (i32.const 100) (call $write (i32.const 1) (i32.const 500) (i32.const 2) (i32.const 104)))
    (i32.store (i32.const 108) (call $write (i32.const 3) (i32.const 500) (i32.const 2) (i32.const 200)))
    (call $ret (i32.const 100) (i32.const 12)))
  ;; [args errno][argc][argv size][environ errno][count][size][prestat errno][yield]
  (func (export "misc")
    (i32.store (i32.const 96) (i32.const -1)) (i32.store (i32.const 100) (i32.const -1))
    (i32.store (i32.const 0x80) (call $args (i32.const 0x84) (i32.const 0x88)))
    (i32.store (i32.const 0x8c) (call $environ (i32.const 0x90) (i32.const 0x94)))
    (i32.store (i32.const 0x98) (call $prestat (i32.const 3) (i32.const 0x200)))
    (i32.store (i32.const 0x9c) (call $yield))
    (call $ret (i32.const 0x80) (i32.const 32)))
  (func (export "read") (drop (call $read (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 200))))
  (func (export "exit") (call $exit (i32.const 3))))`

func TestWASIAnswers(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.env.TxHash = types.Hash{0xAB}
	c := addr(0x70)
	code := wat(t, wasiWAT)
	e.deploy(c, code, nil)
	le32 := binary.LittleEndian.Uint32
	le64 := binary.LittleEndian.Uint64

	r := e.mustCall(c, "clock", nil).ReturnData
	if le32(r) != 0 || le64(r[4:]) != e.env.BlockTime*1_000_000 || le32(r[12:]) != wasiEINVAL {
		t.Fatalf("clock: errno %d, time %d, cpu clock errno %d", le32(r), le64(r[4:]), le32(r[12:]))
	}

	// random_get: the stream of the documented seed.
	seed := sha256.New()
	seed.Write([]byte("noded/wasi/call/v1"))
	seed.Write(e.env.TxHash[:])
	seed.Write(binary.BigEndian.AppendUint64(nil, e.env.BlockHeight))
	seed.Write(c[:])
	seed.Write(binary.BigEndian.AppendUint64(nil, 0)) // the transaction's first call
	var want []byte
	for i := uint64(0); len(want) < 40; i++ {
		b := sha256.Sum256(binary.BigEndian.AppendUint64(seed.Sum(nil), i))
		want = append(want, b[:]...)
	}
	if got := e.mustCall(c, "random", nil).ReturnData; !bytes.Equal(got, want[:40]) {
		t.Fatalf("random_get %x, want %x", got, want[:40])
	}
	// In the start function: the init seed, from the code's hash.
	init := sha256.New()
	init.Write([]byte("noded/wasi/init/v1"))
	hash := sha256.Sum256(code)
	init.Write(hash[:])
	first := sha256.Sum256(binary.BigEndian.AppendUint64(init.Sum(nil), 0))
	if got := e.mustCall(c, "start_random", nil).ReturnData; !bytes.Equal(got, first[:8]) {
		t.Fatalf("random in the start function %x, want %x", got, first[:8])
	}

	r = e.mustCall(c, "sleep", nil).ReturnData
	if le32(r) != 0 || le32(r[4:]) != 1 || le64(r[8:]) != e.env.BlockTime*1_000_000+2_000_000_000 || le64(r[16:]) != 7 || r[24] != 0 {
		t.Fatalf("sleep: %x", r)
	}
	r = e.mustCall(c, "pollfd", nil).ReturnData
	if le32(r) != 0 || le32(r[4:]) != 1 || binary.LittleEndian.Uint16(r[8:]) != wasiEBADF || le64(r[10:]) != e.env.BlockTime*1_000_000 {
		t.Fatalf("poll on a file: %x", r)
	}

	res := e.mustCall(c, "write", nil)
	if r := res.ReturnData; le32(r) != 0 || le32(r[4:]) != 7 || le32(r[8:]) != wasiEBADF {
		t.Fatalf("fd_write: %x", r)
	}
	if want := []string{c.String() + ": one", c.String() + ": two"}; !reflect.DeepEqual(res.Logs, want) {
		t.Fatalf("logs %q", res.Logs)
	}
	r = e.mustCall(c, "misc", nil).ReturnData
	for i, want := range []uint32{0, 0, 0, 0, 0, 0, wasiEBADF, 0} {
		if got := le32(r[4*i:]); got != want {
			t.Errorf("misc word %d = %d, want %d", i, got, want)
		}
	}

	ee := wantKind(t, e.call(c, "read", nil), KindTrap)
	if ee.Message != "wasi_snapshot_preview1.fd_read is not available to contracts" {
		t.Fatalf("fd_read: %q", ee.Message)
	}
	ee = wantKind(t, e.call(c, "exit", nil), KindTrap)
	if ee.Message != "the contract exited with code 3" {
		t.Fatalf("proc_exit: %q", ee.Message)
	}
}

// WASI imports are accepted only from WASI's list, with their exact
// signatures.
func TestWASIValidation(t *testing.T) {
	e := newTestEnv(t, Options{})
	for name, c := range map[string]struct{ src, want string }{
		"wrong signature":    {`(module (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i32 i32) (result i32))))`, "wasi_snapshot_preview1.clock_time_get"},
		"unknown":            {`(module (import "wasi_snapshot_preview1" "fd_frobnicate" (func)))`, "not a host function"},
		"env name as wasi":   {`(module (import "wasi_snapshot_preview1" "storage_read" (func (param i32 i32 i32 i32) (result i32))))`, "not a host function"},
		"wasi name as env":   {`(module (import "env" "random_get" (func (param i32 i32) (result i32))))`, "not a host function"},
		"data out of bounds": {`(module (memory (export "memory") 1) (data (i32.const 65535) "ab"))`, "outside the initial memory"},
		"elem out of bounds": {`(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))`, "outside the table"},
	} {
		err := e.vm.Validate(wat(t, c.src))
		if !errors.Is(err, ErrInvalidCode) || !errors.Is(err, wasm.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Every WASI function Go's runtime imports is accepted.
	for _, f := range wasiFuncs() {
		if err := e.vm.allowImport(wasiModule, f.name, wasmFuncType(f)); err != nil {
			t.Errorf("%s: %v", f.name, err)
		}
	}
}
