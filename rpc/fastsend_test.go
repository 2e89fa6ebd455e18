package rpc

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/noded/noded/mempool"
	"github.com/noded/noded/types"
)

// fastPair is a server with the fast path of tx_send and one without, on
// backends configured alike, so that both can be asked the same requests.
type fastPair struct{ fast, geth *Server }

func newFastPair(t testing.TB, configure func(*fakeBackend)) fastPair {
	t.Helper()
	var p fastPair
	for _, s := range []**Server{&p.fast, &p.geth} {
		f := newFake()
		f.verifySig, f.noRecord = true, true
		if configure != nil {
			configure(f)
		}
		srv, err := NewServer(f, Config{MaxBodyBytes: 8 << 20}, nil)
		if err != nil {
			t.Fatal(err)
		}
		*s = srv
	}
	p.geth.noFastSend = true
	return p
}

// do sends body to both servers and fails unless the answers (status, the
// headers a client reads, body) are identical. It reports whether the
// fast path answered.
func (p fastPair) do(t testing.TB, contentType, body string) bool {
	t.Helper()
	before := p.fast.fastSends.Load()
	var recs [2]*httptest.ResponseRecorder
	for i, s := range []*Server{p.fast, p.geth} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		recs[i] = httptest.NewRecorder()
		s.ServeHTTP(recs[i], req)
	}
	f, g := recs[0], recs[1]
	for _, h := range []string{"Content-Type", "Content-Length", "Transfer-Encoding"} {
		if f.Header().Get(h) != g.Header().Get(h) {
			t.Errorf("%.80q: %s %q, go-ethereum's server says %q", body, h, f.Header().Get(h), g.Header().Get(h))
		}
	}
	if f.Code != g.Code || !bytes.Equal(f.Body.Bytes(), g.Body.Bytes()) {
		t.Errorf("%.80q:\n fast path: %d %s\n go-ethereum: %d %s", body, f.Code, f.Body.Bytes(), g.Code, g.Body.Bytes())
	}
	return p.fast.fastSends.Load() > before
}

