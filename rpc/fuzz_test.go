package rpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/noded/noded/types"
)

// FuzzServer posts arbitrary bodies to the server's handler and checks that
// every answer is a JSON-RPC response, a batch of them, nothing (for
// notifications), or an HTTP error status: never a panic or a hang.
func FuzzServer(f *testing.F) {
	fake := newFake()
	fake.noRecord = true
	s, err := NewServer(fake, Config{MaxBodyBytes: 1 << 20, MaxBatchItems: 20}, nil)
	if err != nil {
		f.Fatal(err)
	}
	tx := signedTransfer(testKey(1), 0, types.Address{3}, 1)
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"chain_id"}`,
		`{"jsonrpc":"2.0","id":"x","method":"chain_getBlockByNumber","params":["latest",true]}`,
		`{"jsonrpc":"2.0","id":2,"method":"chain_getBlockByNumber","params":["0x1"]}`,
		fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"method":"chain_getBlockByHash","params":[%q,false]}`, fake.blocks[1].Hash()),
		fmt.Sprintf(`{"jsonrpc":"2.0","id":4,"method":"state_getAccount","params":[%q,"0x0"]}`, types.AddressOf(testKey(1).Public())),
		fmt.Sprintf(`{"jsonrpc":"2.0","id":5,"method":"tx_send","params":["0x%x"]}`, tx.Encode()),
		fmt.Sprintf(`{"jsonrpc":"2.0","id":6,"method":"tx_get","params":[%q]}`, tx.Hash()),
		fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":"tx_getReceipt","params":[%q]}`, fake.blocks[1].Txs[1].Hash()),
		`{"jsonrpc":"2.0","id":8,"method":"mempool_inspect","params":["0x0000000000000000000000000000000000000000"]}`,
		`[{"jsonrpc":"2.0","id":1,"method":"node_status"},{"jsonrpc":"2.0","method":"net_peers"},{"jsonrpc":"2.0","id":2,"method":"node_syncing"}]`,
		`{"jsonrpc":"2.0","id":9,"method":"dev_sendTransaction","params":[{"from":"dev0","to":"0x0000000000000000000000000000000000000001","value":"0x1"}]}`,
		`{"jsonrpc":"2.0","id":10,"method":"dev_mine","params":["0x2"]}`,
		`{"jsonrpc":"2.0","id":11,"method":"chain_subscribe","params":["newHeads"]}`,
		`{"jsonrpc":"2.0","id":12,"method":"chain_unsubscribe","params":["0x1"]}`,
		`{"jsonrpc":"2.0","id":13,"method":"rpc_modules"}`,
		`{"jsonrpc":"2.0","id":14,"method":"contract_call","params":[{"to":"0x00000000000000000000000000000000000000c0","method":"get","input":"0x01"},"latest"]}`,
		`{"jsonrpc":"2.0","id":15,"method":"tx_estimateGas","params":[{"from":"0x0000000000000000000000000000000000000001","code":"0x0061736d"}]}`,
		`{"jsonrpc":"2.0","id":16,"method":"chain_getEvents","params":[{"fromBlock":"0x0","toBlock":"latest","topic":"x"}]}`,
		`{"jsonrpc":"2.0","id":17,"method":"state_getStorage","params":["0x00000000000000000000000000000000000000c0","0x636f756e74","0x1"]}`,
		`[{"jsonrpc":"2.0","id":18,"method":"vm_info"},{"jsonrpc":"2.0","id":19,"method":"vm_gasSchedule"},{"jsonrpc":"2.0","id":20,"method":"state_getCode","params":["0x00000000000000000000000000000000000000c0"]}]`,
		`{"jsonrpc":"2.0","id":null,"method":"chain_id"}`,
		`{"jsonrpc":"2.0","id":{},"method":"chain_id"}`,
		`{"jsonrpc":"2.0","id":1,"method":"ch\u0061in_id"}`,
		`{"jsonrpc":"2.0","id":1,"result":"0x1"}`,
		`{"jsonrpc":"2.0","method":"chain_id"}`,
		`[]`, `[1,2]`, `[null]`, `null`, `""`, `1e999`, `{`, `]`, ``, ` `, "\x00",
		strings.Repeat("[", 10000),
		`[` + strings.Repeat(`{"jsonrpc":"2.0","id":1,"method":"chain_id"},`, 20) + `{"jsonrpc":"2.0","id":1,"method":"chain_id"}]`,
		`{"jsonrpc":"2.0","id":1,"method":"chain_getBlockByNumber","params":["0xffffffffffffffffff"]}`,
		`{"jsonrpc":"2.0","id":1,"method":"tx_send","params":["0x01"],"params":[]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.ServeHTTP(rec, req)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("no answer to %q", body)
		}
		if rec.Code != http.StatusOK {
			if rec.Code < 400 || rec.Code > 499 {
				t.Fatalf("status %d for %q", rec.Code, body)
			}
			return
		}
		if err := checkAnswer(rec.Body.Bytes()); err != nil {
			t.Fatalf("%v\nrequest %q\nanswer %q", err, body, rec.Body.Bytes())
		}
	})
}

// checkAnswer checks that b is empty, a JSON-RPC response or a non-empty
// array of them.
func checkAnswer(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	if !json.Valid(b) {
		return fmt.Errorf("invalid JSON")
	}
	if b[0] != '[' {
		return checkResponse(b)
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(b, &batch); err != nil {
		return err
	}
	if len(batch) == 0 {
		return fmt.Errorf("empty batch answer")
	}
	for _, r := range batch {
		if err := checkResponse(r); err != nil {
			return err
		}
	}
	return nil
}

func checkResponse(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("response is not an object: %v", err)
	}
	if string(m["jsonrpc"]) != `"2.0"` {
		return fmt.Errorf("jsonrpc is %s", m["jsonrpc"])
	}
	if _, ok := m["id"]; !ok {
		return fmt.Errorf("no id")
	}
	res, hasRes := m["result"]
	e, hasErr := m["error"]
	if hasRes == hasErr {
		return fmt.Errorf("want exactly one of result and error")
	}
	if hasRes && len(res) == 0 {
		return fmt.Errorf("empty result")
	}
	if hasErr {
		var je struct {
			Code    *int    `json:"code"`
			Message *string `json:"message"`
		}
		if err := json.Unmarshal(e, &je); err != nil || je.Code == nil || je.Message == nil {
			return fmt.Errorf("bad error object %s", e)
		}
	}
	if len(m) != 3 {
		return fmt.Errorf("%d members", len(m))
	}
	return nil
}
