package client_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/client/clienttest"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

func TestNewDeployAndCall(t *testing.T) {
	key := testKey(t, 1)
	code, init := []byte("\x00asm\x01\x00\x00\x00"), []byte{42}
	d := client.NewDeploy("c", 3, code, init, types.NewAmount(7), 50_000, 2)
	d.Sign(key)
	if err := d.CheckBasic(); err != nil || d.Kind != types.TxDeploy || d.Nonce != 3 || string(d.Code) != string(code) ||
		string(d.Input) != string(init) || d.Amount.Uint64() != 7 || d.GasLimit != 50_000 || d.GasPrice != 2 || !d.To.IsZero() || !d.VerifySig() {
		t.Errorf("deploy %+v: %v", d, err)
	}
	to := types.Address{0xc0}
	c := client.NewCall("c", 4, to, "increment", []byte{1}, types.Amount{}, 30_000, 1)
	c.Sign(key)
	if err := c.CheckBasic(); err != nil || c.Kind != types.TxCall || c.To != to || c.Method != "increment" ||
		string(c.Input) != "\x01" || c.GasLimit != 30_000 || !c.VerifySig() {
		t.Errorf("call %+v: %v", c, err)
	}

	// EstimateArgsOf describes the same transaction, and survives JSON.
	for _, tx := range []*types.Tx{d, c, client.NewTransfer("c", 0, to, types.NewAmount(5), 1)} {
		tx.Sign(key)
		args := client.EstimateArgsOf(tx)
		b, err := json.Marshal(args)
		if err != nil {
			t.Fatal(err)
		}
		var back rpc.EstimateArgs
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		est, err := back.Tx("c")
		if err != nil {
			t.Fatal(err)
		}
		if back.From != tx.Sender() || est.Kind != tx.Kind || est.To != tx.To || est.Method != tx.Method ||
			string(est.Code) != string(tx.Code) || string(est.Input) != string(tx.Input) ||
			est.Amount != tx.Amount || est.GasPrice != tx.GasPrice {
			t.Errorf("%s: estimate of %+v", b, tx)
		}
	}
}

func TestContractStateAndVM(t *testing.T) {
	b, c, _ := setup(t, clienttest.Options{})
	ctx := testCtx(t)
	contract := types.Address{0xc0}
	b.SetCode(contract, []byte("\x00asm"))
	b.SetStorage(contract, []byte("count"), []byte{42})

	if code, err := c.Code(ctx, contract, rpc.LatestBlock); err != nil || string(code) != "\x00asm" {
		t.Errorf("Code = %x, %v", code, err)
	}
	if code, err := c.Code(ctx, types.Address{1}, rpc.LatestBlock); err != nil || code != nil {
		t.Errorf("Code of an account = %x, %v; want nil", code, err)
	}
	if v, err := c.Storage(ctx, contract, []byte("count"), rpc.LatestBlock); err != nil || string(v) != "\x2a" {
		t.Errorf("Storage = %x, %v", v, err)
	}
	if v, err := c.Storage(ctx, contract, []byte("none"), rpc.EarliestBlock); err != nil || v != nil {
		t.Errorf("absent Storage = %x, %v; want nil", v, err)
	}
	if _, err := c.Code(ctx, contract, rpc.BlockAt(3)); !errors.Is(err, rpc.ErrStateUnavailable) {
		t.Errorf("Code beyond the head: %v", err)
	}

	s, err := c.GasSchedule(ctx)
	if err != nil || !reflect.DeepEqual(*s, vm.DefaultSchedule()) {
		t.Errorf("GasSchedule = %+v, %v", s, err)
	}
	info, err := c.VMInfo(ctx)
	if err != nil || info.Engine != "none" || info.ABIVersion != 1 || info.MaxGas != 10_000_000 || info.TimeoutMs != 5000 || info.ScheduleVersion != 1 {
		t.Errorf("VMInfo = %+v, %v", info, err)
	}

	// The fake runs no contracts: calls and contract estimates are refused
	// as "unsupported"; a transfer's estimate is its intrinsic cost.
	alice := addr(testKey(t, 1))
	if _, err := c.ContractCall(ctx, rpc.CallArgs{To: contract, Method: "get"}, rpc.LatestBlock); !errors.Is(err, chain.ErrContractsDisabled) {
		t.Errorf("ContractCall on the fake: %v", err)
	}
	tx := client.NewCall(b.ChainID(), 0, contract, "get", nil, types.Amount{}, 1, 1)
	tx.Sign(testKey(t, 1))
	if _, err := c.EstimateGas(ctx, client.EstimateArgsOf(tx)); !errors.Is(err, chain.ErrContractsDisabled) {
		t.Errorf("EstimateGas of a call on the fake: %v", err)
	}
	tr := client.NewTransfer(b.ChainID(), 0, contract, types.NewAmount(5), 1)
	tr.Sign(testKey(t, 1))
	est, err := c.EstimateGas(ctx, client.EstimateArgsOf(tr))
	if err != nil || uint64(est.Gas) != chain.TxBaseGas || est.Status != rpc.ReceiptStatusSuccess || est.Warning != "" {
		t.Errorf("EstimateGas of a transfer = %+v, %v", est, err)
	}
	poor := client.NewTransfer(b.ChainID(), 0, alice, types.NewAmount(5), 1)
	poor.Sign(testKey(t, 9))
	if _, err := c.EstimateGas(ctx, client.EstimateArgsOf(poor)); !errors.Is(err, chain.ErrInsufficientFunds) {
		t.Errorf("EstimateGas from an empty account: %v", err)
	}
	var re *rpc.Error
	if _, err := c.ContractCall(ctx, rpc.CallArgs{To: contract}, rpc.LatestBlock); !errors.As(err, &re) || re.Code != rpc.CodeInvalidParams {
		t.Errorf("ContractCall without a method: %v", err)
	}
}

