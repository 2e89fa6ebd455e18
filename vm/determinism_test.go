package vm

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/noded/noded/types"
)

// step is one operation of a determinism script.
type step struct {
	deploy bool
	to     types.Address
	method string
	input  []byte
	gas    uint64
}

// script deploys the test contracts and calls them, failures included.
func script(t *testing.T) []step {
	counter, kv := addr(1), addr(2)
	steps := []step{
		{deploy: true, to: counter, input: wat(t, counterWAT)},
		{deploy: true, to: kv, input: wat(t, kvWAT)},
		{deploy: true, to: harness, input: wat(t, harnessWAT)},
	}
	for i := 0; i < 30; i++ {
		steps = append(steps,
			step{to: counter, method: "increment", gas: MaxGas},
			step{to: kv, method: "set", input: append([]byte{2}, fmt.Sprintf("k%dvalue-%d", i%10, i)...), gas: MaxGas},
			step{to: kv, method: "get", input: []byte(fmt.Sprintf("k%d", (i+3)%10)), gas: MaxGas},
			step{to: harness, method: []string{"loop", "recursion", "neg_ptr", "write_revert", "grow_once", "big_key"}[i%6], gas: uint64(50_000 + 7*i)},
			step{to: harness, method: "write_then_call", input: callInput(harness, []string{"write_trap", "write_b", "write_revert"}[i%3], nil), gas: MaxGas},
			step{to: harness, method: "recurse", gas: uint64(200_000 + 1000*i)},
			step{to: counter, method: "increment", gas: uint64(3000 + 1000*i)}, // some run out of gas
		)
	}
	return steps
}

type outcomeRecord struct {
	Gas    uint64
	Return []byte
	Events []types.Event
	Err    string
}

func runScript(t *testing.T, reuse bool) ([]outcomeRecord, []string) {
	e := newTestEnv(t, Options{})
	e.vm.reuse = reuse
	var out []outcomeRecord
	for _, s := range script(t) {
		var r Result
		if s.deploy {
			r = e.vm.Deploy(t.Context(), e.host, &e.env, alice, s.to, s.input, nil, types.Amount{}, MaxGas)
		} else {
			r = e.callGas(s.to, s.method, s.input, s.gas)
		}
		rec := outcomeRecord{Gas: r.GasUsed, Return: r.ReturnData, Events: r.Events}
		if r.Err != nil {
			rec.Err = r.Err.Error()
		}
		out = append(out, rec)
	}
	return out, e.host.dump()
}

// The same calls on fresh VMs give the same gas, results, events and
// storage, whether instances are kept between calls or not.
func TestDeterminism(t *testing.T) {
	a, sa := runScript(t, true)
	b, sb := runScript(t, true)
	c, sc := runScript(t, false)
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) || !reflect.DeepEqual(a[i], c[i]) {
			t.Fatalf("step %d differs:\n%+v\n%+v\n%+v", i, a[i], b[i], c[i])
		}
	}
	if !reflect.DeepEqual(sa, sb) || !reflect.DeepEqual(sa, sc) {
		t.Fatal("storage differs")
	}
	var failed int
	for _, r := range a {
		if r.Err != "" {
			failed++
		}
	}
	if failed < 30 || failed == len(a) {
		t.Fatalf("%d of %d steps failed: the script must mix successes and failures", failed, len(a))
	}
}
