package main

import (
	"encoding/json"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client/clienttest"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// decodeSigned decodes what tx sign printed.
func decodeSigned(t *testing.T, out string) *types.Tx {
	t.Helper()
	raw, err := hexutil.Decode(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("output %q is not one 0x-hex line: %v", out, err)
	}
	tx, err := types.DecodeTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestTxSignOffline(t *testing.T) {
	// No node: --rpc points nowhere, and nothing may try to reach it.
	args := []string{"--home", t.TempDir(), "--rpc", "http://127.0.0.1:1"}
	alice := importKey(t, args, "alice", 1)
	bob := types.AddressOf(seedKey(t, 2).Public())

	for _, cmd := range [][]string{
		{"tx", "sign"},
		{"tx", "transfer", "--offline"},
	} {
		out := mustRun(t, with(args, append(cmd, "--from", "alice", "--to", bob.String(), "--amount", "0x10",
			"--nonce", "7", "--chain-id", "noded-dev", "--gas-price", "3")...)...)
		tx := decodeSigned(t, out)
		if !tx.VerifySig() {
			t.Fatalf("%v: signature does not verify", cmd)
		}
		if tx.From != alice.PublicKey || tx.ChainID != "noded-dev" || tx.Nonce != 7 || tx.Kind != types.TxTransfer ||
			tx.To != bob || tx.Amount.Uint64() != 16 || tx.GasPrice != 3 || tx.GasLimit != chain.IntrinsicGas(tx) {
			t.Errorf("%v: signed %+v", cmd, tx)
		}
		if err := tx.CheckBasic(); err != nil {
			t.Errorf("%v: %v", cmd, err)
		}
	}

	// --to takes a key name; --from an address; --gas overrides.
	out := mustRun(t, with(args, "tx", "sign", "--from", alice.Address.String(), "--to", "alice", "--amount", "5",
		"--nonce", "0x1", "--chain-id", "c", "--gas", "5000")...)
	tx := decodeSigned(t, out)
	if tx.To != alice.Address || tx.Nonce != 1 || tx.GasLimit != 5000 || tx.GasPrice != 1 || !tx.VerifySig() {
		t.Errorf("signed %+v", tx)
	}

	// --json gives the hash too.
	var js struct {
		Hash types.Hash    `json:"hash"`
		Raw  hexutil.Bytes `json:"raw"`
	}
	out = mustRun(t, with(args, "tx", "sign", "--from", "alice", "--to", "alice", "--amount", "5", "--nonce", "1", "--chain-id", "c", "--json")...)
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatal(err)
	}
	if tx, err := types.DecodeTx(js.Raw); err != nil || tx.Hash() != js.Hash {
		t.Errorf("--json: %s", out)
	}
}

func TestTxSignOfflineNeedsNonceAndChainID(t *testing.T) {
	args := []string{"--home", t.TempDir(), "--rpc", "http://127.0.0.1:1"}
	importKey(t, args, "alice", 1)
	base := []string{"--from", "alice", "--to", "alice", "--amount", "1"}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{nil, "needs --nonce and --chain-id"},
		{[]string{"--nonce", "1"}, "needs --chain-id"},
		{[]string{"--chain-id", "x"}, "needs --nonce"},
	} {
		for _, cmd := range [][]string{{"tx", "sign"}, {"tx", "transfer", "--offline"}} {
			reason := mustFail(t, with(args, append(append(cmd, base...), tc.extra...)...)...)
			if !strings.Contains(reason, tc.want) || strings.Contains(reason, "reach") {
				t.Errorf("%v %v: reason %q, want %q", cmd, tc.extra, reason, tc.want)
			}
		}
	}
}

