//go:build cgo

package vm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// restoreWAT has a large memory (20 pages, 1.25 MiB: restored through an
// image) that may grow to 24 pages, and a mutable global. Every function
// writes pages spread over the memory and sets the global; "grow" grows
// the memory by 2 pages, writes into them and stores what memory.grow
// returned at 16; "grow_fail" asks for more than the maximum and stores
// memory.grow's result (-1) at 16; "trap" traps after its writes.
const restoreWAT = `(module
  (memory (export "memory") 20 24)
  (global $g (export "g") (mut i64) (i64.const 7))
  (func $scribble (param $seed i32) (local $i i32)
    (loop $l
      (i32.store
        (i32.rem_u (i32.mul (i32.add (local.get $i) (local.get $seed)) (i32.const 40961)) (i32.const 1310716))
        (i32.add (local.get $i) (local.get $seed)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 64))))
    (global.set $g (i64.extend_i32_u (local.get $seed))))
  (func (export "touch") (call $scribble (i32.const 3)))
  (func (export "touch_more") (call $scribble (i32.const 11)))
  (func (export "trap") (call $scribble (i32.const 5)) unreachable)
  (func (export "grow")
    (call $scribble (i32.const 9))
    (i32.store (i32.const 16) (memory.grow (i32.const 2)))
    (i32.store (i32.const 1441788) (i32.const 0x5a5a5a5a)))
  (func (export "grow_fail")
    (i32.store (i32.const 16) (memory.grow (i32.const 5))))` +
	meterWAT + `)`

// An instance's memory is the snapshot's after Restore however the call
// left it: written by the code and by the host, trapped mid-call, grown
// (Restore then refuses and a fresh instance takes its place, whose
// memory grows to zeros). A restored instance behaves as a fresh one,
// and every engine ends with the same memories; wazero restores through
// the snapshot's image. (WAT needs cgo, so the test does too.)
func TestEngineRestoreExactAfterCalls(t *testing.T) {
	code := wat(t, restoreWAT)
	results := map[string][][]byte{}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range engineFactories {
			if !yield(n) {
				return
			}
		}
	}) {
		t.Run(name, func(t *testing.T) {
			e := engineFactories[name]()
			if err := e.Bind(conformanceFuncs, &recorder{noted: make(chan struct{})}); err != nil {
				t.Fatal(err)
			}
			m, err := e.Compile(code)
			if err != nil {
				t.Fatal(err)
			}
			var seen [][]byte
			call := func(inst Instance, fn string) error {
				inst.SetMeter(0, 1<<40, 0)
				err := inst.Call(fn)
				seen = append(seen, append([]byte(nil), inst.Memory()...))
				return err
			}
			a := instantiate(t, m)
			mem := a.Memory()
			for k := range mem {
				mem[k] = byte(k*13/4096 + k%7)
			}
			snap := a.Snapshot()
			check := func(inst Instance, what string) {
				t.Helper()
				if !inst.Restore(snap) {
					t.Fatalf("%s: Restore refused", what)
				}
				got := inst.Snapshot()
				if !bytes.Equal(got.Memory, snap.Memory) || !slices.Equal(got.Globals, snap.Globals) {
					t.Fatalf("%s: the instance differs from the snapshot after Restore", what)
				}
			}
			check(a, "first restore")
			for round := range 6 {
				if err := call(a, []string{"touch", "touch_more"}[round%2]); err != nil {
					t.Fatal(err)
				}
				mem := a.Memory()
				for k := 0; k < len(mem); k += 3 * 4096 {
					mem[k+round] ^= 0xff // host writes
				}
				check(a, "after touch")
			}
			var trap *Trap
			if err := call(a, "trap"); !errors.As(err, &trap) || trap.Code != TrapUnreachable {
				t.Fatalf("trap: %v", err)
			}
			check(a, "after a trap")
			if err := call(a, "grow_fail"); err != nil {
				t.Fatal(err)
			}
			if r := int32(binary.LittleEndian.Uint32(a.Memory()[16:])); r != -1 {
				t.Fatalf("memory.grow beyond the maximum returned %d", r)
			}
			check(a, "after a failed memory.grow")
			if err := call(a, "grow"); err != nil {
				t.Fatal(err)
			}
			if got := len(a.Memory()); got != 22*wasmPageSize || binary.LittleEndian.Uint32(a.Memory()[16:]) != 20 {
				t.Fatalf("memory.grow: %d bytes, returned %d", got, binary.LittleEndian.Uint32(a.Memory()[16:]))
			}
			if a.Restore(snap) {
				t.Fatal("Restore accepted a grown memory")
			}
			a.Close()

			// A fresh instance, restored, grows to zeros and is restored
			// as the first was; two fresh instances behave alike.
			b, c := instantiate(t, m), instantiate(t, m)
			check(b, "fresh instance")
			check(c, "second fresh instance")
			if err := call(b, "touch"); err != nil {
				t.Fatal(err)
			}
			check(b, "fresh instance after touch")
			if err := call(b, "grow"); err != nil {
				t.Fatal(err)
			}
			grown := b.Memory()[len(snap.Memory):]
			if !bytes.Equal(grown[:len(grown)-4], make([]byte, len(grown)-4)) {
				t.Fatal("the pages memory.grow added are not zeros")
			}
			if err := call(c, "trap"); err == nil {
				t.Fatal("trap did not trap")
			}
			check(c, "second fresh instance after a trap")
			if err := call(c, "touch"); err != nil {
				t.Fatal(err)
			}
			check(c, "second fresh instance after touch")
			if name == EngineWazero {
				if wi := c.(*wazeroInstance); !imagesDisabled.Load() && (wi.mem == nil || wi.mem.base == nil || wi.mem.mapped.img == nil) {
					t.Fatal("wazero restored the large memory by copying, not through its image")
				}
			}
			b.Close()
			c.Close()
			snap.Release()
			m.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			results[name] = seen
		})
	}
	var first string
	for name, seen := range results {
		if first == "" {
			first = name
			continue
		}
		if len(seen) != len(results[first]) {
			t.Fatalf("%s made %d calls, %s %d", name, len(seen), first, len(results[first]))
		}
		for k := range seen {
			if !bytes.Equal(seen[k], results[first][k]) {
				t.Fatalf("call %d: the memories of %s and %s differ", k, name, first)
			}
		}
	}
}
