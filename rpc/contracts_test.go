package rpc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/mempool"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

func TestContractCall(t *testing.T) {
	f := withContracts(newFake())
	contract := types.Address{0xc0}
	f.contracts.result = vm.Result{GasUsed: 1234, ReturnData: []byte{42, 0},
		Events: []types.Event{{Address: contract, Topic: "incremented", Data: []byte{42}}}}
	s := startServer(t, f, Config{})

	raw := result(t, s, "contract_call", map[string]any{
		"to": contract, "method": "get", "input": "0x0102", "from": types.Address{9}, "value": "0x5", "gas": "0x64",
	})
	jsonEqual(t, "success", raw, fmt.Sprintf(`{"returnData":"0x2a00","gasUsed":"0x4d2",
		"events":[{"address":%q,"topic":"incremented","data":"0x2a"}],"error":""}`, contract))
	q := f.contracts.queries[0]
	if q.height != nil || q.req.Contract != contract || q.req.Method != "get" || string(q.req.Input) != "\x01\x02" ||
		q.req.Caller != (types.Address{9}) || q.req.Value.Uint64() != 5 || q.req.Gas != 100 {
		t.Errorf("backend got %+v at %v", q.req, q.height)
	}

	// Defaults: no input, the zero caller, no value, the maximum gas; a
	// past block goes to the backend as its height.
	result(t, s, "contract_call", map[string]any{"to": contract, "method": "get"}, "0x1")
	q = f.contracts.queries[1]
	if q.height == nil || *q.height != 1 || len(q.req.Input) != 0 || !q.req.Caller.IsZero() || !q.req.Value.IsZero() || q.req.Gas != vm.MaxGas {
		t.Errorf("defaults: %+v at %v", q.req, q.height)
	}

	// A call that fails in the VM is a result; a revert keeps its data.
	f.contracts.result = vm.Result{GasUsed: 77, ReturnData: []byte("no"), Err: &vm.ExecError{Kind: vm.KindRevert, Message: "no"}}
	jsonEqual(t, "revert", result(t, s, "contract_call", map[string]any{"to": contract, "method": "fail"}),
		`{"returnData":"0x6e6f","gasUsed":"0x4d","events":[],"error":"reverted: no"}`)
	f.contracts.result = vm.Result{GasUsed: vm.MaxGas, Err: vm.ErrOutOfGas}
	jsonEqual(t, "out of gas", result(t, s, "contract_call", map[string]any{"to": contract, "method": "spin"}),
		`{"returnData":"0x","gasUsed":"0x989680","events":[],"error":"out of gas"}`)
}

// A timeout is error -32032, whether the backend returns it or leaves it
// in the result; an internal VM failure is -32603.
func TestContractCallNodeLocalFailures(t *testing.T) {
	f := withContracts(newFake())
	s := startServer(t, f, Config{})
	args := map[string]any{"to": types.Address{0xc0}, "method": "spin"}
	timeout := &vm.ExecError{Kind: vm.KindTimeout, Message: "execution stopped by the node's time limit"}

	f.contracts.result = vm.Result{GasUsed: 5, Err: timeout}
	e := callErr(t, s, "contract_call", args)
	if e.Code != CodeTimeout || string(e.Data) != `{"reason":"timeout"}` || !strings.Contains(e.Message, "time limit") {
		t.Errorf("timeout in the result: %d %s %s", e.Code, e.Message, e.Data)
	}
	f.contracts.result, f.contracts.queryErr = vm.Result{}, fmt.Errorf("query: %w", timeout)
	if e := callErr(t, s, "contract_call", args); e.Code != CodeTimeout {
		t.Errorf("timeout error: %d %s", e.Code, e.Message)
	}
	f.contracts.result, f.contracts.queryErr = vm.Result{Err: &vm.ExecError{Kind: vm.KindInternal, Message: "disk"}}, nil
	if e := callErr(t, s, "contract_call", args); e.Code != CodeInternal || !strings.Contains(e.Message, "disk") {
		t.Errorf("internal: %d %s", e.Code, e.Message)
	}
}