func TestTxTransferWait(t *testing.T) {
	alice := seedKey(t, 1)
	b, args := testNode(t, clienttest.Options{AutoMine: true, Funded: []types.Address{types.AddressOf(alice.Public())}})
	importKey(t, args, "alice", 1)
	bob := importKey(t, args, "bob", 2)

	out := mustRun(t, with(args, "tx", "transfer", "--from", "alice", "--to", "bob", "--amount", "1000", "--gas-price", "2", "--wait")...)
	for _, want := range []string{"status:", "accepted", "receipt:", "success", "block:", "gas used:", "fee:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The nonce came from the node: the second transfer gets nonce 1.
	var res struct {
		Hash    types.Hash      `json:"hash"`
		Status  string          `json:"status"`
		Receipt *rpc.RPCReceipt `json:"receipt"`
	}
	out = mustRun(t, with(args, "tx", "transfer", "--from", "alice", "--to", bob.Address.String(), "--amount", "0x10", "--wait", "--json")...)
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Status != rpc.StatusAccepted || res.Receipt == nil || res.Receipt.Status != rpc.ReceiptStatusSuccess || res.Receipt.BlockNumber != 2 {
		t.Fatalf("--json result %s", out)
	}
	l, err := b.Tx(res.Hash)
	if err != nil || l.Tx.Nonce != 1 || l.Tx.Amount.Uint64() != 16 || l.Tx.GasPrice != 1 {
		t.Fatalf("second transfer = %+v, %v", l, err)
	}
	acct, _ := b.Account(bob.Address, nil)
	if acct.Balance.Uint64() != 1016 {
		t.Errorf("bob's balance %s, want 1016", acct.Balance.Dec())
	}
}

func TestTxTransferQueuedAndNextNonce(t *testing.T) {
	alice := seedKey(t, 1)
	b, args := testNode(t, clienttest.Options{Funded: []types.Address{types.AddressOf(alice.Public())}})
	importKey(t, args, "alice", 1)
	out := mustRun(t, with(args, "tx", "transfer", "--from", "alice", "--to", "alice", "--amount", "1", "--nonce", "2")...)
	if !strings.Contains(out, "queued") || !strings.Contains(out, "missing nonces:") || !strings.Contains(out, "0, 1") ||
		!regexp.MustCompile(`nonce:\s+2\n`).MatchString(out) {
		t.Errorf("queued output:\n%s", out)
	}
	// The default nonce goes past the highest pooled one.
	out = mustRun(t, with(args, "tx", "transfer", "--from", "alice", "--to", "alice", "--amount", "1", "--json")...)
	var res rpc.SendTxResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	l, err := b.Tx(res.Hash)
	if err != nil || l.Tx.Nonce != 3 {
		t.Fatalf("default nonce: %+v, %v; want 3", l, err)
	}
	if len(res.MissingNonces) != 2 {
		t.Errorf("missingNonces %v, want [0 1]", res.MissingNonces)
	}
}

func TestTxTransferRefused(t *testing.T) {
	alice := seedKey(t, 1)
	_, args := testNode(t, clienttest.Options{AutoMine: true, Funded: []types.Address{types.AddressOf(alice.Public())}})
	importKey(t, args, "alice", 1)
	importKey(t, args, "poor", 3)
	mustRun(t, with(args, "tx", "transfer", "--from", "alice", "--to", "alice", "--amount", "1")...)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "alice", "--nonce", "0"}, "refused the transaction: nonce too low"},
		{[]string{"--from", "poor"}, "refused the transaction: insufficient funds"},
		{[]string{"--from", "alice", "--gas", "5"}, "refused the transaction: gas limit below the intrinsic cost"},
		{[]string{"--from", "alice", "--chain-id", "other"}, "refused the transaction: wrong chain id"},
		{[]string{"--from", "nobody"}, "--from: keystore: no such key"},
		{[]string{"--from", "alice", "--amount", "1.5"}, `--amount: "1.5" is not`},
		{[]string{"--from", "alice", "--to", "carol"}, `--to: "carol" is neither an 0x address nor a key name`},
		{[]string{"--from", "alice", "--to", "0x1234"}, "--to: invalid hex"},
		{[]string{"--from", "alice", "--gas-price", "x"}, "--gas-price"},
	} {
		a := with(args, "tx", "transfer", "--to", "alice", "--amount", "1")
		a = append(a, tc.args...)
		reason := mustFail(t, a...)
		if !strings.Contains(reason, tc.want) {
			t.Errorf("%v: reason %q, want %q", tc.args, reason, tc.want)
		}
	}
	reason := mustFail(t, with(args, "tx", "transfer", "--from", "alice", "--to", "alice")...)
	if !strings.Contains(reason, `"amount" not set`) {
		t.Errorf("missing --amount: %q", reason)
	}
}

func TestTxWaitFailedReceipt(t *testing.T) {
	alice := seedKey(t, 1)
	_, args := testNode(t, clienttest.Options{
		AutoMine: true,
		Funded:   []types.Address{types.AddressOf(alice.Public())},
		Fail:     func(*types.Tx) string { return "out of gas\nat line 2" },
	})
	importKey(t, args, "alice", 1)
	out, err := runCLI(t, "", with(args, "tx", "transfer", "--from", "alice", "--to", "alice", "--amount", "1", "--wait")...)
	if err == nil || !strings.Contains(err.Error(), "failed in block 1: out of gas at line 2") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(out, "failed") || !strings.Contains(out, "out of gas") {
		t.Errorf("the failed receipt is not printed:\n%s", out)
	}
}

