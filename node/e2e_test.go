package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/mempool"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// testNode is a dev node running in-process with a real database and a real
// RPC server on loopback.
type testNode struct {
	t    testing.TB
	n    *Node
	c    *client.Client
	stop func()
}

func startNode(t *testing.T, cfg Config) *testNode {
	t.Helper()
	cfg.Dev = true
	return startTestNode(t, cfg)
}

func startTestNode(t testing.TB, cfg Config) *testNode {
	t.Helper()
	if cfg.RPCAddr == "" {
		cfg.RPCAddr = "127.0.0.1:0"
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	c, err := client.Dial(ctx, "http://"+n.RPCAddr())
	if err != nil {
		t.Fatal(err)
	}
	tn := &testNode{t: t, n: n, c: c}
	var once sync.Once
	tn.stop = func() {
		once.Do(func() {
			c.Close()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("node stopped with error: %v", err)
			}
		})
	}
	t.Cleanup(tn.stop)
	return tn
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ledger computes the balances the chain must arrive at.
type ledger struct {
	bal map[types.Address]types.Amount
}

func (l *ledger) add(a types.Address, v uint64) {
	b := l.bal[a]
	x := types.NewAmount(v)
	b.Add(&b, &x)
	l.bal[a] = b
}

func (l *ledger) sub(a types.Address, v uint64) {
	b := l.bal[a]
	x := types.NewAmount(v)
	b.Sub(&b, &x)
	l.bal[a] = b
}

func amt(x hexutil.U256) *types.Amount { a := types.Amount(x); return &a }

func signedTransfer(key crypto.PrivateKey, chainID string, nonce uint64, to types.Address, amount, price uint64) *types.Tx {
	tx := client.NewTransfer(chainID, nonce, to, types.NewAmount(amount), price)
	tx.Sign(key)
	return tx
}

// TestDevChainEndToEnd sends 200 transfers from the 4 dev accounts over
// JSON-RPC, with nonce gaps filled later, a replacement and every kind of
// refused transaction; checks every receipt and every balance exactly;
// restarts the node and checks again.
func TestDevChainEndToEnd(t *testing.T) {
	home := t.TempDir()
	// Blocks only when the test mines them, so that the mempool's behaviour
	// (gaps, replacement) is observable.
	cfg := Config{Home: home, BlockTime: time.Hour}
	tn := startNode(t, cfg)
	ctx := ctxT(t)
	c := tn.c
	chainID, err := c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	validator := types.AddressOf(DevValidatorKey().Public())
	led := &ledger{bal: map[types.Address]types.Amount{}}
	keys := make([]crypto.PrivateKey, 4)
	for i := range keys {
		keys[i] = DevKey(i)
		led.bal[types.AddressOf(keys[i].Public())] = DevBalance
	}
	led.bal[validator] = types.Amount{}
	recipients := make([]types.Address, 6)
	for i := range recipients {
		recipients[i] = types.AddressOf(wellKnownKey(fmt.Sprintf("recipient %d", i)).Public())
		led.bal[recipients[i]] = types.Amount{}
	}

	type sent struct {
		tx    *types.Tx
		price uint64
	}
	final := map[types.Hash]*types.Tx{} // transactions that must end up included
	send := func(tx *types.Tx, wantStatus string) {
		t.Helper()
		res, err := c.SendTx(ctx, tx)
		if err != nil {
			t.Fatalf("send nonce %d from %s: %v", tx.Nonce, tx.Sender(), err)
		}
		if res.Status != wantStatus {
			t.Fatalf("nonce %d from %s: status %q, want %q (missing %v)", tx.Nonce, tx.Sender(), res.Status, wantStatus, res.Missing)
		}
		if res.Hash != tx.Hash() {
			t.Fatalf("returned hash %s, want %s", res.Hash, tx.Hash())
		}
		final[tx.Hash()] = tx
	}
	mk := func(acct int, nonce uint64, price uint64) *types.Tx {
		to := recipients[(acct+int(nonce))%len(recipients)]
		if nonce%7 == 0 {
			to = types.AddressOf(keys[(acct+1)%4].Public()) // to another dev account
		}
		return signedTransfer(keys[acct], chainID, nonce, to, 1000+uint64(acct)*100+nonce, price)
	}

	// 50 transfers from each account. dev1 holds back nonces 20-24, so 25-49
	// wait in the queue.
	for acct := range 4 {
		for nonce := uint64(0); nonce < 50; nonce++ {
			switch {
			case acct == 1 && nonce >= 20 && nonce < 25:
				continue
			case acct == 1 && nonce >= 25:
				send(mk(acct, nonce, 1), rpc.StatusQueued)
			default:
				send(mk(acct, nonce, 1), rpc.StatusAccepted)
			}
		}
	}
	// The queued transaction reports what it waits for.
	res, err := c.SendTx(ctx, mk(1, 49, 1))
	if !errors.Is(err, mempool.ErrDuplicate) {
		t.Fatalf("resending a queued tx: %v %+v", err, res)
	}
	insp, err := c.MempoolInspect(ctx, types.AddressOf(keys[1].Public()))
	if err != nil || len(insp.Pending) != 20 || len(insp.Queued) != 25 {
		t.Fatalf("mempool_inspect dev1: %+v %v", insp, err)
	}

	// Replacement: dev2's nonce 10 again, paying 2x; the original goes.
	orig := mk(2, 10, 1)
	repl := mk(2, 10, 2)
	repl.Amount = types.NewAmount(77)
	repl.Sign(keys[2])
	send(repl, rpc.StatusReplaced)
	delete(final, orig.Hash())
	under := mk(2, 11, 1)
	under.Amount = types.NewAmount(78)
	under.Sign(keys[2])

	// Every kind of refusal, with its reason.
	badSig := mk(3, 50, 1)
	badSig.Sig[0] ^= 1
	wrongChain := signedTransfer(keys[3], "other-chain", 50, recipients[0], 1, 1)
	lowFee := mk(3, 50, 0)
	poor := signedTransfer(wellKnownKey("nobody"), chainID, 0, recipients[0], 1, 1)
	farAhead := mk(3, 1_000_000, 1)
	bigGas := mk(3, 50, 1)
	bigGas.GasLimit = chain.MaxTxGas + 1
	bigGas.Sign(keys[3])
	refusals := []struct {
		name string
		tx   *types.Tx
		want error
	}{
		{"bad signature", badSig, types.ErrBadSig},
		{"wrong chain", wrongChain, chain.ErrWrongChain},
		{"fee too low", lowFee, mempool.ErrFeeTooLow},
		{"insufficient funds", poor, chain.ErrInsufficientFunds},
		{"duplicate", mk(0, 3, 1), mempool.ErrDuplicate},
		{"replacement underpriced", under, mempool.ErrReplacementUnderpriced},
		{"nonce too far ahead", farAhead, mempool.ErrNonceTooFarAhead},
		{"gas limit too high", bigGas, chain.ErrGasLimitTooHigh},
	}
	for _, r := range refusals {
		if _, err := c.SendTx(ctx, r.tx); !errors.Is(err, r.want) {
			t.Errorf("%s: got %v, want %v", r.name, err, r.want)
		}
	}
	// Malformed and oversized raw transactions.
	if _, err := c.SendRawTx(ctx, []byte{1, 2, 3}); !errors.Is(err, types.ErrEncoding) {
		t.Errorf("garbage raw tx: got %v, want a malformed-transaction error", err)
	}
	if _, err := c.SendRawTx(ctx, make([]byte, types.MaxTxSize+1)); !errors.Is(err, mempool.ErrTooLarge) {
		t.Errorf("oversized raw tx: got %v, want too large", err)
	}

	// Mine everything executable: dev1 stops at its gap.
	if _, err := c.DevMine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	st, err := c.MempoolStatus(ctx)
	if err != nil || st.Pending != 0 || st.Queued != 25 {
		t.Fatalf("after mining: %+v %v", st, err)
	}
	// Nonce too low, now that nonce 0 is used.
	if _, err := c.SendTx(ctx, signedTransfer(keys[0], chainID, 0, recipients[1], 5, 1)); !errors.Is(err, chain.ErrNonceTooLow) {
		t.Errorf("reused nonce: got %v, want nonce too low", err)
	}
	// Fill dev1's gap: the queued ones become executable.
	for nonce := uint64(20); nonce < 25; nonce++ {
		send(mk(1, nonce, 1), rpc.StatusAccepted)
	}
	if _, err := c.DevMine(ctx, 2); err != nil {
		t.Fatal(err)
	}
	st, err = c.MempoolStatus(ctx)
	if err != nil || st.Pending != 0 || st.Queued != 0 {
		t.Fatalf("after filling the gap: %+v %v", st, err)
	}
	if len(final) != 200 {
		t.Fatalf("%d transactions to check, want 200", len(final))
	}

	// Every receipt, and the ledger.
	for hash, tx := range final {
		rc, err := c.Receipt(ctx, hash)
		if err != nil {
			t.Fatalf("receipt of %s: %v", hash, err)
		}
		fee := chain.TxBaseGas * tx.GasPrice
		if rc.Status != rpc.ReceiptStatusSuccess || uint64(rc.GasUsed) != chain.TxBaseGas || amt(rc.Fee).Uint64() != fee ||
			rc.From != tx.Sender() || rc.To == nil || *rc.To != tx.To || rc.Error != "" {
			t.Fatalf("receipt %+v for tx nonce %d", rc, tx.Nonce)
		}
		blk, err := c.BlockByNumber(ctx, rpc.BlockAt(uint64(rc.BlockNumber)), false)
		if err != nil || blk.Hash != rc.BlockHash || blk.Transactions[rc.Index].Hash != hash {
			t.Fatalf("receipt of %s points at block %d index %d, which does not hold it (%v)", hash, rc.BlockNumber, rc.Index, err)
		}
		led.sub(tx.Sender(), tx.Amount.Uint64()+fee)
		led.add(tx.To, tx.Amount.Uint64())
		led.add(validator, fee)
	}
	if _, err := c.Receipt(ctx, orig.Hash()); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("the replaced transaction has a receipt: %v", err)
	}
	checkBalances := func(c *client.Client) {
		t.Helper()
		for _, a := range slices.SortedFunc(maps.Keys(led.bal), func(x, y types.Address) int { return bytes.Compare(x[:], y[:]) }) {
			want := led.bal[a]
			acc, err := c.Account(ctx, a, rpc.LatestBlock)
			if err != nil {
				t.Fatal(err)
			}
			if got := amt(acc.Balance); got.Cmp(&want) != 0 {
				t.Errorf("balance of %s: %s, want %s", a, got.Dec(), want.Dec())
			}
		}
		for i, k := range keys {
			acc, err := c.Account(ctx, types.AddressOf(k.Public()), rpc.LatestBlock)
			if err != nil || acc.Nonce != 50 {
				t.Errorf("dev%d nonce %d, want 50 (%v)", i, acc.Nonce, err)
			}
		}
	}
	checkBalances(c)
	head, err := c.BlockNumber(ctx)
	if err != nil || head != 3 {
		t.Fatalf("head %d, want 3 (%v)", head, err)
	}
	headBlock, err := c.BlockByNumber(ctx, rpc.LatestBlock, false)
	if err != nil {
		t.Fatal(err)
	}

	// Restart on the same home: the same chain, the same state.
	tn.stop()
	tn2 := startNode(t, cfg)
	checkBalances(tn2.c)
	again, err := tn2.c.BlockByNumber(ctx, rpc.LatestBlock, false)
	if err != nil || again.Hash != headBlock.Hash || again.StateRoot != headBlock.StateRoot {
		t.Fatalf("after restart head %+v, want %+v (%v)", again, headBlock, err)
	}
	for hash := range final {
		if rc, err := tn2.c.Receipt(ctx, hash); err != nil || rc.Status != rpc.ReceiptStatusSuccess {
			t.Fatalf("receipt of %s after restart: %+v %v", hash, rc, err)
		}
	}
	// Historical state: dev0's balance before any block.
	acc, err := tn2.c.Account(ctx, types.AddressOf(keys[0].Public()), rpc.BlockAt(0))
	if err != nil || amt(acc.Balance).Cmp(&DevBalance) != 0 || acc.Nonce != 0 {
		t.Fatalf("dev0 at block 0: %+v %v", acc, err)
	}
}