func TestContractCallBadParams(t *testing.T) {
	f := withContracts(newFake())
	f.prunedBelow = 1
	s := startServer(t, f, Config{})
	to := types.Address{0xc0}
	for name, tc := range map[string]struct {
		params []any
		code   int
		want   string
	}{
		"no to":            {[]any{map[string]any{"method": "get"}}, CodeInvalidParams, `missing "to"`},
		"no method":        {[]any{map[string]any{"to": to}}, CodeInvalidParams, `missing "method"`},
		"empty method":     {[]any{map[string]any{"to": to, "method": ""}}, CodeInvalidParams, `missing "method"`},
		"unknown field":    {[]any{map[string]any{"to": to, "method": "get", "data": "0x"}}, CodeInvalidParams, `unknown field "data"`},
		"long method":      {[]any{map[string]any{"to": to, "method": strings.Repeat("m", 65)}}, CodeInvalidParams, "at most 64"},
		"big input":        {[]any{map[string]any{"to": to, "method": "get", "input": "0x" + strings.Repeat("00", types.MaxInputSize+1)}}, CodeInvalidParams, "at most 65536"},
		"zero gas":         {[]any{map[string]any{"to": to, "method": "get", "gas": "0x0"}}, CodeInvalidParams, "must be 1 to 10000000"},
		"too much gas":     {[]any{map[string]any{"to": to, "method": "get", "gas": "0x989681"}}, CodeInvalidParams, "must be 1 to 10000000"},
		"gas as number":    {[]any{map[string]any{"to": to, "method": "get", "gas": 5}}, CodeInvalidParams, ""},
		"not an object":    {[]any{"0x01"}, CodeInvalidParams, ""},
		"bad block":        {[]any{map[string]any{"to": to, "method": "get"}, "pending"}, CodeInvalidParams, ""},
		"beyond head":      {[]any{map[string]any{"to": to, "method": "get"}, "0x3"}, CodeStateUnavailable, "beyond the head"},
		"pruned":           {[]any{map[string]any{"to": to, "method": "get"}, "earliest"}, CodeStateUnavailable, "pruned"},
		"no params at all": {nil, CodeInvalidParams, ""},
	} {
		e := callErr(t, s, "contract_call", tc.params...)
		if e.Code != tc.code || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: %d %q, want %d %q", name, e.Code, e.Message, tc.code, tc.want)
		}
	}
	if n := len(f.contracts.queries); n != 0 {
		t.Errorf("%d refused calls reached the backend", n)
	}
}

