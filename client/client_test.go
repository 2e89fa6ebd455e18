package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	gethrpc "github.com/ethereum/go-ethereum/rpc"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/client/clienttest"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/mempool"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

func testKey(t *testing.T, b byte) crypto.PrivateKey {
	t.Helper()
	k, err := crypto.NewKeyFromSeed(bytes.Repeat([]byte{b}, crypto.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func headHash(b *clienttest.Backend) types.Hash {
	h := b.Head()
	return h.Hash()
}

func addr(k crypto.PrivateKey) types.Address { return types.AddressOf(k.Public()) }

// testCtx returns a context with a generous deadline: a test that hangs
// fails instead of stalling the run.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, url string) *client.Client {
	t.Helper()
	c, err := client.Dial(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// setup serves a fake chain where alice (key 1) is funded.
func setup(t *testing.T, o clienttest.Options) (*clienttest.Backend, *client.Client, crypto.PrivateKey) {
	t.Helper()
	alice := testKey(t, 1)
	o.Funded = append(o.Funded, addr(alice))
	b := clienttest.NewBackend(o)
	return b, dial(t, clienttest.Serve(t, b)), alice
}

func TestChainQueries(t *testing.T) {
	b, c, _ := setup(t, clienttest.Options{ChainID: "chain-x"})
	ctx := testCtx(t)
	b.Mine()
	b.Mine()

	if id, err := c.ChainID(ctx); err != nil || id != "chain-x" {
		t.Errorf("ChainID = %q, %v", id, err)
	}
	if h, err := c.GenesisHash(ctx); err != nil || h != b.GenesisHash() {
		t.Errorf("GenesisHash = %s, %v; want %s", h, err, b.GenesisHash())
	}
	if n, err := c.BlockNumber(ctx); err != nil || n != 2 {
		t.Errorf("BlockNumber = %d, %v; want 2", n, err)
	}
	if n, err := c.Finalized(ctx); err != nil || n != 2 {
		t.Errorf("Finalized = %d, %v; want 2", n, err)
	}
	head := b.Head()
	latest, err := c.BlockByNumber(ctx, rpc.LatestBlock, false)
	if err != nil {
		t.Fatal(err)
	}
	if latest.Hash != head.Hash() || latest.Number != 2 || latest.ParentHash != head.Parent {
		t.Errorf("latest block = %+v, want head %s", latest, head.Hash())
	}
	one, err := c.BlockByNumber(ctx, rpc.BlockAt(1), false)
	if err != nil || one.Hash != head.Parent {
		t.Errorf("block 1 = %+v, %v; want hash %s", one, err, head.Parent)
	}
	byHash, err := c.BlockByHash(ctx, head.Parent, false)
	if err != nil || byHash.Number != 1 {
		t.Errorf("BlockByHash = %+v, %v", byHash, err)
	}
	if _, err := c.BlockByNumber(ctx, rpc.BlockAt(99), false); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("block 99: %v, want ErrNotFound", err)
	}
	if _, err := c.BlockByHash(ctx, types.Hash{1}, true); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("unknown block hash: %v, want ErrNotFound", err)
	}
	if _, err := c.Tx(ctx, types.Hash{1}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("unknown tx: %v, want ErrNotFound", err)
	}
	if _, err := c.Receipt(ctx, types.Hash{1}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("unknown receipt: %v, want ErrNotFound", err)
	}
}

func TestTransferLifecycle(t *testing.T) {
	b, c, alice := setup(t, clienttest.Options{})
	ctx := testCtx(t)
	bob := addr(testKey(t, 2))
	chainID, err := c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := c.NextNonce(ctx, addr(alice))
	if err != nil || nonce != 0 {
		t.Fatalf("NextNonce = %d, %v; want 0", nonce, err)
	}
	tx := client.NewTransfer(chainID, nonce, bob, types.NewAmount(500), 2)
	if tx.GasLimit != chain.IntrinsicGas(tx) || tx.Kind != types.TxTransfer {
		t.Fatalf("NewTransfer = %+v", tx)
	}
	tx.Sign(alice)
	res, err := c.SendTx(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Hash != tx.Hash() || res.Status != rpc.StatusAccepted || len(res.Missing) != 0 {
		t.Fatalf("SendTx = %+v", res)
	}
	got, err := c.Tx(ctx, res.Hash)
	if err != nil || !got.Pending || got.Nonce != 0 || got.From != addr(alice) || got.BlockNumber != nil {
		t.Fatalf("pending Tx = %+v, %v", got, err)
	}
	if _, err := c.Receipt(ctx, res.Hash); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("receipt of a pending tx: %v, want ErrNotFound", err)
	}

	// A gap: nonce 3 waits for 1 and 2, and the next nonce is past it.
	if n, err := c.NextNonce(ctx, addr(alice)); err != nil || n != 1 {
		t.Fatalf("NextNonce with one pending = %d, %v; want 1", n, err)
	}
	gap := client.NewTransfer(chainID, 3, bob, types.NewAmount(1), 2)
	gap.Sign(alice)
	res3, err := c.SendTx(ctx, gap)
	if err != nil {
		t.Fatal(err)
	}
	if res3.Status != rpc.StatusQueued || !slices.Equal(res3.Missing, []uint64{1, 2}) {
		t.Fatalf("gapped SendTx = %+v, want queued missing [1 2]", res3)
	}
	pool, err := c.MempoolInspect(ctx, addr(alice))
	if err != nil || len(pool.Pending) != 1 || pool.Pending[0] != 0 || len(pool.Queued) != 1 || pool.Queued[0] != 3 {
		t.Fatalf("MempoolInspect = %+v, %v", pool, err)
	}
	if n, err := c.NextNonce(ctx, addr(alice)); err != nil || n != 4 {
		t.Fatalf("NextNonce with nonce 3 queued = %d, %v; want 4", n, err)
	}
	st, err := c.MempoolStatus(ctx)
	if err != nil || st.Pending != 1 || st.Queued != 1 || st.Senders != 1 {
		t.Fatalf("MempoolStatus = %+v, %v", st, err)
	}

	height := b.Mine()
	r, err := c.Receipt(ctx, res.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != rpc.ReceiptStatusSuccess || uint64(r.BlockNumber) != height || r.Index != 0 ||
		uint64(r.GasUsed) != tx.GasLimit || r.From != addr(alice) || r.To == nil || *r.To != bob {
		t.Fatalf("receipt = %+v", r)
	}
	fee := types.Amount(r.Fee)
	if fee.Uint64() != 2*tx.GasLimit {
		t.Errorf("fee = %s, want %d", fee.Dec(), 2*tx.GasLimit)
	}
	blk, err := c.BlockByNumber(ctx, rpc.BlockAt(height), true)
	if err != nil {
		t.Fatal(err)
	}
	if blk.TxCount != 1 || len(blk.Transactions) != 1 || blk.Transactions[0].Tx == nil || blk.Transactions[0].Hash != res.Hash {
		t.Fatalf("full block = %+v", blk)
	}
	acct, err := c.Account(ctx, bob, rpc.LatestBlock)
	if err != nil {
		t.Fatal(err)
	}
	if bal := types.Amount(acct.Balance); bal.Uint64() != 500 || acct.Nonce != 0 {
		t.Errorf("bob = %+v, want balance 500", acct)
	}
	acct, err = c.Account(ctx, addr(alice), rpc.LatestBlock)
	if err != nil || acct.Nonce != 1 {
		t.Errorf("alice = %+v, %v; want nonce 1", acct, err)
	}
}

func TestSendRawTx(t *testing.T) {
	_, c, alice := setup(t, clienttest.Options{ChainID: "noded-test"})
	ctx := testCtx(t)
	tx := client.NewTransfer("noded-test", 0, addr(testKey(t, 2)), types.NewAmount(1), 1)
	tx.Sign(alice)
	res, err := c.SendRawTx(ctx, tx.Encode())
	if err != nil || res.Hash != tx.Hash() || res.Status != rpc.StatusAccepted {
		t.Fatalf("SendRawTx = %+v, %v", res, err)
	}
}

// TestRefusals checks that each refusal arrives as an *rpc.Error with the
// code, reason and server message, matching the sentinel the node refused
// with.
func TestRefusals(t *testing.T) {
	b, c, alice := setup(t, clienttest.Options{ChainID: "noded-test"})
	ctx := testCtx(t)
	bob := addr(testKey(t, 2))
	signed := func(mod func(*types.Tx)) *types.Tx {
		tx := client.NewTransfer("noded-test", 1, bob, types.NewAmount(1), 10)
		mod(tx)
		tx.Sign(alice)
		return tx
	}
	// Nonce 0 is used; nonce 1 is in the pool.
	first := signed(func(tx *types.Tx) { tx.Nonce = 0 })
	if _, err := c.SendTx(ctx, first); err != nil {
		t.Fatal(err)
	}
	b.Mine()
	inPool := signed(func(*types.Tx) {})
	if _, err := c.SendTx(ctx, inPool); err != nil {
		t.Fatal(err)
	}
	badSig := signed(func(*types.Tx) {})
	badSig.Sig[0] ^= 1
	broke := testKey(t, 9)
	poor := client.NewTransfer("noded-test", 0, bob, types.NewAmount(1), 1)
	poor.Sign(broke)

	for _, tc := range []struct {
		name   string
		tx     *types.Tx
		raw    []byte
		want   error
		code   int
		reason string
		detail string // part of the server's message
	}{
		{"nonce too low", signed(func(tx *types.Tx) { tx.Nonce = 0; tx.Amount = types.NewAmount(2) }), nil, chain.ErrNonceTooLow, rpc.CodeNonceTooLow, "nonce_too_low", "account nonce 1"},
		{"duplicate", inPool, nil, mempool.ErrDuplicate, rpc.CodeDuplicate, "duplicate", ""},
		{"underpriced", signed(func(tx *types.Tx) { tx.GasPrice = 10; tx.Amount = types.NewAmount(3) }), nil, mempool.ErrReplacementUnderpriced, rpc.CodeReplacementUnderpriced, "replacement_underpriced", ""},
		{"bad signature", badSig, nil, types.ErrBadSig, rpc.CodeBadSignature, "bad_signature", ""},
		{"wrong chain", signed(func(tx *types.Tx) { tx.ChainID = "other" }), nil, chain.ErrWrongChain, rpc.CodeWrongChainID, "wrong_chain_id", `"other"`},
		{"gas too low", signed(func(tx *types.Tx) { tx.Nonce = 2; tx.GasLimit = 10 }), nil, chain.ErrIntrinsicGas, rpc.CodeGasLimit, "gas_limit", "10 <"},
		{"gas too high", signed(func(tx *types.Tx) { tx.Nonce = 2; tx.GasLimit = chain.MaxTxGas + 1 }), nil, chain.ErrGasLimitTooHigh, rpc.CodeGasLimit, "gas_limit", ""},
		{"insufficient funds", poor, nil, chain.ErrInsufficientFunds, rpc.CodeInsufficientFunds, "insufficient_funds", "balance 0"},
		{"garbage", nil, []byte{1, 2, 3}, types.ErrEncoding, rpc.CodeMalformed, "malformed", ""},
		{"unknown kind", signed(func(tx *types.Tx) { tx.Kind = 9 }), nil, types.ErrTxMalformed, rpc.CodeMalformed, "malformed", "unknown kind"},
		{"contract", signed(func(tx *types.Tx) {
			tx.Nonce = 2
			tx.Kind = types.TxCall
			tx.Method = "m"
			tx.GasLimit = chain.IntrinsicGas(tx)
		}), nil, chain.ErrContractsDisabled, rpc.CodeUnsupported, "unsupported", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.tx != nil {
				_, err = c.SendTx(ctx, tc.tx)
			} else {
				_, err = c.SendRawTx(ctx, tc.raw)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want it to match %q", err, tc.want)
			}
			var re *rpc.Error
			if !errors.As(err, &re) {
				t.Fatalf("err %T is not an *rpc.Error", err)
			}
			if re.Code != tc.code || re.Reason != tc.reason {
				t.Errorf("code %d reason %q, want %d %q", re.Code, re.Reason, tc.code, tc.reason)
			}
			if !strings.Contains(err.Error(), tc.want.Error()) || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("message %q lost the server's detail %q", err, tc.detail)
			}
		})
	}
	// The two sentinels of gas_limit are told apart.
	_, err := c.SendTx(ctx, signed(func(tx *types.Tx) { tx.Nonce = 2; tx.GasLimit = 10 }))
	if errors.Is(err, chain.ErrGasLimitTooHigh) {
		t.Errorf("a too-low gas limit matches ErrGasLimitTooHigh: %v", err)
	}
}

func TestOtherErrorCodes(t *testing.T) {
	_, c, alice := setup(t, clienttest.Options{})
	ctx := testCtx(t)
	if _, err := c.DevAccounts(ctx); !errors.Is(err, rpc.ErrNotDevMode) {
		t.Errorf("dev_accounts on a non-dev node: %v, want rpc.ErrNotDevMode", err)
	}
	if _, err := c.Account(ctx, addr(alice), rpc.EarliestBlock); err != nil {
		t.Errorf("state at genesis (the head): %v", err)
	}
	// The fake keeps the head state only.
	_, err := c.Account(ctx, addr(alice), rpc.BlockAt(5))
	if !errors.Is(err, rpc.ErrStateUnavailable) {
		t.Errorf("state at an unknown height: %v, want rpc.ErrStateUnavailable", err)
	}
	err = c.Call(ctx, nil, "chain_noSuchMethod")
	var re *rpc.Error
	if !errors.As(err, &re) || re.Code != rpc.CodeMethodNotFound {
		t.Errorf("unknown method: %#v", err)
	}
	err = c.Call(ctx, nil, "tx_get", "0x12")
	if !errors.As(err, &re) || re.Code != rpc.CodeInvalidParams {
		t.Errorf("bad params: %#v", err)
	}
}

// TestErrorConversionFromAnyServer checks the conversion on hand-written
// answers: a refusal without data still gets its reason from the code,
// and an unknown code maps to no sentinel.
func TestErrorConversionFromAnyServer(t *testing.T) {
	answers := map[string]string{
		"tx_send":  `{"jsonrpc":"2.0","id":1,"error":{"code":-32012,"message":"nonce too low: 4 < 5"}}`,
		"chain_id": `{"jsonrpc":"2.0","id":1,"error":{"code":-32099,"message":"odd","data":{"reason":"odd_thing"}}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		for m, a := range answers {
			if bytes.Contains(body, []byte(`"`+m+`"`)) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, a)
				return
			}
		}
		http.Error(w, "unexpected", http.StatusTeapot)
	}))
	defer srv.Close()
	c := dial(t, srv.URL)
	ctx := testCtx(t)
	_, err := c.SendRawTx(ctx, []byte{1})
	var re *rpc.Error
	if !errors.Is(err, chain.ErrNonceTooLow) || !errors.As(err, &re) || re.Reason != "nonce_too_low" || err.Error() != "nonce too low: 4 < 5" {
		t.Errorf("tx_send: %#v", err)
	}
	_, err = c.ChainID(ctx)
	if !errors.As(err, &re) || re.Code != -32099 || re.Reason != "odd_thing" || errors.Is(err, chain.ErrNonceTooLow) {
		t.Errorf("unknown code: %#v", err)
	}
	_, err = c.BlockNumber(ctx)
	var he gethrpc.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusTeapot {
		t.Errorf("HTTP error: %#v", err)
	}
}

func TestWaitReceipt(t *testing.T) {
	for _, scheme := range []string{"http", "ws"} {
		t.Run(scheme, func(t *testing.T) {
			alice := testKey(t, 1)
			b := clienttest.NewBackend(clienttest.Options{Funded: []types.Address{addr(alice)}})
			url := clienttest.Serve(t, b)
			if scheme == "ws" {
				url = clienttest.WebSocketURL(url)
			}
			c := dial(t, url)
			ctx := testCtx(t)
			tx := client.NewTransfer(b.ChainID(), 0, addr(testKey(t, 2)), types.NewAmount(1), 1)
			tx.Sign(alice)
			if _, err := c.SendTx(ctx, tx); err != nil {
				t.Fatal(err)
			}
			type result struct {
				r   *rpc.RPCReceipt
				err error
			}
			done := make(chan result, 1)
			go func() {
				r, err := c.WaitReceipt(ctx, tx.Hash(), time.Millisecond)
				done <- result{r, err}
			}()
			b.Mine() // whether WaitReceipt has polled yet or not, it must see this
			res := <-done
			if res.err != nil || res.r.TransactionHash != tx.Hash() || res.r.BlockNumber != 1 {
				t.Fatalf("WaitReceipt = %+v, %v", res.r, res.err)
			}

			short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			_, err := c.WaitReceipt(short, types.Hash{7}, time.Millisecond)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("WaitReceipt past the deadline: %v", err)
			}
		})
	}
}

func TestSubscribeNewHeads(t *testing.T) {
	b := clienttest.NewBackend(clienttest.Options{})
	url := clienttest.Serve(t, b)
	ctx := testCtx(t)

	if _, err := dial(t, url).SubscribeNewHeads(ctx, make(chan *rpc.RPCBlock)); !errors.Is(err, gethrpc.ErrNotificationsUnsupported) {
		t.Errorf("subscribe over HTTP: %v, want ErrNotificationsUnsupported", err)
	}

	c := dial(t, clienttest.WebSocketURL(url))
	heads := make(chan *rpc.RPCBlock, 4)
	sub, err := c.SubscribeNewHeads(ctx, heads)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	for want := uint64(1); want <= 3; want++ {
		b.Mine()
		select {
		case h := <-heads:
			if uint64(h.Number) != want || h.Hash != headHash(b) || h.Transactions != nil {
				t.Fatalf("head %d = %+v", want, h)
			}
		case err := <-sub.Err():
			t.Fatalf("subscription ended: %v", err)
		case <-ctx.Done():
			t.Fatal("no head")
		}
	}
	sub.Unsubscribe()
	if err, open := <-sub.Err(); open && err != nil {
		t.Errorf("after Unsubscribe: %v", err)
	}
}

func TestDevMethods(t *testing.T) {
	b := clienttest.NewBackend(clienttest.Options{DevAccounts: 2})
	c := dial(t, clienttest.Serve(t, b))
	ctx := testCtx(t)
	accts, err := c.DevAccounts(ctx)
	if err != nil || len(accts) != 2 || accts[1].Name != "dev1" || accts[1].Address != addr(clienttest.DevKey(1)) {
		t.Fatalf("DevAccounts = %+v, %v", accts, err)
	}
	to := addr(testKey(t, 5))
	res, err := c.DevSendTransaction(ctx, "dev0", to, types.NewAmount(77))
	if err != nil || res.Status != rpc.StatusAccepted {
		t.Fatalf("DevSendTransaction = %+v, %v", res, err)
	}
	h, err := c.DevMine(ctx, 3)
	if err != nil || h != 3 {
		t.Fatalf("DevMine(3) = %d, %v; want 3", h, err)
	}
	r, err := c.Receipt(ctx, res.Hash)
	if err != nil || r.BlockNumber != 1 || r.From != addr(clienttest.DevKey(0)) {
		t.Fatalf("receipt = %+v, %v", r, err)
	}
	if _, err := c.DevMine(ctx, 0); !errors.As(err, new(*rpc.Error)) {
		t.Errorf("DevMine(0): %v, want an rpc error", err)
	}
}

func TestNodeMethods(t *testing.T) {
	peers := []rpc.PeerInfo{{ID: "peer-1", Address: "/ip4/127.0.0.1/tcp/1", LatencyMs: 1.5, Height: 4, HeadHash: types.Hash{4}}}
	b := clienttest.NewBackend(clienttest.Options{ChainID: "chain-y", Peers: peers})
	c := dial(t, clienttest.Serve(t, b))
	ctx := testCtx(t)
	st, err := c.NodeStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.ChainID != "chain-y" || st.GenesisHash != b.GenesisHash() || st.Head.Hash != headHash(b) ||
		len(st.Peers) != 1 || st.Peers[0].ID != "peer-1" || st.Peers[0].Height != 4 {
		t.Errorf("NodeStatus = %+v", st)
	}
	ps, err := c.Peers(ctx)
	if err != nil || len(ps) != 1 || ps[0].LatencyMs != 1.5 || ps[0].HeadHash != (types.Hash{4}) {
		t.Errorf("Peers = %+v, %v", ps, err)
	}
	sy, err := c.Syncing(ctx)
	if err != nil || sy.Syncing {
		t.Errorf("Syncing = %+v, %v", sy, err)
	}
}

func TestDialURLs(t *testing.T) {
	ctx := testCtx(t)
	for _, u := range []string{"127.0.0.1:8545", "ftp://x", "http://", "/tmp/node.ipc", "::"} {
		if c, err := client.Dial(ctx, u); err == nil {
			c.Close()
			t.Errorf("Dial(%q) succeeded", u)
		}
	}
	// HTTP dials lazily: a node that is down shows up at the first call.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := dial(t, url)
	if _, err := c.ChainID(ctx); err == nil {
		t.Error("a call to a closed server succeeded")
	}
}

// minesAfterAccountRead is a node on which a block lands right after every
// account read: the moment a client reading the account and then the
// mempool would miss a transaction in between.
type minesAfterAccountRead struct{ *clienttest.Backend }

func (b minesAfterAccountRead) Account(a types.Address, height *uint64) (types.Account, error) {
	acct, err := b.Backend.Account(a, height)
	b.Mine()
	return acct, err
}

// TestNextNonceAcrossABlock checks that NextNonce does not hand out a nonce
// a transaction already took when that transaction's block is committed
// between its two reads.
func TestNextNonceAcrossABlock(t *testing.T) {
	alice := testKey(t, 1)
	b := minesAfterAccountRead{clienttest.NewBackend(clienttest.Options{Funded: []types.Address{addr(alice)}})}
	c := dial(t, clienttest.Serve(t, b))
	ctx := testCtx(t)
	for nonce := range uint64(3) {
		tx := client.NewTransfer("noded-test", nonce, addr(testKey(t, 2)), types.NewAmount(1), 1)
		tx.Sign(alice)
		if _, err := c.SendTx(ctx, tx); err != nil {
			t.Fatal(err)
		}
		if n, err := c.NextNonce(ctx, addr(alice)); err != nil || n != nonce+1 {
			t.Fatalf("NextNonce after sending nonce %d = %d, %v; want %d", nonce, n, err, nonce+1)
		}
	}
}
