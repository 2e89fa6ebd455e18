package vm

import (
	"bytes"
	"errors"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// Conformance tests of the Engine interface. They use only the interface
// and hand-metered WAT, so that every engine (wasmer, wazero) runs the
// same tests: engineFactories lists them.

// meterWAT declares the meter globals as the instrumenter does.
const meterWAT = `
  (global $used (export "noded_gas_used") (mut i64) (i64.const 0))
  (global $limit (export "noded_gas_limit") (mut i64) (i64.const 0))
  (global $depth (export "noded_depth") (mut i32) (i32.const 0))`

// charge is a hand-written metering check of cost n.
func charge(n string) string {
	return `(global.set $used (i64.add (global.get $used) (i64.const ` + n + `)))
    (if (i64.gt_u (global.get $used) (global.get $limit)) (then unreachable))`
}

var conformanceWAT = `(module
  (import "env" "echo" (func $echo (param i32 i64) (result i64)))
  (import "env" "note" (func $note))
  (memory (export "memory") 1 4)
  (global $g (export "g") (mut i32) (i32.const 5))
  (table 2 funcref)
  (elem (i32.const 0) $ident)
  (type $t0 (func (param i32) (result i32)))
  (func $ident (param i32) (result i32) (local.get 0))
` + meterWAT + `
  (func (export "store") (i32.store (i32.const 8) (i32.const 0x01020304)) (global.set $g (i32.const 9)))
  (func (export "echo")
    (i64.store (i32.const 16) (call $echo (i32.const -7) (i64.const -9))))
  (func (export "loop") (loop $l ` + charge("3") + ` (br $l)))
  (func (export "loop_note") (call $note) (loop $l ` + charge("1") + ` (br $l)))
  (func (export "grow") (drop (memory.grow (i32.const 1))))
  (func (export "unreachable") unreachable)
  (func (export "div0") (drop (i32.div_s (i32.const 1) (i32.const 0))))
  (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "convert") (drop (i32.trunc_f64_s (f64.const nan))))
  (func (export "oob") (drop (i32.load (i32.const 0x7fffffff))))
  (func (export "undefined_elem") (drop (call_indirect (type $t0) (i32.const 1) (i32.const 1))))
  (type $t1 (func))
  (func (export "bad_sig") (call_indirect (type $t1) (i32.const 0)))
  (func (export "with_param") (param i32))
  (func (export "with_result") (result i32) (i32.const 1)))`

// recorder is a HostHandler for the conformance module: echo returns
// (i64 arg) - (i32 arg as signed) and records the raw args; note signals.
type recorder struct {
	args  [][]uint64
	noted chan struct{}
}

func (r *recorder) HandleHostCall(index int, args []uint64) uint64 {
	r.args = append(r.args, append([]uint64(nil), args...))
	if index == 1 {
		close(r.noted)
		return 0
	}
	return uint64(int64(args[1]) - int64(int32(uint32(args[0]))))
}

var conformanceFuncs = []HostFunc{
	{Module: "env", Name: "echo", Params: []ValueType{I32, I64}, Results: []ValueType{I64}},
	{Module: "env", Name: "note"},
}

// forEachEngine runs f on a fresh, bound engine of every kind, with the
// conformance module compiled.
func forEachEngine(t *testing.T, f func(t *testing.T, e Engine, m Module, rec *recorder)) {
	code := wat(t, conformanceWAT)
	for name, newEngine := range engineFactories {
		t.Run(name, func(t *testing.T) {
			e := newEngine()
			rec := &recorder{noted: make(chan struct{})}
			if err := e.Bind(conformanceFuncs, rec); err != nil {
				t.Fatal(err)
			}
			m, err := e.Compile(code)
			if err != nil {
				t.Fatal(err)
			}
			f(t, e, m, rec)
			m.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func instantiate(t *testing.T, m Module) Instance {
	t.Helper()
	inst, err := m.Instantiate()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Close)
	return inst
}

func TestEngineMemoryAndExports(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine, m Module, _ *recorder) {
		inst := instantiate(t, m)
		if err := inst.Call("store"); err != nil {
			t.Fatal(err)
		}
		mem := inst.Memory()
		if len(mem) != 65536 || mem[8] != 4 || mem[11] != 1 {
			t.Fatalf("memory of %d bytes, [8:12] = %v", len(mem), mem[8:12])
		}
		for name, want := range map[string]bool{"store": true, "loop": true, "with_param": false, "with_result": false, "g": false, "nope": false} {
			if got := inst.HasFunc(name); got != want {
				t.Errorf("HasFunc(%q) = %v, want %v", name, got, want)
			}
		}
		if err := inst.Call("nope"); err == nil {
			t.Fatal("calling a missing export succeeded")
		}
	})
}

func TestEngineHostCallArgs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine, m Module, rec *recorder) {
		inst := instantiate(t, m)
		if err := inst.Call("echo"); err != nil {
			t.Fatal(err)
		}
		if len(rec.args) != 1 || rec.args[0][0] != 0xFFFFFFF9 || int64(rec.args[0][1]) != -9 {
			t.Fatalf("host saw %x, want i32 -7 zero-extended and i64 -9", rec.args)
		}
		mem := inst.Memory()
		if got := int64(le64(mem[16:])); got != -2 {
			t.Fatalf("result %d, want -2", got)
		}
	})
}