func TestEstimateGas(t *testing.T) {
	f := withContracts(newFake())
	s := startServer(t, f, Config{})
	from, to := types.Address{1}, types.Address{0xc0}
	f.contracts.receipt = types.Receipt{Status: types.ReceiptSuccess, GasUsed: 31_337}

	for _, tc := range []struct {
		args map[string]any
		kind types.TxKind
	}{
		{map[string]any{"from": from, "to": to, "value": "0x10"}, types.TxTransfer},
		{map[string]any{"from": from, "code": "0x0061736d", "input": "0x2a"}, types.TxDeploy},
		{map[string]any{"from": from, "to": to, "method": "increment", "gasPrice": "0x3"}, types.TxCall},
		{map[string]any{"from": from, "to": to, "method": "get", "kind": "call"}, types.TxCall},
	} {
		jsonEqual(t, "estimate", result(t, s, "tx_estimateGas", tc.args), `{"gas":"0x7a69","status":"success","error":"","warning":""}`)
		est := f.contracts.estimates[len(f.contracts.estimates)-1]
		tx := est.tx
		if est.sender != from || tx.Kind != tc.kind || tx.ChainID != "noded-test" || tx.GasLimit != chain.MaxTxGas {
			t.Errorf("%v: backend got kind %v chain %q gas %d from %s", tc.args, tx.Kind, tx.ChainID, tx.GasLimit, est.sender)
		}
		if tc.kind == types.TxCall && (tx.To != to || tx.Method != tc.args["method"]) {
			t.Errorf("call: %+v", tx)
		}
		if tc.kind == types.TxDeploy && (string(tx.Code) != "\x00asm" || string(tx.Input) != "*" || !tx.To.IsZero()) {
			t.Errorf("deploy: %+v", tx)
		}
	}
	if tx := f.contracts.estimates[0].tx; tx.Amount.Uint64() != 16 || tx.To != to {
		t.Errorf("transfer: %+v", tx)
	}
	if tx := f.contracts.estimates[2].tx; tx.GasPrice != 3 {
		t.Errorf("gas price: %d", tx.GasPrice)
	}

	// A failure is a result; out of gas at the maximum carries a warning.
	f.contracts.receipt = types.Receipt{Status: types.ReceiptFailed, GasUsed: 5_000, Error: "reverted: no"}
	jsonEqual(t, "revert", result(t, s, "tx_estimateGas", map[string]any{"from": from, "to": to, "method": "fail"}),
		`{"gas":"0x1388","status":"failed","error":"reverted: no","warning":""}`)
	f.contracts.receipt = types.Receipt{Status: types.ReceiptFailed, GasUsed: chain.MaxTxGas, Error: "out of gas"}
	est := decode[RPCEstimate](t, result(t, s, "tx_estimateGas", map[string]any{"from": from, "to": to, "method": "spin"}))
	if est.Status != "failed" || est.Gas != 10_000_000 || !strings.Contains(est.Warning, "more than the maximum of 10000000 gas") ||
		!strings.Contains(est.Warning, "ran out of gas at the maximum") {
		t.Errorf("out of gas at the maximum: %+v", est)
	}

	// No transaction of a valid size has an intrinsic cost past the
	// maximum any more (code costs chain.TxCodeByteGas a byte, at most
	// types.MaxCodeSize bytes); api_contract.go keeps the check.
	if ig := chain.IntrinsicGas(&types.Tx{Code: make([]byte, types.MaxCodeSize), Input: make([]byte, types.MaxInputSize)}); ig > chain.MaxTxGas {
		t.Errorf("the largest deploy has an intrinsic cost of %d, over the maximum", ig)
	}

	// Refusals and timeouts are errors with their codes.
	f.contracts.estErr = fmt.Errorf("%w: balance 0", chain.ErrInsufficientFunds)
	if e := callErr(t, s, "tx_estimateGas", map[string]any{"from": from, "to": to, "value": "0x1"}); e.Code != CodeInsufficientFunds {
		t.Errorf("insufficient funds: %d %s", e.Code, e.Message)
	}
	f.contracts.estErr = fmt.Errorf("estimate: %w: timeout", chain.ErrTxTimeout)
	if e := callErr(t, s, "tx_estimateGas", map[string]any{"from": from, "to": to, "method": "spin"}); e.Code != CodeTimeout ||
		string(e.Data) != `{"reason":"timeout"}` {
		t.Errorf("timeout: %d %s %s", e.Code, e.Message, e.Data)
	}
}

func TestEstimateGasBadParams(t *testing.T) {
	f := withContracts(newFake())
	s := startServer(t, f, Config{})
	from, to := types.Address{1}, types.Address{0xc0}
	for name, tc := range map[string]struct {
		args map[string]any
		want string
	}{
		"no from":               {map[string]any{"to": to}, `missing "from"`},
		"transfer without to":   {map[string]any{"from": from}, `transfer needs "to"`},
		"transfer with input":   {map[string]any{"from": from, "to": to, "kind": "transfer", "input": "0x01"}, "transfer carries no"},
		"deploy with to":        {map[string]any{"from": from, "to": to, "code": "0x00"}, `deploy has no "to"`},
		"deploy with method":    {map[string]any{"from": from, "code": "0x00", "method": "x"}, `deploy has no "method"`},
		"deploy without code":   {map[string]any{"from": from, "kind": "deploy"}, `deploy needs "code"`},
		"call without to":       {map[string]any{"from": from, "method": "get"}, `call needs "to" and "method"`},
		"call without method":   {map[string]any{"from": from, "to": to, "kind": "call"}, `call needs "to" and "method"`},
		"call with code":        {map[string]any{"from": from, "to": to, "kind": "call", "method": "x", "code": "0x00"}, `call carries no "code"`},
		"unknown kind":          {map[string]any{"from": from, "to": to, "kind": "mint"}, `"kind" must be`},
		"unknown field":         {map[string]any{"from": from, "to": to, "nonce": "0x1"}, `unknown field "nonce"`},
		"long method":           {map[string]any{"from": from, "to": to, "method": strings.Repeat("m", 65)}, "at most 64"},
		"code past the maximum": {map[string]any{"from": from, "code": "0x" + strings.Repeat("00", types.MaxCodeSize+1)}, "at most 3145728"},
	} {
		e := callErr(t, s, "tx_estimateGas", tc.args)
		if e.Code != CodeInvalidParams || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: %d %q, want %q", name, e.Code, e.Message, tc.want)
		}
	}
	if n := len(f.contracts.estimates); n != 0 {
		t.Errorf("%d refused estimates reached the backend", n)
	}
}

