package rpc

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/noded/noded/types"
)

func TestChainSimpleMethods(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	jsonEqual(t, "chain_id", result(t, s, "chain_id"), `"noded-test"`)
	jsonEqual(t, "chain_genesisHash", result(t, s, "chain_genesisHash"), fmt.Sprintf("%q", f.genesis))
	jsonEqual(t, "chain_blockNumber", result(t, s, "chain_blockNumber"), `"0x2"`)
	jsonEqual(t, "chain_finalized", result(t, s, "chain_finalized"), `"0x1"`)
}

// blockJSON is the expected JSON of f's block h with transaction hashes.
func blockJSON(f *fakeBackend, h int) string {
	b := f.blocks[h]
	hd := &b.Header
	txs := "["
	for i, tx := range b.Txs {
		if i > 0 {
			txs += ","
		}
		txs += fmt.Sprintf("%q", tx.Hash())
	}
	txs += "]"
	return fmt.Sprintf(`{"hash":%q,"number":"0x%x","parentHash":%q,"slot":"0x%x","timestamp":"0x%x",
		"proposer":%q,"proposerAddress":%q,"txRoot":%q,"stateRoot":%q,"receiptsRoot":%q,
		"gasUsed":"0x%x","gasLimit":"0x%x","signature":%q,"txCount":"0x%x","transactions":%s}`,
		b.Hash(), hd.Height, hd.Parent, hd.Slot, hd.Time, hd.Proposer, types.AddressOf(hd.Proposer),
		hd.TxRoot, hd.StateRoot, hd.ReceiptsRoot, hd.GasUsed, hd.GasLimit, hd.Sig, len(b.Txs), txs)
}

func TestGetBlockByNumber(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	for _, tc := range []struct {
		block  string
		height int
	}{
		{"0x1", 1}, {"latest", 2}, {"earliest", 0}, {"finalized", 1}, {"0x0", 0},
	} {
		jsonEqual(t, tc.block, result(t, s, "chain_getBlockByNumber", tc.block), blockJSON(f, tc.height))
		jsonEqual(t, tc.block+" fullTx=false", result(t, s, "chain_getBlockByNumber", tc.block, false), blockJSON(f, tc.height))
	}
	jsonEqual(t, "beyond the head", result(t, s, "chain_getBlockByNumber", "0x3"), `null`)

	// Full transactions carry their location; the block decodes into RPCBlock.
	raw := result(t, s, "chain_getBlockByNumber", "0x1", true)
	b := decode[RPCBlock](t, raw)
	if len(b.Transactions) != 2 {
		t.Fatalf("transactions: %s", raw)
	}
	want := NewRPCBlock(f.blocks[1], true)
	wantJSON, _ := json.Marshal(want)
	jsonEqual(t, "full block", raw, string(wantJSON))
	for i, btx := range b.Transactions {
		tx := f.blocks[1].Txs[i]
		if btx.Tx == nil || btx.Hash != tx.Hash() || btx.Tx.Hash != tx.Hash() {
			t.Fatalf("tx %d: %+v", i, btx)
		}
		if btx.Tx.BlockHash == nil || *btx.Tx.BlockHash != f.blocks[1].Hash() ||
			btx.Tx.BlockNumber == nil || *btx.Tx.BlockNumber != 1 || btx.Tx.Index == nil || int(*btx.Tx.Index) != i {
			t.Errorf("tx %d location: %s", i, raw)
		}
	}
	if b.Transactions[1].Tx.Kind != "deploy" || b.Transactions[1].Tx.To != nil {
		t.Errorf("deploy: kind %q to %v", b.Transactions[1].Tx.Kind, b.Transactions[1].Tx.To)
	}
}

