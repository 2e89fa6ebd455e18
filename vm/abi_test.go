package vm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/noded/noded/types"
)

var harness = addr(0x11)

func newHarness(t *testing.T) *testEnv {
	e := newTestEnv(t, Options{})
	e.deploy(harness, wat(t, harnessWAT), nil)
	return e
}

// callInput builds the input of the harness's call methods.
func callInput(to types.Address, method string, input []byte) []byte {
	b := append(to[:], byte(len(method)))
	b = append(b, method...)
	return append(b, input...)
}

func TestHostEnv(t *testing.T) {
	e := newHarness(t)
	v := types.NewAmount(5)
	e.host.balances[alice] = types.NewAmount(100)
	r := e.vm.Call(t.Context(), e.host, &e.env, CallRequest{Caller: alice, Contract: harness, Method: "env", Value: v, Gas: MaxGas})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	d := r.ReturnData
	want32 := v.Bytes32()
	if !bytes.Equal(d[:20], alice[:]) || !bytes.Equal(d[20:40], harness[:]) || !bytes.Equal(d[40:72], want32[:]) ||
		binary.LittleEndian.Uint64(d[72:]) != e.env.BlockHeight || binary.LittleEndian.Uint64(d[80:]) != e.env.BlockTime {
		t.Fatalf("env data %x", d)
	}
	if b := e.host.balances[harness]; b.Uint64() != 5 {
		t.Fatalf("value not moved: contract has %s", b.Dec())
	}
}

func TestHostBalanceTransfer(t *testing.T) {
	e := newHarness(t)
	e.host.balances[harness] = types.NewAmount(10)
	bal := e.mustCall(harness, "balance_of", harness[:]).ReturnData
	ten := types.NewAmount(10)
	if want := ten.Bytes32(); !bytes.Equal(bal, want[:]) {
		t.Fatalf("balance %x", bal)
	}
	seven := types.NewAmount(7)
	amt := seven.Bytes32()
	if r := e.mustCall(harness, "pay", append(bob[:], amt[:]...)); r.ReturnData[0] != 0 {
		t.Fatalf("pay returned %d", r.ReturnData[0])
	}
	if r := e.mustCall(harness, "pay", append(bob[:], amt[:]...)); r.ReturnData[0] != 1 {
		t.Fatalf("pay over the balance returned %d, want 1", r.ReturnData[0])
	}
	if b := e.host.balances[bob]; b.Uint64() != 7 {
		t.Fatalf("bob has %s", b.Dec())
	}
}

func TestHostHashLogGas(t *testing.T) {
	e := newHarness(t)
	sum := sha256.Sum256([]byte("hello"))
	if r := e.mustCall(harness, "hash", []byte("hello")); !bytes.Equal(r.ReturnData, sum[:]) {
		t.Fatalf("sha256 = %x", r.ReturnData)
	}
	if r := e.mustCall(harness, "log", []byte("hi there")); len(r.Logs) != 1 || !strings.HasSuffix(r.Logs[0], ": hi there") {
		t.Fatalf("logs %q", r.Logs)
	}
	r := e.mustCall(harness, "gas", nil)
	left := binary.LittleEndian.Uint64(r.ReturnData)
	if left == 0 || left >= MaxGas || r.GasUsed >= MaxGas-left+2000 {
		t.Fatalf("gas_left %d with %d used in all", left, r.GasUsed)
	}
	// Less gas, less left, and the same gas used.
	r2 := e.callGas(harness, "gas", nil, 100_000)
	if left2 := binary.LittleEndian.Uint64(r2.ReturnData); MaxGas-left != 100_000-left2 || r2.GasUsed != r.GasUsed {
		t.Fatalf("gas_left %d of 100000 vs %d of MaxGas; used %d vs %d", left2, left, r2.GasUsed, r.GasUsed)
	}
}

func TestHostEvents(t *testing.T) {
	e := newHarness(t)
	r := e.mustCall(harness, "event", append([]byte{5}, "topicdata"...))
	if len(r.Events) != 1 || r.Events[0].Topic != "topic" || string(r.Events[0].Data) != "data" || r.Events[0].Address != harness {
		t.Fatalf("events %+v", r.Events)
	}
}