func le64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func TestEngineMeter(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine, m Module, _ *recorder) {
		inst := instantiate(t, m)
		inst.SetMeter(10, 1000, 0)
		if got := inst.GasUsed(); got != 10 {
			t.Fatalf("GasUsed = %d after SetMeter", got)
		}
		err := inst.Call("loop")
		var trap *Trap
		if !errors.As(err, &trap) || trap.Code != TrapUnreachable {
			t.Fatalf("loop ended with %v, want an unreachable trap", err)
		}
		if got := inst.GasUsed(); got != 1003 { // 10 + 3k > 1000 first at k = 331
			t.Fatalf("GasUsed = %d, want 1003", got)
		}
		inst.SetGasUsed(5)
		if got := inst.GasUsed(); got != 5 {
			t.Fatalf("GasUsed = %d after SetGasUsed(5)", got)
		}
	})
}

// StopMeter from another goroutine stops a running loop.
func TestEngineStopMeter(t *testing.T) {
	// No garbage collection while the loop runs: wazero's compiled code
	// cannot be preempted, so a collection's stop-the-world would wait for
	// a loop that only the stopping goroutine can end. (In a node the
	// limit is at most MaxGas, so such a wait is bounded by gas.)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	forEachEngine(t, func(t *testing.T, e Engine, m Module, rec *recorder) {
		inst := instantiate(t, m)
		inst.SetMeter(0, 1<<62, 0)
		var stopped atomic.Bool
		go func() {
			<-rec.noted
			stopped.Store(true)
			inst.StopMeter()
		}()
		err := inst.Call("loop_note")
		var trap *Trap
		if !errors.As(err, &trap) || trap.Code != TrapUnreachable || !stopped.Load() {
			t.Fatalf("loop ended with %v (stopped %v)", err, stopped.Load())
		}
	})
}

func TestEngineSnapshotRestore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine, m Module, _ *recorder) {
		inst := instantiate(t, m)
		snap := inst.Snapshot()
		if err := inst.Call("store"); err != nil {
			t.Fatal(err)
		}
		if !inst.Restore(snap) {
			t.Fatal("Restore refused")
		}
		if mem := inst.Memory(); mem[8] != 0 {
			t.Fatal("memory not restored")
		}
		if after := inst.Snapshot(); after.Globals[0] != 5 {
			t.Fatalf("global g = %d after Restore, want 5", after.Globals[0])
		}
		// The global g is restored too: store sets it to 9, and a
		// restored instance behaves like a fresh one.
		if err := inst.Call("grow"); err != nil {
			t.Fatal(err)
		}
		if inst.Restore(snap) {
			t.Fatal("Restore accepted a grown memory")
		}
	})
}

func TestEngineTrapCodes(t *testing.T) {
	want := map[string]TrapCode{
		"unreachable":    TrapUnreachable,
		"div0":           TrapIntegerDivideByZero,
		"overflow":       TrapIntegerOverflow,
		"convert":        TrapInvalidConversion,
		"oob":            TrapMemoryOutOfBounds,
		"undefined_elem": TrapTableOutOfBounds,
		"bad_sig":        TrapIndirectCallType,
	}
	forEachEngine(t, func(t *testing.T, e Engine, m Module, _ *recorder) {
		for export, code := range want {
			inst := instantiate(t, m)
			err := inst.Call(export)
			var trap *Trap
			if !errors.As(err, &trap) || trap.Code != code {
				t.Errorf("%s: %v, want %v", export, err, code)
			}
		}
	})
}

func TestEngineSerializeLoad(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine, m Module, _ *recorder) {
		data, err := m.Serialize()
		if errors.Is(err, ErrNotSerializable) {
			t.Skip("engine cannot serialize")
		}
		if err != nil {
			t.Fatal(err)
		}
		m2, err := e.Load(data)
		if err != nil {
			t.Fatal(err)
		}
		defer m2.Close()
		inst, err := m2.Instantiate()
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		if err := inst.Call("store"); err != nil || inst.Memory()[8] != 4 {
			t.Fatalf("loaded module: %v", err)
		}
	})
}