func TestGetBlockByHash(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	jsonEqual(t, "by hash", result(t, s, "chain_getBlockByHash", f.blocks[1].Hash()), blockJSON(f, 1))
	jsonEqual(t, "unknown", result(t, s, "chain_getBlockByHash", types.Hash{1}), `null`)
	b := decode[RPCBlock](t, result(t, s, "chain_getBlockByHash", f.blocks[2].Hash(), true))
	if b.Transactions == nil || len(b.Transactions) != 0 {
		t.Errorf("empty block: transactions %#v, want []", b.Transactions)
	}
}

func TestGetAccount(t *testing.T) {
	f := newFake()
	f.prunedBelow = 1
	s := startServer(t, f, Config{})
	alice := types.AddressOf(testKey(1).Public())
	want := `{"balance":"0xf4240","nonce":"0x2","codeHash":"0x0000000000000000000000000000000000000000000000000000000000000000"}`
	jsonEqual(t, "head", result(t, s, "state_getAccount", alice), want)
	jsonEqual(t, "latest", result(t, s, "state_getAccount", alice, "latest"), want)
	jsonEqual(t, "at 1", result(t, s, "state_getAccount", alice, "0x1"),
		`{"balance":"0x384","nonce":"0x1","codeHash":"0x0000000000000000000000000000000000000000000000000000000000000000"}`)
	jsonEqual(t, "finalized", result(t, s, "state_getAccount", alice, "finalized"),
		`{"balance":"0x384","nonce":"0x1","codeHash":"0x0000000000000000000000000000000000000000000000000000000000000000"}`)
	jsonEqual(t, "never used", result(t, s, "state_getAccount", types.Address{7}),
		`{"balance":"0x0","nonce":"0x0","codeHash":"0x0000000000000000000000000000000000000000000000000000000000000000"}`)

	for _, block := range []string{"0x0", "earliest", "0x9"} {
		e := callErr(t, s, "state_getAccount", alice, block)
		if e.Code != CodeStateUnavailable || string(e.Data) != `{"reason":"state_unavailable"}` {
			t.Errorf("block %s: %d %s %s", block, e.Code, e.Message, e.Data)
		}
	}
	acct := decode[RPCAccount](t, result(t, s, "state_getAccount", alice))
	if acct.Nonce != 2 || acct.Balance.String() != "0xf4240" {
		t.Errorf("decoded %+v", acct)
	}
}

func TestTxSend(t *testing.T) {
	f := newFake()
	f.verifySig = true
	s := startServer(t, f, Config{})
	tx := signedTransfer(testKey(1), 5, types.Address{3}, 10)
	raw := fmt.Sprintf("0x%x", tx.Encode())

	jsonEqual(t, "accepted", result(t, s, "tx_send", raw),
		fmt.Sprintf(`{"hash":%q,"status":"accepted","missingNonces":[]}`, tx.Hash()))
	f.mu.Lock()
	if len(f.sent) != 1 || f.sent[0].Hash() != tx.Hash() {
		t.Errorf("backend got %v", f.sent)
	}
	f.mu.Unlock()

	f.sendRes = SendResult{Status: StatusQueued, Missing: []uint64{3, 4}}
	res := decode[SendTxResult](t, result(t, s, "tx_send", raw))
	if res.Status != StatusQueued || len(res.MissingNonces) != 2 || res.MissingNonces[0] != 3 || res.MissingNonces[1] != 4 {
		t.Errorf("queued: %+v", res)
	}
	f.sendRes = SendResult{Status: StatusReplaced}
	jsonEqual(t, "replaced", result(t, s, "tx_send", raw),
		fmt.Sprintf(`{"hash":%q,"status":"replaced","missingNonces":[]}`, tx.Hash()))
}

