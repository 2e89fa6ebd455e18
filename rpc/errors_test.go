package rpc

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/mempool"
	"github.com/noded/noded/types"
)

// Every sentinel of the refusal table, wrapped as a backend would, comes
// back with its code, its reason and the backend's message.
func TestSendTxRefusals(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	tx := signedTransfer(testKey(1), 0, types.Address{3}, 1)
	raw := fmt.Sprintf("0x%x", tx.Encode())
	for _, r := range Refusals() {
		for _, sentinel := range append([]error{r.Err}, r.Also...) {
			f.sendErr = fmt.Errorf("tx %x: %w", tx.Hash(), sentinel)
			e := callErr(t, s, "tx_send", raw)
			if e.Code != r.Code || string(e.Data) != fmt.Sprintf(`{"reason":%q}`, r.Reason) || e.Message != f.sendErr.Error() {
				t.Errorf("%v: got %d %q %s, want %d %s", sentinel, e.Code, e.Message, e.Data, r.Code, r.Reason)
			}
		}
	}
	// dev_sendTransaction refuses the same way.
	f.sendErr = fmt.Errorf("%w: have 0", chain.ErrInsufficientFunds)
	e := callErr(t, s, "dev_sendTransaction", map[string]any{"from": "dev0", "to": types.Address{1}, "value": "0x1"})
	if e.Code != CodeInsufficientFunds || string(e.Data) != `{"reason":"insufficient_funds"}` {
		t.Errorf("dev_sendTransaction: %d %s %s", e.Code, e.Message, e.Data)
	}
}

// The server's own checks: hex, canonical decoding, size, CheckBasic, and
// the signature check the backend makes.
func TestSendTxStatelessRefusals(t *testing.T) {
	f := newFake()
	f.verifySig = true
	s := startServer(t, f, Config{})
	key := testKey(1)

	badSig := signedTransfer(key, 0, types.Address{3}, 1)
	badSig.Sig[0] ^= 1
	withMethod := &types.Tx{ChainID: "noded-test", Kind: types.TxTransfer, Method: "x", GasLimit: 21_000, GasPrice: 1}
	withMethod.Sign(key)
	trailing := append(signedTransfer(key, 0, types.Address{3}, 1).Encode(), 0)
	huge := make([]byte, types.MaxTxSize+1)

	for _, tc := range []struct {
		name   string
		raw    string
		code   int
		reason string
	}{
		{"bad signature", fmt.Sprintf("0x%x", badSig.Encode()), CodeBadSignature, "bad_signature"},
		{"not canonical", fmt.Sprintf("0x%x", trailing), CodeMalformed, "malformed"},
		{"empty", "0x", CodeMalformed, "malformed"},
		{"fields do not fit the kind", fmt.Sprintf("0x%x", withMethod.Encode()), CodeMalformed, "malformed"},
		{"too large", fmt.Sprintf("0x%x", huge), CodeTooLarge, "too_large"},
		{"not hex", "0xzz", CodeInvalidParams, ""},
		{"no 0x", "00", CodeInvalidParams, ""},
		{"odd length", "0x123", CodeInvalidParams, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := callErr(t, s, "tx_send", tc.raw)
			if e.Code != tc.code {
				t.Errorf("code %d (%s), want %d", e.Code, e.Message, tc.code)
			}
			if tc.reason != "" && string(e.Data) != fmt.Sprintf(`{"reason":%q}`, tc.reason) {
				t.Errorf("data %s, want reason %s", e.Data, tc.reason)
			}
		})
	}
	if len(f.sent) != 0 {
		t.Errorf("backend accepted %d refused transactions", len(f.sent))
	}
}

func TestUnknownBackendErrorIsInternal(t *testing.T) {
	f := newFake()
	f.sendErr = errors.New("disk on fire")
	var logs syncBuffer
	s := startServerLog(t, f, Config{}, slog.New(slog.NewTextHandler(&logs, nil)))
	tx := signedTransfer(testKey(1), 0, types.Address{3}, 1)
	e := callErr(t, s, "tx_send", fmt.Sprintf("0x%x", tx.Encode()))
	if e.Code != CodeInternal || e.Message != "disk on fire" || e.Data != nil {
		t.Errorf("%d %q %s", e.Code, e.Message, e.Data)
	}
	if out := logs.String(); !strings.Contains(out, "backend error") || !strings.Contains(out, "disk on fire") {
		t.Errorf("backend error not logged: %s", out)
	}
}

