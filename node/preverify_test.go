package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noded/noded/types"
)

// A JSON-RPC batch of tx_send calls has its signatures verified together:
// every valid transaction is accepted, every forged one refused with the
// bad-signature error, as when each is verified alone, and a verified
// signature does not vouch for another signature of the same transaction.
func TestBatchSignaturesVerifiedTogether(t *testing.T) {
	tn := startTestNode(t, Config{Home: t.TempDir(), Dev: true, BlockTime: time.Hour, DevAccounts: 4})
	url := "http://" + tn.n.RPCAddr()
	send := func(txs []*types.Tx) []map[string]any {
		t.Helper()
		var calls []string
		for i, tx := range txs {
			calls = append(calls, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tx_send","params":["0x%x"]}`, i, tx.Encode()))
		}
		resp, err := http.Post(url, "application/json", strings.NewReader("["+strings.Join(calls, ",")+"]"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var out []map[string]any
		if err := json.Unmarshal(body, &out); err != nil || len(out) != len(txs) {
			t.Fatalf("answer %s: %v", body, err)
		}
		return out
	}
	var txs []*types.Tx
	forged := map[int]bool{}
	for i := range 24 {
		tx := signedTransfer(DevKey(i%4), DefaultChainID, uint64(i/4), types.Address{7}, 1, 1)
		if i%5 == 3 {
			tx.Sig[0] ^= 1
			forged[i] = true
		}
		txs = append(txs, tx)
	}
	before, used := tn.n.preverifiedCount(), tn.n.preverified.usedCount()
	for i, r := range send(txs) {
		_, failed := r["error"]
		if failed != forged[i] {
			t.Errorf("tx %d (forged %v): %v", i, forged[i], r)
		}
		if failed && !strings.Contains(fmt.Sprint(r["error"]), "signature") {
			t.Errorf("tx %d refused for another reason: %v", i, r["error"])
		}
	}
	if tn.n.preverifiedCount() != before {
		t.Errorf("verified signatures left over after their calls: %d, want %d", tn.n.preverifiedCount(), before)
	}
	if got, want := tn.n.preverified.usedCount()-used, uint64(len(txs)-len(forged)); got != want {
		t.Errorf("%d signatures verified in the batch, want %d", got, want)
	}

	// A forged signature of a transaction whose genuine signature was
	// just verified in a batch is still refused.
	var next []*types.Tx
	for i := range 8 {
		next = append(next, signedTransfer(DevKey(i%4), DefaultChainID, 9+uint64(i/4), types.Address{8}, 1, 1))
	}
	tn.n.PreverifyTxs(next)
	evil := *next[0]
	evil.Sig[0] ^= 1
	if _, err := tn.n.SubmitTx(&evil); !errors.Is(err, types.ErrBadSig) {
		t.Errorf("a forged signature after the genuine one was verified: %v", err)
	}
	for i, tx := range next {
		if _, err := tn.n.SubmitTx(tx); err != nil {
			t.Errorf("pre-verified tx %d: %v", i, err)
		}
	}
	if n := tn.n.preverifiedCount(); n != before {
		t.Errorf("%d verified signatures left, want %d", n, before)
	}
}

func (n *Node) preverifiedCount() int {
	n.preverified.mu.Lock()
	defer n.preverified.mu.Unlock()
	return len(n.preverified.set)
}

// The mempool vouches for the signatures it holds (Node.knownSig, which
// block validation consults): the same hash and signature yes, another
// signature of the same transaction or a transaction it does not hold no.
func TestKnownSigFromMempool(t *testing.T) {
	tn := startTestNode(t, Config{Home: t.TempDir(), Dev: true, BlockTime: time.Hour, DevAccounts: 2})
	tx := signedTransfer(DevKey(0), DefaultChainID, 0, types.Address{7}, 1, 1)
	if _, err := tn.n.SubmitTx(tx); err != nil {
		t.Fatal(err)
	}
	other := signedTransfer(DevKey(1), DefaultChainID, 0, types.Address{7}, 1, 1)
	forged := tx.Sig
	forged[5] ^= 1
	for _, c := range []struct {
		name string
		hash types.Hash
		sig  [64]byte
		want bool
	}{
		{"pooled", tx.Hash(), tx.Sig, true},
		{"pooled hash, other signature", tx.Hash(), forged, false},
		{"not pooled", other.Hash(), other.Sig, false},
	} {
		if got := tn.n.knownSig(c.hash, c.sig); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if got := tn.n.sigsKnown.Load(); got != 1 {
		t.Errorf("noded_sigs_known_total %d, want 1", got)
	}
}