func TestTxGet(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	tx0 := f.blocks[1].Txs[0]
	alice := testKey(1)
	jsonEqual(t, "included", result(t, s, "tx_get", tx0.Hash()), fmt.Sprintf(`{"hash":%q,"chainId":"noded-test",
		"nonce":"0x0","from":%q,"publicKey":%q,"kind":"transfer","to":%q,"value":"0x5","gas":"0x5208",
		"gasPrice":"0x1","method":"","input":"0x","code":"0x","signature":%q,"blockHash":%q,
		"blockNumber":"0x1","index":"0x0","pending":false}`,
		tx0.Hash(), types.AddressOf(alice.Public()), alice.Public(), tx0.To, tx0.Sig, f.blocks[1].Hash()))

	var pending *types.Tx
	for _, l := range f.txs {
		if l.Pending {
			pending = l.Tx
		}
	}
	got := decode[map[string]any](t, result(t, s, "tx_get", pending.Hash()))
	for _, k := range []string{"blockHash", "blockNumber", "index"} {
		if v, ok := got[k]; !ok || v != nil {
			t.Errorf("pending %s = %v, want null", k, v)
		}
	}
	if got["pending"] != true {
		t.Errorf("pending = %v", got["pending"])
	}
	jsonEqual(t, "unknown", result(t, s, "tx_get", types.Hash{9}), `null`)
}

func TestTxGetReceipt(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	tx0, deploy := f.blocks[1].Txs[0], f.blocks[1].Txs[1]
	alice := types.AddressOf(testKey(1).Public())
	bh := f.blocks[1].Hash()
	jsonEqual(t, "transfer", result(t, s, "tx_getReceipt", tx0.Hash()), fmt.Sprintf(`{"transactionHash":%q,
		"blockHash":%q,"blockNumber":"0x1","index":"0x0","from":%q,"to":%q,"status":"success","gasUsed":"0x5208",
		"fee":"0x5208","contractAddress":null,"returnData":"0x","events":[],"error":""}`, tx0.Hash(), bh, alice, tx0.To))
	contract := types.ContractAddress(alice, 1)
	jsonEqual(t, "deploy", result(t, s, "tx_getReceipt", deploy.Hash()), fmt.Sprintf(`{"transactionHash":%q,
		"blockHash":%q,"blockNumber":"0x1","index":"0x1","from":%q,"to":null,"status":"failed","gasUsed":"0xc350",
		"fee":"0x186a0","contractAddress":%q,"returnData":"0x0102",
		"events":[{"address":%q,"topic":"init","data":"0x6869"}],"error":"trap"}`,
		deploy.Hash(), bh, alice, contract, contract))
	jsonEqual(t, "unknown", result(t, s, "tx_getReceipt", types.Hash{9}), `null`)
}

func TestMempoolMethods(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	jsonEqual(t, "status", result(t, s, "mempool_status"), `{"pending":"0x3","queued":"0x1","senders":"0x2","capacity":"0x1388"}`)
	alice := types.AddressOf(testKey(1).Public())
	jsonEqual(t, "inspect", result(t, s, "mempool_inspect", alice), `{"pending":["0x2","0x3"],"queued":["0x9"]}`)
	jsonEqual(t, "inspect unknown", result(t, s, "mempool_inspect", types.Address{1}), `{"pending":[],"queued":[]}`)
}

func TestNodeMethods(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	peers := fmt.Sprintf(`[{"id":"peer1","address":"/ip4/127.0.0.1/tcp/4001","latencyMs":1.5,"height":"0x28","headHash":%q}]`, types.Hash{4})
	jsonEqual(t, "node_status", result(t, s, "node_status"), fmt.Sprintf(`{"chainId":"noded-test","genesisHash":%q,
		"nodeId":"12D3KooWtest","head":{"number":"0x2","hash":%q},"finalized":"0x1","peers":%s,"syncing":true,
		"syncTarget":"0x28","validator":true,"vmEngine":"wasmer"}`, f.genesis, f.blocks[2].Hash(), peers))
	jsonEqual(t, "net_peers", result(t, s, "net_peers"), peers)
	jsonEqual(t, "node_syncing", result(t, s, "node_syncing"), `{"currentBlock":"0x2","targetBlock":"0x28"}`)
	if st := decode[RPCSyncing](t, result(t, s, "node_syncing")); !st.Syncing || st.TargetBlock != 40 {
		t.Errorf("decoded %+v", st)
	}

	f2 := newFake()
	f2.status = NodeStatus{}
	s2 := startServer(t, f2, Config{})
	jsonEqual(t, "not syncing", result(t, s2, "node_syncing"), `false`)
	if st := decode[RPCSyncing](t, result(t, s2, "node_syncing")); st.Syncing {
		t.Errorf("decoded %+v", st)
	}
	jsonEqual(t, "no peers", result(t, s2, "net_peers"), `[]`)
}

