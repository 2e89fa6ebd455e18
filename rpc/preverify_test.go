package rpc

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/noded/noded/types"
)

// preverifyFake records the batches the server hands it.
type preverifyFake struct {
	*fakeBackend
	mu      sync.Mutex
	batches [][]*types.Tx
}

func (p *preverifyFake) PreverifyTxs(txs []*types.Tx) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.batches = append(p.batches, txs)
}

func (p *preverifyFake) take() [][]*types.Tx {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.batches
	p.batches = nil
	return b
}

func sendCall(id int, raw string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tx_send","params":[%q]}`, id, raw)
}

// A batch of tx_send calls reaches the backend's PreverifyTxs whole before
// its calls run, and is answered exactly as without it; other bodies are
// not pre-verified and are answered as before.
func TestPreverifyBatches(t *testing.T) {
	f := &preverifyFake{fakeBackend: newFake()}
	s := startServer(t, f, Config{MaxBodyBytes: 64 << 10})
	key := testKey(1)
	var calls, hashes []string
	for i := range 10 {
		tx := signedTransfer(key, uint64(i), types.Address{1}, 1)
		calls = append(calls, sendCall(i, fmt.Sprintf("0x%x", tx.Encode())))
		hashes = append(hashes, tx.Hash().String())
	}
	// Among the calls: one that is not a transaction, one of another method.
	calls = append(calls, sendCall(10, "0x1234"), `{"jsonrpc":"2.0","id":11,"method":"chain_blockNumber","params":[]}`)
	code, body := post(t, s.url(), "["+strings.Join(calls, ",")+"]")
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, body)
	}
	for _, h := range hashes {
		if !strings.Contains(string(body), h) {
			t.Errorf("answer lacks %s: %s", h, body)
		}
	}
	if !strings.Contains(string(body), `"id":10,"error"`) || !strings.Contains(string(body), `"id":11,"result"`) {
		t.Errorf("the odd calls were not answered as usual: %s", body)
	}
	got := f.take()
	if len(got) != 1 || len(got[0]) != 10 {
		t.Fatalf("pre-verified batches %d (sizes %v), want one of 10", len(got), sizes(got))
	}
	for i, tx := range got[0] {
		if tx.Hash().String() != hashes[i] {
			t.Errorf("pre-verified tx %d is %s, want %s", i, tx.Hash(), hashes[i])
		}
	}

	for _, tc := range []struct{ name, body string }{
		{"small batch", "[" + strings.Join(calls[:MinPreverifyBatch-1], ",") + "]"},
		{"single call", calls[0]},
		{"malformed batch", "[" + strings.Join(calls, ",")},
	} {
		post(t, s.url(), tc.body)
		if got := f.take(); len(got) != 0 {
			t.Errorf("%s: pre-verified %v", tc.name, sizes(got))
		}
	}
	// A body over the limit is still refused, not truncated into a batch.
	big := "[" + strings.Join(calls, ",") + "," + strings.Repeat(" ", 64<<10) + "]"
	if code, _ := post(t, s.url(), big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized batch: HTTP %d, want 413", code)
	}
	if got := f.take(); len(got) != 0 {
		t.Errorf("oversized batch pre-verified %v", sizes(got))
	}
}

func sizes(bs [][]*types.Tx) []int {
	var out []int
	for _, b := range bs {
		out = append(out, len(b))
	}
	return out
}

// TestStartsBatch checks the look at a body's first byte that decides
// whether preverify reads it, and that the look consumes nothing.
func TestStartsBatch(t *testing.T) {
	for body, want := range map[string]bool{
		`[{"method":"tx_send"}]`:         true,
		" \t\r\n[]":                      true,
		`{"method":"tx_send"}`:           false,
		"":                               false,
		"   ":                            false,
		"x[":                             false,
		strings.Repeat(" ", 100) + "[1]": false, // padded past the look-ahead
	} {
		br := bufio.NewReaderSize(strings.NewReader(body), 64)
		if got := startsBatch(br); got != want {
			t.Errorf("%.20q: %v, want %v", body, got, want)
		}
		if rest, _ := io.ReadAll(br); string(rest) != body {
			t.Errorf("%.20q: the look consumed the body, %.20q left", body, rest)
		}
	}
}