// A panicking backend gives -32603 on every method and the server goes on
// serving.
func TestBackendPanic(t *testing.T) {
	f := newFake()
	var logs syncBuffer
	s := startServerLog(t, f, Config{}, slog.New(slog.NewTextHandler(&logs, nil)))
	f.panics = true
	tx := signedTransfer(testKey(1), 0, types.Address{3}, 1)
	for _, tc := range []struct {
		method string
		params []any
	}{
		{"chain_id", nil}, {"chain_blockNumber", nil}, {"chain_getBlockByNumber", []any{"latest"}},
		{"state_getAccount", []any{types.Address{}}}, {"tx_send", []any{fmt.Sprintf("0x%x", tx.Encode())}},
		{"tx_get", []any{types.Hash{}}}, {"mempool_status", nil}, {"node_status", nil}, {"dev_mine", nil},
		{"contract_call", []any{map[string]any{"to": types.Address{}, "method": "get"}}},
		{"tx_estimateGas", []any{map[string]any{"from": types.Address{}, "to": types.Address{}}}},
		{"state_getCode", []any{types.Address{}}}, {"state_getStorage", []any{types.Address{}, "0x01"}},
		{"chain_getEvents", []any{map[string]any{"fromBlock": "0x0", "toBlock": "0x1"}}},
		{"vm_info", nil}, {"vm_gasSchedule", nil},
	} {
		if e := callErr(t, s, tc.method, tc.params...); e.Code != CodeInternal {
			t.Errorf("%s: %d %s", tc.method, e.Code, e.Message)
		}
	}
	f.panics = false
	jsonEqual(t, "after panics", result(t, s, "chain_id"), `"noded-test"`)
	if out := logs.String(); !strings.Contains(out, "method panicked") || !strings.Contains(out, "method=tx_send") ||
		!strings.Contains(out, "fake backend: boom") {
		t.Errorf("panics not logged:\n%s", out)
	}
}

func TestToErrorKeepsCause(t *testing.T) {
	cause := fmt.Errorf("pool: %w", mempool.ErrDuplicate)
	e := toError(cause)
	if !errors.Is(e, mempool.ErrDuplicate) || e.Code != CodeDuplicate || e.Reason != "duplicate" {
		t.Errorf("%+v", e)
	}
	// An error that wraps both a size and an encoding error is too_large:
	// the table is checked in order.
	both := fmt.Errorf("%w: %w", mempool.ErrTooLarge, types.ErrEncoding)
	if e := toError(both); e.Code != CodeTooLarge {
		t.Errorf("too large and malformed: %d", e.Code)
	}
	if e := toError(fmt.Errorf("%w: bad n", ErrInvalidParams)); e.Code != CodeInvalidParams || e.ErrorData() != nil {
		t.Errorf("invalid params: %+v", e)
	}
}

func TestRefusalTable(t *testing.T) {
	seenCode, seenReason := map[int]bool{}, map[string]bool{}
	for _, r := range Refusals() {
		if seenCode[r.Code] || seenReason[r.Reason] {
			t.Errorf("duplicate %d %s", r.Code, r.Reason)
		}
		seenCode[r.Code], seenReason[r.Reason] = true, true
		got, ok := LookupCode(r.Code)
		if !ok || got.Reason != r.Reason || got.Err != r.Err {
			t.Errorf("LookupCode(%d) = %+v", r.Code, got)
		}
		if strings.ToLower(r.Reason) != r.Reason || strings.Contains(r.Reason, " ") {
			t.Errorf("reason %q is not snake_case", r.Reason)
		}
	}
	if _, ok := LookupCode(CodeInternal); ok {
		t.Error("LookupCode(-32603) found a refusal")
	}
	// Refusals returns a copy.
	Refusals()[0].Also = append(Refusals()[0].Also, errors.New("x"))
	rs := Refusals()
	rs[0].Reason = "changed"
	if r, _ := LookupCode(rs[0].Code); r.Reason == "changed" {
		t.Error("Refusals exposes the table")
	}
}
