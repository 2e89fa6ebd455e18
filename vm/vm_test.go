package vm

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func u64le(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func TestCounter(t *testing.T) {
	e := newTestEnv(t, Options{})
	c := addr(1)
	e.deploy(c, wat(t, counterWAT), u64le(41))
	r := e.mustCall(c, "increment", nil)
	if !bytes.Equal(r.ReturnData, u64le(42)) {
		t.Fatalf("increment returned %x, want 42", r.ReturnData)
	}
	if len(r.Events) != 1 || r.Events[0].Topic != "incremented" || r.Events[0].Address != c || !bytes.Equal(r.Events[0].Data, u64le(42)) {
		t.Fatalf("events %+v", r.Events)
	}
	e.mustCall(c, "increment", nil)
	if r := e.mustCall(c, "get", nil); !bytes.Equal(r.ReturnData, u64le(43)) {
		t.Fatalf("get returned %x, want 43", r.ReturnData)
	}
	if r.GasUsed == 0 {
		t.Fatal("no gas used")
	}
}

func TestKeyValue(t *testing.T) {
	e := newTestEnv(t, Options{})
	c := addr(2)
	e.deploy(c, wat(t, kvWAT), nil)
	e.mustCall(c, "set", append([]byte{3}, "keyvalue"...))
	if r := e.mustCall(c, "get", []byte("key")); string(r.ReturnData) != "value" {
		t.Fatalf("get = %q", r.ReturnData)
	}
	e.mustCall(c, "del", []byte("key"))
	r := e.call(c, "get", []byte("key"))
	ee := wantKind(t, r, KindRevert)
	if ee.Message != "not found" || string(r.ReturnData) != "not found" {
		t.Fatalf("revert message %q, data %q", ee.Message, r.ReturnData)
	}
}

func TestFreshMemoryEveryCall(t *testing.T) {
	e := newTestEnv(t, Options{})
	c := addr(3)
	e.deploy(c, wat(t, scribbleWAT), nil)
	for i := 0; i < 5; i++ {
		r := e.mustCall(c, "run", nil)
		if !bytes.Equal(r.ReturnData, []byte{1, 1}) {
			t.Fatalf("call %d saw memory/global %v, want [1 1]", i, r.ReturnData)
		}
	}
	if s := e.vm.Stats(); s.InstancesReused == 0 {
		t.Fatalf("no instance reused: %+v", s)
	}
}