func TestGetCodeAndStorage(t *testing.T) {
	f := withContracts(newFake())
	f.prunedBelow = 1
	s := startServer(t, f, Config{})
	contract := types.Address{0xc0}
	jsonEqual(t, "code", result(t, s, "state_getCode", contract), `"0x0061736d01000000"`)
	jsonEqual(t, "code at a block", result(t, s, "state_getCode", contract, "0x1"), `"0x0061736d01000000"`)
	jsonEqual(t, "no code", result(t, s, "state_getCode", types.Address{1}), `null`)
	key := fmt.Sprintf("0x%x", "count")
	jsonEqual(t, "storage", result(t, s, "state_getStorage", contract, key), `"0x2a00000000000000"`)
	jsonEqual(t, "storage, latest", result(t, s, "state_getStorage", contract, key, "latest"), `"0x2a00000000000000"`)
	jsonEqual(t, "absent key", result(t, s, "state_getStorage", contract, "0x00"), `null`)
	jsonEqual(t, "empty key", result(t, s, "state_getStorage", contract, "0x"), `null`)

	for name, tc := range map[string]struct {
		method string
		params []any
		code   int
	}{
		"code beyond the head":     {"state_getCode", []any{contract, "0x9"}, CodeStateUnavailable},
		"code pruned":              {"state_getCode", []any{contract, "0x0"}, CodeStateUnavailable},
		"storage pruned":           {"state_getStorage", []any{contract, key, "earliest"}, CodeStateUnavailable},
		"storage key too long":     {"state_getStorage", []any{contract, "0x" + strings.Repeat("00", 257)}, CodeInvalidParams},
		"storage key not hex":      {"state_getStorage", []any{contract, "count"}, CodeInvalidParams},
		"storage without key":      {"state_getStorage", []any{contract}, CodeInvalidParams},
		"code of a bad address":    {"state_getCode", []any{"0x1234"}, CodeInvalidParams},
		"storage with a bad block": {"state_getStorage", []any{contract, key, "0x01"}, CodeInvalidParams},
	} {
		if e := callErr(t, s, tc.method, tc.params...); e.Code != tc.code {
			t.Errorf("%s: %d %s, want %d", name, e.Code, e.Message, tc.code)
		}
	}
}