// transferEvents makes every transfer emit "paid" from its recipient, and
// "big" too when it moves more than 10.
func transferEvents(tx *types.Tx) []types.Event {
	evs := []types.Event{{Address: tx.To, Topic: "paid", Data: tx.Amount.Bytes()}}
	if tx.Amount.Uint64() > 10 {
		evs = append(evs, types.Event{Address: tx.To, Topic: "big"})
	}
	return evs
}

func TestEventsAndSubscription(t *testing.T) {
	b, _, alice := setup(t, clienttest.Options{Events: transferEvents})
	url := clienttest.Serve(t, b)
	ctx := testCtx(t)
	c := dial(t, clienttest.WebSocketURL(url))
	x, y := types.Address{0xaa}, types.Address{0xbb}

	big := "big"
	evs := make(chan *rpc.RPCEventLog, 8)
	sub, err := c.SubscribeEvents(ctx, rpc.EventFilter{Topic: &big}, evs)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if _, err := dial(t, url).SubscribeEvents(ctx, rpc.EventFilter{}, evs); err == nil {
		t.Error("SubscribeEvents over HTTP succeeded")
	}

	var hashes []types.Hash
	for i, to := range []types.Address{x, y, x} {
		tx := client.NewTransfer(b.ChainID(), uint64(i), to, types.NewAmount(uint64(5+10*i)), 1)
		tx.Sign(alice)
		if _, err := c.SendTx(ctx, tx); err != nil {
			t.Fatal(err)
		}
		b.Mine()
		hashes = append(hashes, tx.Hash())
	}
	// Blocks 2 and 3 each have a "big" event.
	for i, want := range []struct {
		block uint64
		to    types.Address
	}{{2, y}, {3, x}} {
		select {
		case ev := <-evs:
			if uint64(ev.BlockNumber) != want.block || ev.Address != want.to || ev.Topic != "big" || ev.TxHash != hashes[want.block-1] ||
				ev.TxIndex != 0 || ev.EventIndex != 1 {
				t.Errorf("event %d = %+v", i, ev)
			}
		case err := <-sub.Err():
			t.Fatalf("subscription ended: %v", err)
		case <-ctx.Done():
			t.Fatal("no event")
		}
	}

	all, err := c.Events(ctx, rpc.EventQueryArgs{FromBlock: rpc.EarliestBlock, ToBlock: rpc.LatestBlock})
	if err != nil || len(all) != 5 {
		t.Fatalf("Events = %+v, %v; want 5", all, err)
	}
	head := b.Head()
	if all[4].BlockHash != head.Hash() || all[4].Topic != "big" || all[0].Topic != "paid" || all[0].BlockNumber != 1 {
		t.Errorf("events %+v", all)
	}
	paid := "paid"
	toX, err := c.Events(ctx, rpc.EventQueryArgs{FromBlock: rpc.BlockAt(2), ToBlock: rpc.BlockAt(3), Address: &x, Topic: &paid})
	if err != nil || len(toX) != 1 || toX[0].BlockNumber != 3 || toX[0].Address != x || toX[0].Data.String() != "0x19" {
		t.Errorf("paid to x in blocks 2-3 = %+v, %v", toX, err)
	}
	none, err := c.Events(ctx, rpc.EventQueryArgs{FromBlock: rpc.BlockAt(9), ToBlock: rpc.BlockAt(9)})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("events beyond the head = %#v, %v; want []", none, err)
	}
	var re *rpc.Error
	if _, err := c.Events(ctx, rpc.EventQueryArgs{FromBlock: rpc.BlockAt(3), ToBlock: rpc.BlockAt(1)}); !errors.As(err, &re) || re.Code != rpc.CodeInvalidParams {
		t.Errorf("reversed range: %v", err)
	}
}

// A timeout answer (-32032) matches vm.ErrTimeout, whatever the message.
func TestTimeoutErrorConversion(t *testing.T) {
	answer := `{"jsonrpc":"2.0","id":1,"error":{"code":-32032,"message":"estimate stopped: transaction execution timed out","data":{"reason":"timeout"}}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	c := dial(t, srv.URL)
	ctx := testCtx(t)
	_, err := c.ContractCall(ctx, rpc.CallArgs{To: types.Address{1}, Method: "spin"}, rpc.LatestBlock)
	var re *rpc.Error
	if !errors.As(err, &re) || re.Code != rpc.CodeTimeout || re.Reason != "timeout" || !errors.Is(err, chain.ErrTxTimeout) {
		t.Errorf("estimate timeout: %#v", err)
	}
	answer = `{"jsonrpc":"2.0","id":1,"error":{"code":-32032,"message":"the call ran out of time on this node: timeout: stopped","data":{"reason":"timeout"}}}`
	_, err = c.ContractCall(ctx, rpc.CallArgs{To: types.Address{1}, Method: "spin"}, rpc.LatestBlock)
	if !errors.Is(err, vm.ErrTimeout) {
		t.Errorf("query timeout: %#v", err)
	}
}