func TestTxSendGetReceipt(t *testing.T) {
	alice := seedKey(t, 1)
	b, args := testNode(t, clienttest.Options{AutoMine: true, Funded: []types.Address{types.AddressOf(alice.Public())}})
	importKey(t, args, "alice", 1)
	raw := mustRun(t, with(args, "tx", "sign", "--from", "alice", "--to", "alice", "--amount", "9", "--nonce", "0", "--chain-id", b.ChainID())...)
	tx := decodeSigned(t, raw)

	out, err := runCLI(t, raw, with(args, "tx", "send", "-", "--wait", "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Hash    types.Hash      `json:"hash"`
		Receipt *rpc.RPCReceipt `json:"receipt"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Hash != tx.Hash() || res.Receipt == nil || res.Receipt.Status != "success" {
		t.Fatalf("tx send: %v\n%s", err, out)
	}
	reason := mustFail(t, with(args, "tx", "send", strings.TrimSpace(raw))...)
	if !strings.Contains(reason, "nonce too low") {
		t.Errorf("resend: %q", reason)
	}
	if reason := mustFail(t, with(args, "tx", "send", "0xzz")...); !strings.Contains(reason, "0x-hex") {
		t.Errorf("bad hex: %q", reason)
	}
	if reason := mustFail(t, with(args, "tx", "send", "0x0102")...); !strings.Contains(reason, "malformed") {
		t.Errorf("bad encoding: %q", reason)
	}

	out = mustRun(t, with(args, "tx", "get", tx.Hash().String())...)
	for _, want := range []string{tx.Hash().String(), "block:", "transfer", "noded-test", tx.Sender().String(), "value:", "9"} {
		if !strings.Contains(out, want) {
			t.Errorf("tx get lacks %q:\n%s", want, out)
		}
	}
	var got rpc.RPCTx
	if err := json.Unmarshal([]byte(mustRun(t, with(args, "tx", "get", tx.Hash().String(), "--json")...)), &got); err != nil || got.Hash != tx.Hash() || got.Pending {
		t.Errorf("tx get --json = %+v, %v", got, err)
	}
	out = mustRun(t, with(args, "tx", "receipt", tx.Hash().String())...)
	if !strings.Contains(out, "success") || !strings.Contains(out, "gas used:") {
		t.Errorf("tx receipt:\n%s", out)
	}
	var r rpc.RPCReceipt
	if err := json.Unmarshal([]byte(mustRun(t, with(args, "tx", "receipt", tx.Hash().String(), "--json")...)), &r); err != nil || r.TransactionHash != tx.Hash() {
		t.Errorf("tx receipt --json = %+v, %v", r, err)
	}

	unknown := types.Hash{9}.String()
	if reason := mustFail(t, with(args, "tx", "get", unknown)...); !strings.Contains(reason, "not found") {
		t.Errorf("tx get unknown: %q", reason)
	}
	if reason := mustFail(t, with(args, "tx", "receipt", unknown)...); !strings.Contains(reason, "not yet in a block") {
		t.Errorf("tx receipt unknown: %q", reason)
	}
	if reason := mustFail(t, with(args, "tx", "get", "0x12")...); !strings.Contains(reason, "hash") {
		t.Errorf("tx get 0x12: %q", reason)
	}
}

func TestNodeUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	args := []string{"--home", t.TempDir(), "--rpc", addr}
	importKey(t, args, "alice", 1)
	for _, cmd := range [][]string{
		{"status"},
		{"block"},
		{"account", "alice"},
		{"tx", "get", types.Hash{}.String()},
		{"tx", "transfer", "--from", "alice", "--to", "alice", "--amount", "1"},
	} {
		reason := mustFail(t, with(args, cmd...)...)
		if !strings.Contains(reason, "cannot reach the node at http://"+addr) {
			t.Errorf("%v: reason %q", cmd, reason)
		}
	}
	if reason := mustFail(t, "--rpc", "ftp://x", "status"); !strings.Contains(reason, "--rpc") {
		t.Errorf("bad --rpc: %q", reason)
	}
}