func TestGetEvents(t *testing.T) {
	f := withContracts(newFake())
	s := startServer(t, f, Config{})
	contract, other := types.Address{0xc0}, types.Address{0xc1}
	all := f.contracts.events
	want := func(idx ...int) string {
		out := make([]*RPCEventLog, len(idx))
		for i, j := range idx {
			out[i] = NewRPCEventLog(&all[j])
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	q := func(from, to string, extra ...any) map[string]any {
		m := map[string]any{"fromBlock": from, "toBlock": to}
		for i := 0; i < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}
	for name, tc := range map[string]struct {
		query map[string]any
		want  string
	}{
		"all":                  {q("earliest", "latest"), want(0, 1, 2, 3)},
		"one block":            {q("0x1", "0x1"), want(0, 1, 2)},
		"by address":           {q("0x0", "0x2", "address", contract), want(0, 2, 3)},
		"by topic":             {q("0x0", "0x2", "topic", "incremented"), want(0, 1, 3)},
		"by address and topic": {q("0x0", "latest", "address", other, "topic", "incremented"), want(1)},
		"nothing matches":      {q("0x0", "latest", "topic", "nope"), `[]`},
		"cut at the head":      {q("0x2", "0xffffffff"), want(3)},
		"beyond the head":      {q("0x5", "0x9"), `[]`},
		"empty topic":          {q("0x0", "latest", "topic", ""), `[]`},
	} {
		jsonEqual(t, name, result(t, s, "chain_getEvents", tc.query), tc.want)
	}
	// The first event's JSON, field by field.
	jsonEqual(t, "event object", result(t, s, "chain_getEvents", q("0x2", "0x2")), fmt.Sprintf(
		`[{"blockNumber":"0x2","blockHash":%q,"txHash":%q,"txIndex":"0x0","eventIndex":"0x0","address":%q,"topic":"incremented","data":"0x03"}]`,
		f.blocks[2].Hash(), types.Hash{3}, contract))
	if sc := f.contracts.scans[len(f.contracts.scans)-1]; sc.From != 2 || sc.To != 2 || sc.Limit != MaxEventResults {
		t.Errorf("backend query %+v", sc)
	}

	for name, tc := range map[string]struct {
		query any
		want  string
	}{
		"reversed":      {q("0x2", "0x1"), "above toBlock"},
		"no toBlock":    {map[string]any{"fromBlock": "0x0"}, "required"},
		"unknown field": {q("0x0", "0x1", "topics", []string{"x"}), `unknown field "topics"`},
		"long topic":    {q("0x0", "0x1", "topic", strings.Repeat("t", 65)), "at most 64"},
		"bad block":     {q("pending", "0x1"), "invalid block"},
	} {
		if e := callErr(t, s, "chain_getEvents", tc.query); e.Code != CodeInvalidParams || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: %d %q, want %q", name, e.Code, e.Message, tc.want)
		}
	}
}

// The range is bounded in blocks, and the result in events.
func TestGetEventsLimits(t *testing.T) {
	f := withContracts(newFake())
	head := *f.blocks[2]
	head.Header.Height = 20_000
	f.blocks = append(f.blocks, &head)
	s := startServer(t, f, Config{})

	result(t, s, "chain_getEvents", map[string]any{"fromBlock": "0x0", "toBlock": fmt.Sprintf("0x%x", MaxEventBlocks-1)})
	e := callErr(t, s, "chain_getEvents", map[string]any{"fromBlock": "0x0", "toBlock": fmt.Sprintf("0x%x", MaxEventBlocks)})
	if e.Code != CodeInvalidParams || !strings.Contains(e.Message, "10001 blocks, at most 10000") {
		t.Errorf("range past the limit: %d %s", e.Code, e.Message)
	}
	// The range is measured after cutting it at the head.
	result(t, s, "chain_getEvents", map[string]any{"fromBlock": fmt.Sprintf("0x%x", 20_000-MaxEventBlocks+1), "toBlock": "0xffffffffff"})

	many := make([]EventLog, MaxEventResults+1)
	for i := range many {
		many[i] = EventLog{Height: 7, Event: types.Event{Topic: "t"}}
	}
	f.contracts.events = many
	e = callErr(t, s, "chain_getEvents", map[string]any{"fromBlock": "0x7", "toBlock": "0x7"})
	if e.Code != CodeInvalidParams || !strings.Contains(e.Message, "more than 10000 events") {
		t.Errorf("too many events: %d %s", e.Code, e.Message)
	}
	f.contracts.events = many[:MaxEventResults]
	if got := decode[[]RPCEventLog](t, result(t, s, "chain_getEvents", map[string]any{"fromBlock": "0x7", "toBlock": "0x7"})); len(got) != MaxEventResults {
		t.Errorf("%d events, want %d", len(got), MaxEventResults)
	}
}

func TestEventsSubscription(t *testing.T) {
	f := withContracts(newFake())
	f.contracts.subbed, f.contracts.unsubbed = make(chan int, 2), make(chan int, 2)
	s := startServer(t, f, Config{})
	contract := types.Address{0xc0}
	all := f.contracts.events
	c := dialWS(t, s)

	c.send(1, "chain_subscribe", "events", map[string]any{"address": contract})
	m := c.next()
	var subID string
	if m.Error != nil || json.Unmarshal(m.Result, &subID) != nil {
		t.Fatalf("subscribe: %+v", m)
	}
	wait(t, f.contracts.subbed, "SubscribeEvents")
	f.pushEvents(all[:3]) // block 1: two of the contract's, one of another
	f.pushEvents(all[1:2])
	f.pushEvents(all[3:])
	for _, i := range []int{0, 2, 3} {
		n := c.next()
		if n.Method != "chain_subscription" || n.Params.Subscription != subID {
			t.Fatalf("notification %+v", n)
		}
		w, _ := json.Marshal(NewRPCEventLog(&all[i]))
		jsonEqual(t, fmt.Sprintf("event %d", i), n.Params.Result, string(w))
	}

	// A filter by topic, and none at all, on the same connection.
	c.send(2, "chain_subscribe", "events", map[string]any{"topic": "reset"})
	if m := c.next(); m.Error != nil {
		t.Fatal(m.Error.Message)
	}
	wait(t, f.contracts.subbed, "SubscribeEvents")
	c.send(3, "chain_subscribe", "events")
	m = c.next()
	var allID string
	if m.Error != nil || json.Unmarshal(m.Result, &allID) != nil {
		t.Fatalf("subscribe without a filter: %+v", m)
	}
	c.send(4, "chain_unsubscribe", subID)
	if m := c.next(); string(m.Result) != "true" {
		t.Fatalf("unsubscribe: %+v", m)
	}
	wait(t, f.contracts.unsubbed, "the events subscription to be cancelled")
	f.pushEvents(all[1:2]) // other's "incremented": only the unfiltered one
	if n := c.next(); n.Params.Subscription != allID || !strings.Contains(string(n.Params.Result), `"data":"0x02"`) {
		t.Fatalf("unfiltered subscription got %+v", n)
	}

	for name, params := range map[string][]any{
		"unknown field": {"events", map[string]any{"contract": contract}},
		"bad address":   {"events", map[string]any{"address": "0x12"}},
	} {
		c.send(5, "chain_subscribe", params...)
		if m := c.next(); m.Error == nil || m.Error.Code != CodeInvalidParams {
			t.Errorf("%s: %+v", name, m)
		}
	}
	// Over HTTP there are no subscriptions.
	if e := callErr(t, s, "chain_subscribe", "events"); e.Code != CodeMethodNotFound {
		t.Errorf("over HTTP: %d %s", e.Code, e.Message)
	}
}

func TestVMMethods(t *testing.T) {
	f := withContracts(newFake())
	s := startServer(t, f, Config{})
	want, _ := json.Marshal(vm.DefaultSchedule())
	jsonEqual(t, "vm_gasSchedule", result(t, s, "vm_gasSchedule"), string(want))
	if !strings.Contains(string(want), `"host_call_base":500`) {
		t.Errorf("schedule JSON %s", want)
	}
	jsonEqual(t, "vm_info", result(t, s, "vm_info"),
		`{"engine":"wasmer","abiVersion":"0x1","scheduleVersion":"0x1","maxGas":"0x989680","timeoutMs":"0x1388"}`)
}

// A refusal from Estimate keeps the sentinel it wraps, like tx_send.
func TestEstimateGasRefusalCodes(t *testing.T) {
	f := withContracts(newFake())
	s := startServer(t, f, Config{})
	for _, sentinel := range []error{chain.ErrInsufficientFunds, chain.ErrContractsDisabled, mempool.ErrTooLarge, vm.ErrTimeout} {
		f.contracts.estErr = fmt.Errorf("estimate: %w", sentinel)
		e := callErr(t, s, "tx_estimateGas", map[string]any{"from": types.Address{1}, "to": types.Address{2}})
		want := toError(sentinel)
		if e.Code != want.Code || string(e.Data) != fmt.Sprintf(`{"reason":%q}`, want.Reason) {
			t.Errorf("%v: %d %s", sentinel, e.Code, e.Data)
		}
	}
}