// fastBodies returns requests around a plain tx_send call: the plain call,
// which the fast path takes, and variants of each part of it, most of
// which it must leave to go-ethereum's server.
func fastBodies() (plain []string, others []string) {
	key := testKey(1)
	tx := signedTransfer(key, 0, types.Address{3}, 1)
	hexTx := fmt.Sprintf("0x%x", tx.Encode())
	bad := *tx
	bad.Sig[7] ^= 1
	hexBad := fmt.Sprintf("0x%x", bad.Encode())
	wrongChain := &types.Tx{ChainID: "other", Nonce: 1, Kind: types.TxTransfer, To: types.Address{3}, Amount: types.NewAmount(1), GasLimit: 21_000, GasPrice: 1}
	wrongChain.Sign(key)
	call := func(members string) string { return "{" + members + "}" }
	std := func(id, params string) string {
		return call(`"jsonrpc":"2.0","id":` + id + `,"method":"tx_send","params":` + params)
	}
	plain = []string{
		std("1", `["`+hexTx+`"]`),
		std(`"abc"`, `["`+hexTx+`"]`),
		std("-7", `["`+hexTx+`"]`),
		std("1.5e3", `["`+hexTx+`"]`),
		std(`"x\u0041y"`, `["`+hexTx+`"]`),
		" \n" + std("2", `[ "`+hexTx+`" ]`) + "\n",
		call(`"params":["` + hexTx + `"],"method":"tx_send","id":3,"jsonrpc":"2.0"`),
		call(`"jsonrpc":"2.0","id":5,"method":"tx\u005fsend","params":["` + hexTx + `"]`),
		std("6", `["`+hexBad+`"]`),                                    // bad signature: an error with data
		std("7", fmt.Sprintf(`["0x%x"]`, wrongChain.Encode())),        // not this chain's
		std("8", `["0x`+strings.Repeat("00", types.MaxTxSize+1)+`"]`), // too large
		std("9", `["0x00"]`),                                          // does not decode
		std("10", `["0x"]`),
		// Strings that look like member names, in values.
		std(`"\"method\":\"x\",{"`, `["`+hexTx+`"]`),
		// The last of duplicate members counts, for both.
		call(`"jsonrpc":"2.0","id":11,"method":"chain_id","method":"tx_send","params":["` + hexTx + `"]`),
	}
	others = []string{
		// Escaped member names are left to go-ethereum's server.
		call(`"jsonrpc":"2.0","id":4,"me\u0074hod":"tx_send","params":["` + hexTx + `"]`),
		call(`"jsonrpc":"2.0","id":4,"method":"tx_send","params":["` + hexTx + `"],"x\"y":1`),
		// Member names inside values do not count.
		call(`"jsonrpc":"2.0","id":{"a":1},"method":"tx_send","params":["` + hexTx + `"]`),
		std("null", `["`+hexTx+`"]`),
		std("{}", `["`+hexTx+`"]`),
		std("[1]", `["`+hexTx+`"]`),
		std("true", `["`+hexTx+`"]`),
		call(`"jsonrpc":"2.0","method":"tx_send","params":["` + hexTx + `"]`), // a notification
		call(`"jsonrpc":"1.0","id":1,"method":"tx_send","params":["` + hexTx + `"]`),
		call(`"jsonrpc":2.0,"id":1,"method":"tx_send","params":["` + hexTx + `"]`),
		call(`"id":1,"method":"tx_send","params":["` + hexTx + `"]`),
		call(`"jsonrpc":"2.0","id":1,"METHOD":"tx_send","params":["` + hexTx + `"]`),
		call(`"jsonrpc":"2.0","id":1,"Method":"tx_send","params":["` + hexTx + `"]`),
		call(`"jsonrpc":"2.0","id":1,"method":"tx_Send","params":["` + hexTx + `"]`),
		call(`"jsonrpc":"2.0","id":1,"method":"tx_send","method":"chain_id","params":[]`),
		call(`"jsonrpc":"2.0","id":1,"method":"tx_send","params":["` + hexTx + `"],"extra":1`),
		call(`"jsonrpc":"2.0","id":1,"method":"tx_send","params":["` + hexTx + `"],"error":null`),
		call(`"jsonrpc":"2.0","id":1,"method":"tx_send","params":["` + hexTx + `"],"result":1`),
		std("1", `[]`),
		std("1", `["`+hexTx+`","`+hexTx+`"]`),
		std("1", `"`+hexTx+`"`),
		std("1", `null`),
		std("1", `{"0":"`+hexTx+`"}`),
		std("1", `[123]`),
		std("1", `["0xzz"]`),
		std("1", `["0x123"]`),
		std("1", `["`+hexTx[2:]+`"]`),
		std("1", `["`+hexTx+`"]`) + " x",
		std("1", `["`+hexTx+`"]`) + std("2", `["`+hexTx+`"]`),
		"\ufeff" + std("1", `["`+hexTx+`"]`),
		"[" + std("1", `["`+hexTx+`"]`) + "]",
		"",
		"null",
		"{}",
		`{"jsonrpc":"2.0","id":"\xff\xfe","method":"tx_send","params":["` + hexTx + `"]}`,
	}
	return plain, others
}

// TestFastTxSendSameAnswers sends plain tx_send calls and their variants to
// a server with the fast path and one without: every answer must be the
// same, the plain calls must take the fast path and the others must not
// (except where noted), whatever the backend answers.
func TestFastTxSendSameAnswers(t *testing.T) {
	plain, others := fastBodies()
	for name, configure := range map[string]func(*fakeBackend){
		"accepted": nil,
		"queued":   func(f *fakeBackend) { f.sendRes = SendResult{Status: StatusQueued, Missing: []uint64{3, 4}} },
		"refused":  func(f *fakeBackend) { f.sendErr = fmt.Errorf("%w: 5000 transactions", mempool.ErrPoolFull) },
		"panic":    func(f *fakeBackend) { f.panics = true },
	} {
		t.Run(name, func(t *testing.T) {
			p := newFastPair(t, configure)
			for i, body := range plain {
				if !p.do(t, "application/json", body) {
					t.Errorf("plain call %d was not taken by the fast path: %.80q", i, body)
				}
			}
			for i, body := range others {
				if p.do(t, "application/json", body) {
					t.Errorf("variant %d was taken by the fast path: %.80q", i, body)
				}
			}
			// Other content types go to go-ethereum's server, which
			// accepts some of them.
			for _, ct := range []string{"", "text/plain", "application/json-rpc", "application/json; charset=utf-8"} {
				p.do(t, ct, plain[0])
			}
		})
	}
}

// FuzzFastTxSend checks that the fast path and go-ethereum's server answer
// any body alike.
func FuzzFastTxSend(f *testing.F) {
	plain, others := fastBodies()
	for _, b := range append(plain, others...) {
		f.Add(b)
	}
	p := newFastPair(f, nil)
	f.Fuzz(func(t *testing.T, body string) {
		p.do(t, "application/json", body)
	})
}