// Misused host calls fail with KindHostError and a deterministic message
// that names the call and the problem; the call's writes are undone.
func TestHostMisuse(t *testing.T) {
	cases := map[string]string{
		"key_oob":        "host call storage_read: key [131070, 131074) is outside memory of 131072 bytes",
		"value_oob":      "host call storage_read: value [131000, 132000) is outside memory of 131072 bytes",
		"neg_len":        "host call storage_write: negative key length -1",
		"neg_ptr":        "host call storage_write: negative key pointer -5",
		"big_key":        "host call storage_write: key of 257 bytes exceeds 256",
		"big_value":      "host call storage_write: value of 65537 bytes exceeds 65536",
		"big_topic":      "host call emit_event: topic of 65 bytes exceeds 64",
		"bad_topic":      "host call emit_event: topic is not valid UTF-8",
		"big_event_data": "host call emit_event: data of 65537 bytes exceeds 65536",
		"many_events":    "host call emit_event: more than 1024 events",
		"big_return":     "host call return_data: data of 65537 bytes exceeds 65536",
		"input_oob":      "host call input_read: input [131070, 131075) is outside memory of 131072 bytes",
		"hash_oob":       "host call sha256: hash [131060, 131092) is outside memory of 131072 bytes",
		"big_log":        "host call debug_log: message of 1025 bytes exceeds 1024",
		"call_bad_addr":  "host call call_contract: address [131070, 131090) is outside memory of 131072 bytes",
	}
	e := newHarness(t)
	for method, want := range cases {
		t.Run(method, func(t *testing.T) {
			before := e.host.dump()
			r := e.call(harness, method, []byte("12345"))
			ee := wantKind(t, r, KindHostError)
			if ee.Message != want {
				t.Fatalf("message %q\nwant    %q", ee.Message, want)
			}
			if r.GasUsed == 0 || r.GasUsed >= MaxGas {
				t.Fatalf("gas used %d", r.GasUsed)
			}
			if r.Events != nil || !equalStrings(e.host.dump(), before) {
				t.Fatal("failed call left events or state")
			}
			// Deterministic: the same again.
			if r2 := e.call(harness, method, []byte("12345")); r2.GasUsed != r.GasUsed || r2.Err.Error() != r.Err.Error() {
				t.Fatalf("second run: %d %v vs %d %v", r2.GasUsed, r2.Err, r.GasUsed, r.Err)
			}
		})
	}
}

func equalStrings(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func TestRevert(t *testing.T) {
	e := newHarness(t)
	r := e.call(harness, "write_revert", nil)
	ee := wantKind(t, r, KindRevert)
	if ee.Message != "boom" || string(r.ReturnData) != "boom" {
		t.Fatalf("revert: %q, data %q", ee.Message, r.ReturnData)
	}
	if len(e.host.storage) != 0 {
		t.Fatal("reverted write kept")
	}
	// Return data set before a revert is replaced by the revert data.
	r = e.call(harness, "revert_after_return", nil)
	if ee := wantKind(t, r, KindRevert); ee.Message != "a" || string(r.ReturnData) != "a" {
		t.Fatalf("revert after return: %q %q", ee.Message, r.ReturnData)
	}
}

func TestNoMethod(t *testing.T) {
	e := newHarness(t)
	for _, m := range []string{"nope", "init", "noded_start", "noded_gas_used", "with_param", "memory", ""} {
		wantKind(t, e.call(harness, m, nil), KindNoMethod)
	}
	wantKind(t, e.call(addr(0x99), "env", nil), KindNoContract)
}

func TestInsufficientValue(t *testing.T) {
	e := newHarness(t)
	r := e.vm.Call(t.Context(), e.host, &e.env, CallRequest{Caller: alice, Contract: harness, Method: "env", Value: types.NewAmount(1), Gas: MaxGas})
	wantKind(t, r, KindInsufficientBalance)
}