func TestDevMethods(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	alice := types.AddressOf(testKey(1).Public())
	jsonEqual(t, "dev_accounts", result(t, s, "dev_accounts"), fmt.Sprintf(`[{"name":"dev0","address":%q}]`, alice))

	to := types.Address{5}
	jsonEqual(t, "dev_sendTransaction", result(t, s, "dev_sendTransaction", map[string]any{"from": "dev0", "to": to, "value": "0x10"}),
		fmt.Sprintf(`{"hash":%q,"status":"accepted","missingNonces":[]}`, types.Hash{0xde, 0xad}))
	f.mu.Lock()
	if len(f.devSent) != 1 || f.devSent[0].From != "dev0" || f.devSent[0].To != to || f.devSent[0].Value.String() != "0x10" {
		t.Errorf("backend got %+v", f.devSent)
	}
	f.mu.Unlock()

	jsonEqual(t, "dev_mine default", result(t, s, "dev_mine"), `"0x3"`)
	jsonEqual(t, "dev_mine 3", result(t, s, "dev_mine", "0x3"), `"0x5"`)
	f.mu.Lock()
	if fmt.Sprint(f.mined) != "[1 3]" {
		t.Errorf("mined %v", f.mined)
	}
	f.mu.Unlock()

	for _, tc := range []struct {
		method string
		params []any
	}{
		{"dev_mine", []any{"0x0"}},
		{"dev_mine", []any{"0x3e9"}},
		{"dev_mine", []any{3}},
		{"dev_sendTransaction", []any{map[string]any{"from": "nobody", "to": to, "value": "0x1"}}},
		{"dev_sendTransaction", []any{map[string]any{"to": to, "value": "0x1"}}},
		{"dev_sendTransaction", []any{map[string]any{"from": "dev0", "value": "0x1"}}},
		{"dev_sendTransaction", []any{map[string]any{"from": "dev0", "to": to}}},
		{"dev_sendTransaction", []any{map[string]any{"from": "dev0", "to": to, "value": "0x1", "gas": "0x1"}}},
		{"dev_sendTransaction", []any{map[string]any{"from": "dev0", "to": to, "value": "10"}}},
	} {
		if e := callErr(t, s, tc.method, tc.params...); e.Code != CodeInvalidParams {
			t.Errorf("%s %v: %d %s", tc.method, tc.params, e.Code, e.Message)
		}
	}
}

func TestDevMethodsOutsideDevMode(t *testing.T) {
	f := newFake()
	f.dev = false
	s := startServer(t, f, Config{})
	for _, tc := range []struct {
		method string
		params []any
	}{
		{"dev_accounts", nil},
		{"dev_mine", nil},
		{"dev_sendTransaction", []any{map[string]any{"from": "dev0", "to": types.Address{1}, "value": "0x1"}}},
	} {
		e := callErr(t, s, tc.method, tc.params...)
		if e.Code != CodeNotDevMode || string(e.Data) != `{"reason":"not_dev_mode"}` {
			t.Errorf("%s: %d %s %s", tc.method, e.Code, e.Message, e.Data)
		}
	}
	if len(f.mined) != 0 {
		t.Errorf("mined %v outside dev mode", f.mined)
	}
}
