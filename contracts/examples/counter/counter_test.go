//go:build !wasip1

package main

import (
	"testing"

	"github.com/noded/noded/contracts/harness"
)

type state struct {
	Count uint64 `json:"count"`
	Owner string `json:"owner"`
}

func get(t *testing.T, c *harness.Chain, r *harness.Receipt) state {
	t.Helper()
	var s state
	if err := r.JSON(&s); err != nil {
		t.Fatalf("return data %q: %v", r.ReturnData, err)
	}
	return s
}

func TestCounter(t *testing.T) {
	code := harness.Build(t, ".")
	c := harness.New(t)
	d := c.Deploy("alice", code, []byte(`{"start": 41}`))
	counter := d.Contract()
	t.Logf("counter: %d bytes, deploy used %d gas", len(code), d.GasUsed)

	r := c.Call("bob", counter, "increment", nil)
	if s := get(t, c, r); s.Count != 42 {
		t.Fatalf("increment: %+v", s)
	}
	ev, ok := r.Event("incremented")
	if !ok || string(ev.Data) != `{"count":42,"by":"`+c.Addr("bob").String()+`"}` || ev.Address != counter {
		t.Fatalf("event %+v", r.Events)
	}
	if s := get(t, c, c.Call("bob", counter, "increment", []byte(`{"by": 8}`))); s.Count != 50 {
		t.Fatalf("increment by 8: %+v", s)
	}
	if s := get(t, c, c.Query(counter, "get", nil)); s.Count != 50 || s.Owner != c.Addr("alice").String() {
		t.Fatalf("get: %+v", s)
	}

	// Only the owner resets; a failed call changes nothing.
	if r := c.TryCall("bob", counter, "reset", nil); r.Error != "reverted: only the owner may reset" || len(r.Events) != 0 {
		t.Fatalf("reset by bob: %+v", r)
	}
	if r := c.TryCall("bob", counter, "increment", []byte(`{"by": "x"}`)); r.Error != `reverted: input: field "by": want a non-negative integer` {
		t.Fatalf("bad input: %s", r.Error)
	}
	if r := c.TryCall("bob", counter, "increment", []byte(`{"by": 18446744073709551615}`)); r.Error != "reverted: count overflows" {
		t.Fatalf("overflow: %s", r.Error)
	}
	if s := get(t, c, c.Query(counter, "get", nil)); s.Count != 50 {
		t.Fatalf("after failures: %+v", s)
	}
	r = c.Call("alice", counter, "reset", nil)
	if _, ok := r.Event("reset"); !ok {
		t.Fatal("no reset event")
	}
	if s := get(t, c, c.Query(counter, "get", nil)); s.Count != 0 {
		t.Fatalf("after reset: %+v", s)
	}
	if v := c.Storage(counter, []byte("count")); v != nil {
		t.Fatalf("count still stored: %x", v)
	}
}
