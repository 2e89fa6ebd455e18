//go:build cgo

package node

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmerio/wasmer-go/wasmer"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	counter "github.com/noded/noded/contracts/examples/counter-wat"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// The end-to-end test of the counter contract needs cgo: its looping
// contract is written in WAT (compiled by wasmer's wat2wasm), and it
// checks that the node runs wasmer, the default engine of a cgo build.

// spinWAT loops forever: only gas or the node's time limit stops it. Each
// turn makes a host call, the slowest gas there is (~40 ms for MaxGas
// here), so that a 1 ms time limit stops it well before its gas runs out:
// a bare loop spends MaxGas in ~1.3 ms and raced the limit.
const spinWAT = `(module (import "env" "gas_left" (func $gas_left (result i64))) (memory (export "memory") 1)
  (func (export "spin") (loop $l (drop (call $gas_left)) (br $l))))`

func watWasm(t *testing.T, src string) []byte {
	t.Helper()
	b, err := wasmer.Wat2Wasm(src)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestContractsEndToEnd drives the counter example over JSON-RPC: deploy,
// calls, queries, estimates, code, storage, events by range, topic and
// WebSocket subscription, a revert, out of gas, and the timeout of a
// query on a node with a short time limit.
func TestContractsEndToEnd(t *testing.T) {
	home := t.TempDir()
	tn := startNode(t, Config{Home: home})
	ctx := ctxT(t)
	c := tn.c
	alice := &contractUser{t: t, c: c, key: DevKey(0)}
	bob := &contractUser{t: t, c: c, key: DevKey(1)}

	// Deploy, with the estimate as the gas limit: it is exact.
	rc, est := alice.deploy(ctx, counter.Wasm, u64(41))
	contract := types.ContractAddress(alice.addr(), 0)
	if rc.Status != rpc.ReceiptStatusSuccess || rc.ContractAddress == nil || *rc.ContractAddress != contract || rc.To != nil {
		t.Fatalf("deploy receipt %+v", rc)
	}
	if est.Status != rpc.ReceiptStatusSuccess || rc.GasUsed != est.Gas || est.Warning != "" {
		t.Fatalf("deploy used %d gas, estimate %+v", rc.GasUsed, est)
	}
	if intrinsic := chain.IntrinsicGas(&types.Tx{Code: counter.Wasm, Input: u64(41)}); uint64(rc.GasUsed) <= intrinsic+vm.DefaultSchedule().Deploy {
		t.Errorf("deploy used %d gas, no more than its intrinsic and deploy cost", rc.GasUsed)
	}
	deployBlock := rpc.BlockAt(uint64(rc.BlockNumber))

	// Code and storage, now and before the deploy.
	code, err := c.Code(ctx, contract, rpc.LatestBlock)
	if err != nil || !bytes.Equal(code, counter.Wasm) {
		t.Fatalf("code: %d bytes, %v", len(code), err)
	}
	if code, err := c.Code(ctx, contract, rpc.EarliestBlock); err != nil || code != nil {
		t.Errorf("code before the deploy: %x, %v", code, err)
	}
	if code, err := c.Code(ctx, alice.addr(), rpc.LatestBlock); err != nil || code != nil {
		t.Errorf("code of an account: %x, %v", code, err)
	}
	if v, err := c.Storage(ctx, contract, []byte(counter.StorageKey), rpc.LatestBlock); err != nil || !bytes.Equal(v, u64(41)) {
		t.Errorf("storage: %x, %v", v, err)
	}
	if v, err := c.Storage(ctx, contract, []byte("other"), rpc.LatestBlock); err != nil || v != nil {
		t.Errorf("absent storage: %x, %v", v, err)
	}

	// Events of new blocks over WebSocket: this contract's "incremented".
	ws, err := client.Dial(ctx, "ws://"+tn.n.RPCAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Close)
	topic := counter.TopicIncremented
	evs := make(chan *rpc.RPCEventLog, 16)
	sub, err := ws.SubscribeEvents(ctx, rpc.EventFilter{Address: &contract, Topic: &topic}, evs)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()

	// A call: the estimate is what the receipt says.
	rc, est = bob.call(ctx, contract, counter.MethodIncrement, 0)
	if rc.Status != rpc.ReceiptStatusSuccess || !bytes.Equal(rc.ReturnData, u64(42)) || rc.GasUsed != est.Gas ||
		len(rc.Events) != 1 || rc.Events[0].Topic != counter.TopicIncremented || rc.Events[0].Address != contract ||
		!bytes.Equal(rc.Events[0].Data, u64(42)) {
		t.Fatalf("increment receipt %+v, estimate %+v", rc, est)
	}
	incremented := rc
	select {
	case ev := <-evs:
		want := rpc.RPCEventLog{BlockNumber: rc.BlockNumber, BlockHash: rc.BlockHash, TxHash: rc.TransactionHash, TxIndex: rc.Index,
			EventIndex: 0, Address: contract, Topic: counter.TopicIncremented, Data: u64(42)}
		if !reflect.DeepEqual(*ev, want) {
			t.Errorf("subscribed event %+v, want %+v", ev, want)
		}
	case err := <-sub.Err():
		t.Fatalf("subscription ended: %v", err)
	case <-ctx.Done():
		t.Fatal("no event over the subscription")
	}

	// Queries: at the head, at the deploy block; a mutating method
	// answers but nothing is kept.
	get := rpc.CallArgs{To: contract, Method: counter.MethodGet}
	q, err := c.ContractCall(ctx, get, rpc.LatestBlock)
	if err != nil || !bytes.Equal(q.ReturnData, u64(42)) || q.GasUsed == 0 || q.Error != "" || len(q.Events) != 0 {
		t.Fatalf("query get: %+v, %v", q, err)
	}
	if q, err := c.ContractCall(ctx, get, deployBlock); err != nil || !bytes.Equal(q.ReturnData, u64(41)) {
		t.Errorf("query get at the deploy block: %+v, %v", q, err)
	}
	head, _ := c.BlockNumber(ctx)
	q, err = c.ContractCall(ctx, rpc.CallArgs{To: contract, Method: counter.MethodIncrement}, rpc.LatestBlock)
	if err != nil || !bytes.Equal(q.ReturnData, u64(43)) || len(q.Events) != 1 || q.Events[0].Topic != counter.TopicIncremented {
		t.Fatalf("query increment: %+v, %v", q, err)
	}
	if q, err := c.ContractCall(ctx, get, rpc.LatestBlock); err != nil || !bytes.Equal(q.ReturnData, u64(42)) {
		t.Errorf("a query changed the state: get = %+v, %v", q, err)
	}
	if now, _ := c.BlockNumber(ctx); now != head {
		t.Errorf("a query made a block: head %d, was %d", now, head)
	}
	if _, err := c.ContractCall(ctx, get, rpc.BlockAt(head+1)); !errors.Is(err, rpc.ErrStateUnavailable) {
		t.Errorf("query beyond the head: %v", err)
	}
	if q, err := c.ContractCall(ctx, rpc.CallArgs{To: contract, Method: "nope"}, rpc.LatestBlock); err != nil || !strings.Contains(q.Error, "no such method") {
		t.Errorf("query of a missing method: %+v, %v", q, err)
	}

	// A revert: its reason and data in the receipt (and in the estimate).
	carol := &contractUser{t: t, c: c, key: DevKey(2)}
	rc, _ = carol.deploy(ctx, counter.Wasm, nil)
	zero := *rc.ContractAddress
	revertTx := client.NewCall(DefaultChainID, carol.nonce, zero, counter.MethodDecrement, nil, types.Amount{}, 0, 1)
	est = carol.estimate(ctx, revertTx)
	rc, _ = carol.call(ctx, zero, counter.MethodDecrement, uint64(est.Gas))
	if rc.Status != rpc.ReceiptStatusFailed || rc.Error != "reverted: "+counter.ErrZero || string(rc.ReturnData) != counter.ErrZero ||
		len(rc.Events) != 0 || rc.GasUsed != est.Gas || est.Status != rpc.ReceiptStatusFailed || est.Error != rc.Error {
		t.Fatalf("revert receipt %+v, estimate %+v", rc, est)
	}
	if q, err := c.ContractCall(ctx, rpc.CallArgs{To: zero, Method: counter.MethodDecrement}, rpc.LatestBlock); err != nil ||
		q.Error != rc.Error || string(q.ReturnData) != counter.ErrZero {
		t.Errorf("query of the revert: %+v, %v", q, err)
	}

	// Out of gas: a limit just above the intrinsic cost; all of it is used.
	limit := chain.TxBaseGas + chain.TxByteGas*uint64(len(counter.MethodIncrement)) + 50
	rc, _ = bob.call(ctx, contract, counter.MethodIncrement, limit)
	if rc.Status != rpc.ReceiptStatusFailed || !strings.HasPrefix(rc.Error, "out of gas") || uint64(rc.GasUsed) != limit || len(rc.Events) != 0 {
		t.Fatalf("out-of-gas receipt %+v", rc)
	}
	// An infinite loop runs out of gas too; its estimate warns that no gas
	// limit is enough, and a query of it uses the maximum.
	rc, _ = alice.deploy(ctx, watWasm(t, spinWAT), nil)
	spin := *rc.ContractAddress
	est = alice.estimate(ctx, client.NewCall(DefaultChainID, 0, spin, "spin", nil, types.Amount{}, 0, 1))
	if est.Status != rpc.ReceiptStatusFailed || uint64(est.Gas) != chain.MaxTxGas || !strings.Contains(est.Warning, "maximum") {
		t.Errorf("estimate of an infinite loop: %+v", est)
	}
	rc, _ = alice.call(ctx, spin, "spin", 100_000)
	if rc.Status != rpc.ReceiptStatusFailed || !strings.HasPrefix(rc.Error, "out of gas") || rc.GasUsed != 100_000 {
		t.Errorf("infinite loop receipt %+v", rc)
	}
	if q, err := c.ContractCall(ctx, rpc.CallArgs{To: spin, Method: "spin"}, rpc.LatestBlock); err != nil ||
		!strings.HasPrefix(q.Error, "out of gas") || uint64(q.GasUsed) != vm.MaxGas {
		t.Errorf("query of an infinite loop: %+v, %v", q, err)
	}

	// A successful decrement, then events by range, address and topic.
	rc, _ = bob.call(ctx, contract, counter.MethodDecrement, 0)
	if rc.Status != rpc.ReceiptStatusSuccess || !bytes.Equal(rc.ReturnData, u64(41)) {
		t.Fatalf("decrement receipt %+v", rc)
	}
	decremented := rc
	all, err := c.Events(ctx, rpc.EventQueryArgs{FromBlock: rpc.EarliestBlock, ToBlock: rpc.LatestBlock})
	if err != nil || len(all) != 2 {
		t.Fatalf("all events: %+v, %v", all, err)
	}
	for i, want := range []struct {
		rc    *rpc.RPCReceipt
		topic string
		data  []byte
	}{{incremented, counter.TopicIncremented, u64(42)}, {decremented, counter.TopicDecremented, u64(41)}} {
		ev := all[i]
		if ev.TxHash != want.rc.TransactionHash || ev.BlockNumber != want.rc.BlockNumber || ev.BlockHash != want.rc.BlockHash ||
			ev.TxIndex != want.rc.Index || ev.EventIndex != 0 || ev.Address != contract || ev.Topic != want.topic || !bytes.Equal(ev.Data, want.data) {
			t.Errorf("event %d: %+v", i, ev)
		}
	}
	dec := counter.TopicDecremented
	for name, tc := range map[string]struct {
		q    rpc.EventQueryArgs
		want int
	}{
		"by topic":          {rpc.EventQueryArgs{FromBlock: rpc.EarliestBlock, ToBlock: rpc.LatestBlock, Topic: &dec}, 1},
		"by address":        {rpc.EventQueryArgs{FromBlock: rpc.EarliestBlock, ToBlock: rpc.LatestBlock, Address: &contract}, 2},
		"other contract":    {rpc.EventQueryArgs{FromBlock: rpc.EarliestBlock, ToBlock: rpc.LatestBlock, Address: &zero}, 0},
		"the deploy block":  {rpc.EventQueryArgs{FromBlock: deployBlock, ToBlock: deployBlock}, 0},
		"the increment one": {rpc.EventQueryArgs{FromBlock: rpc.BlockAt(uint64(incremented.BlockNumber)), ToBlock: rpc.BlockAt(uint64(incremented.BlockNumber))}, 1},
	} {
		if got, err := c.Events(ctx, tc.q); err != nil || len(got) != tc.want {
			t.Errorf("%s: %d events (%v), want %d", name, len(got), err, tc.want)
		}
	}

	// The VM as the node reports it.
	info, err := c.VMInfo(ctx)
	if err != nil || !strings.HasPrefix(info.Engine, "wasmer") || info.ABIVersion != 1 || uint64(info.MaxGas) != vm.MaxGas || info.TimeoutMs != 5000 {
		t.Errorf("vm_info: %+v, %v", info, err)
	}
	if s, err := c.GasSchedule(ctx); err != nil || !reflect.DeepEqual(*s, vm.DefaultSchedule()) {
		t.Errorf("vm_gasSchedule: %+v, %v", s, err)
	}

	// The same chain on a node with a 1 ms limit: the loop times out.
	tn.stop()
	tn = startNode(t, Config{Home: home, ContractTimeout: time.Millisecond})
	c = tn.c
	_, err = c.ContractCall(ctx, rpc.CallArgs{To: spin, Method: "spin"}, rpc.LatestBlock)
	var re *rpc.Error
	if !errors.Is(err, vm.ErrTimeout) || !errors.As(err, &re) || re.Code != rpc.CodeTimeout || re.Reason != "timeout" {
		t.Errorf("query of an infinite loop past the time limit: %v", err)
	}
	spinArgs := rpc.EstimateArgs{From: alice.addr(), To: &spin, Method: "spin"}
	if _, err := c.EstimateGas(ctx, spinArgs); !errors.As(err, &re) || re.Code != rpc.CodeTimeout {
		t.Errorf("estimate of an infinite loop past the time limit: %v", err)
	}
	if info, err := c.VMInfo(ctx); err != nil || info.TimeoutMs != 1 {
		t.Errorf("vm_info with a 1 ms limit: %+v, %v", info, err)
	}
}