// TestDevBlocksOnDemand checks that with --block-time 0 a pending
// transaction gets a block of its own without anyone mining.
func TestDevBlocksOnDemand(t *testing.T) {
	tn := startNode(t, Config{Home: t.TempDir()})
	ctx := ctxT(t)
	var hashes []types.Hash
	for nonce := range uint64(20) {
		tx := signedTransfer(DevKey(0), DefaultChainID, nonce, types.Address{1}, 1, 1)
		res, err := tn.c.SendTx(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, res.Hash)
	}
	for _, h := range hashes {
		rc, err := tn.c.WaitReceipt(ctx, h, 5*time.Millisecond)
		if err != nil || rc.Status != rpc.ReceiptStatusSuccess {
			t.Fatalf("receipt %+v %v", rc, err)
		}
	}
	acc, err := tn.c.Account(ctx, types.Address{1}, rpc.LatestBlock)
	if err != nil || amt(acc.Balance).Uint64() != 20 {
		t.Fatalf("recipient %+v %v", acc, err)
	}
}

// TestMempoolFullOverRPC fills a small mempool and checks the refusal and
// the eviction of the cheapest transaction by a better-paying one.
func TestMempoolFullOverRPC(t *testing.T) {
	tn := startNode(t, Config{Home: t.TempDir(), BlockTime: time.Hour, MempoolSize: 4})
	ctx := ctxT(t)
	for nonce := range uint64(4) {
		if _, err := tn.c.SendTx(ctx, signedTransfer(DevKey(0), DefaultChainID, nonce, types.Address{1}, 1, 5)); err != nil {
			t.Fatal(err)
		}
	}
	cheap := signedTransfer(DevKey(1), DefaultChainID, 0, types.Address{1}, 1, 5)
	if _, err := tn.c.SendTx(ctx, cheap); !errors.Is(err, mempool.ErrPoolFull) {
		t.Fatalf("full pool, same price: got %v, want mempool full", err)
	}
	rich := signedTransfer(DevKey(1), DefaultChainID, 0, types.Address{1}, 1, 50)
	if _, err := tn.c.SendTx(ctx, rich); err != nil {
		t.Fatalf("full pool, better price: %v", err)
	}
	insp, err := tn.c.MempoolInspect(ctx, types.AddressOf(DevKey(0).Public()))
	if err != nil || len(insp.Pending) != 3 {
		t.Fatalf("dev0 after eviction: %+v %v (want its highest nonce evicted)", insp, err)
	}
}

// TestMetricsEndpoint checks /metrics on the RPC port reports the head and
// the process's memory.
func TestMetricsEndpoint(t *testing.T) {
	tn := startNode(t, Config{Home: t.TempDir(), BlockTime: time.Hour})
	ctx := ctxT(t)
	if _, err := tn.c.DevMine(ctx, 2); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + tn.n.RPCAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"noded_head_height 2", "noded_blocks_total 2", "process_resident_memory_bytes", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestDevBlockInterval checks that --block-time produces blocks, empty or
// not, on its own.
func TestDevBlockInterval(t *testing.T) {
	tn := startNode(t, Config{Home: t.TempDir(), BlockTime: 20 * time.Millisecond})
	heads := make(chan types.Header, 16)
	cancel := tn.n.heads.subscribe(func(h types.Header) {
		select {
		case heads <- h:
		default:
		}
	})
	defer cancel()
	timeout := time.After(30 * time.Second)
	for want := uint64(1); want <= 3; want++ {
		select {
		case h := <-heads:
			if h.Height != want {
				t.Fatalf("head %d, want %d", h.Height, want)
			}
		case <-timeout:
			t.Fatalf("no block %d within 30 s at a 20 ms block time", want)
		}
	}
}