func TestEngineLifecycle(t *testing.T) {
	for name, newEngine := range engineFactories {
		t.Run(name, func(t *testing.T) {
			e := newEngine()
			if _, err := e.Compile(nil); !errors.Is(err, ErrEngineNotBound) {
				t.Fatalf("Compile before Bind: %v", err)
			}
			rec := &recorder{noted: make(chan struct{})}
			if err := e.Bind(conformanceFuncs, rec); err != nil {
				t.Fatal(err)
			}
			if err := e.Bind(conformanceFuncs, rec); !errors.Is(err, ErrEngineBound) {
				t.Fatalf("second Bind: %v", err)
			}
			if _, err := e.Compile([]byte("\x00asm\x01\x00\x00\x00\xff")); err == nil {
				t.Fatal("garbage compiled")
			}
			code := wat(t, conformanceWAT)
			m, err := e.Compile(code)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Close(); err == nil {
				t.Fatal("Close with a module open succeeded")
			}
			m.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Compile(code); !errors.Is(err, ErrClosed) {
				t.Fatalf("Compile after Close: %v", err)
			}
		})
	}
}

// Restore grows a fresh instance's memory to the snapshot's, and leaves
// the globals alone for a snapshot without them.
func TestEngineRestoreGrows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine, m Module, _ *recorder) {
		a := instantiate(t, m)
		if err := a.Call("grow"); err != nil {
			t.Fatal(err)
		}
		if err := a.Call("store"); err != nil {
			t.Fatal(err)
		}
		a.Memory()[70000] = 42
		snap := a.Snapshot()
		b := instantiate(t, m)
		if !b.Restore(snap) {
			t.Fatal("Restore refused a larger snapshot")
		}
		if mem := b.Memory(); len(mem) != 2*65536 || mem[70000] != 42 || mem[8] != 4 {
			t.Fatalf("restored memory of %d bytes", len(mem))
		}
		if g := b.Snapshot().Globals[0]; g != 9 {
			t.Fatalf("global g = %d, want the snapshot's 9", g)
		}
		c := instantiate(t, m)
		if !c.Restore(&Snapshot{Memory: snap.Memory}) {
			t.Fatal("Restore refused a memory-only snapshot")
		}
		if g := c.Snapshot().Globals[0]; g != 5 || c.Memory()[70000] != 42 {
			t.Fatalf("memory-only Restore: g = %d", g)
		}
	})
}

// A large memory is restored through the engine's fast path (wasmer: an
// image mapped copy-on-write, written pages copied back): whatever was
// written, by the code or by the host, a few pages or most, the memory
// is the snapshot's after Restore.
func TestEngineRestoreLargeMemory(t *testing.T) {
	code := wat(t, `(module
  (memory (export "memory") 48 64)
  (func (export "touch") (local $i i32)
    (loop $l
      (i32.store (i32.mul (local.get $i) (i32.const 12289)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 200)))))`+meterWAT+`)`)
	for name, newEngine := range engineFactories {
		t.Run(name, func(t *testing.T) {
			e := newEngine()
			if err := e.Bind(conformanceFuncs, &recorder{noted: make(chan struct{})}); err != nil {
				t.Fatal(err)
			}
			m, err := e.Compile(code)
			if err != nil {
				t.Fatal(err)
			}
			a, b := instantiate(t, m), instantiate(t, m)
			mem := a.Memory()
			for i := range mem {
				mem[i] = byte(i * 7 / 4096)
			}
			snap := a.Snapshot()
			rnd := uint64(1)
			next := func(n int) int { rnd = rnd*6364136223846793005 + 1442695040888963407; return int(rnd>>33) % n }
			for round := 0; round < 30; round++ {
				for _, inst := range []Instance{a, b} {
					if round%3 == 1 {
						inst.SetMeter(0, 1<<40, 0)
						if err := inst.Call("touch"); err != nil {
							t.Fatal(err)
						}
					}
					mem := inst.Memory()
					writes := next(8)
					if round%5 == 4 {
						writes = len(mem) / 4096 // most pages: mapped afresh
					}
					for w := 0; w < writes; w++ {
						mem[next(len(mem))] ^= 0xA5
					}
					if !inst.Restore(snap) {
						t.Fatal("Restore refused")
					}
					if !bytes.Equal(inst.Memory(), snap.Memory) {
						t.Fatalf("round %d: memory differs from the snapshot after Restore", round)
					}
				}
			}
			if fast, applies := usedFastRestore(a); applies && !fast {
				t.Fatal("wasmer restored the large memory by copying, not through its image")
			}
			a.Close()
			b.Close()
			snap.Release()
			m.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
