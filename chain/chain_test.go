package chain

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

func key(t testing.TB, i int) crypto.PrivateKey {
	t.Helper()
	var seed [32]byte
	seed[0], seed[1] = byte(i), byte(i>>8)
	seed[31] = 0xaa
	k, err := crypto.NewKeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// harness is a chain in memory: the node's loop without the node.
type harness struct {
	t      testing.TB
	exec   *Executor
	gen    *Genesis
	head   types.Header
	state  *MemState
	root   *Root
	val    crypto.PrivateKey
	users  []crypto.PrivateKey
	clock  uint64 // manual clock, unix ms
	blocks []*types.Block
}

const initialBalance = 1_000_000_000

func newHarness(t testing.TB, users int) *harness {
	t.Helper()
	return newHarnessWith(t, users, nil)
}

func newHarnessWith(t testing.TB, users int, v ContractVM) *harness {
	t.Helper()
	h := &harness{t: t, val: key(t, 9999), state: NewMemState(), root: NewRoot(), clock: 1_700_000_000_000}
	h.gen = &Genesis{ChainID: "test-chain", Time: h.clock, BlockGasLimit: DefaultBlockGasLimit,
		Validators: []crypto.PublicKey{h.val.Public()}}
	for i := range users {
		k := key(t, i)
		h.users = append(h.users, k)
		h.gen.Accounts = append(h.gen.Accounts, GenesisAccount{
			Name: fmt.Sprintf("u%d", i), Address: types.AddressOf(k.Public()), Balance: types.NewAmount(initialBalance)})
	}
	blk, res, err := h.gen.Block()
	if err != nil {
		t.Fatal(err)
	}
	h.exec, err = NewExecutor(h.gen.Config(), ExecOptions{Workers: 2, Rand: rand.New(rand.NewSource(1)), VM: v})
	if err != nil {
		t.Fatal(err)
	}
	h.commit(blk, res)
	return h
}

func (h *harness) commit(blk *types.Block, res *BlockResult) {
	h.state.Apply(res.Changes)
	h.root.Apply(res.Buckets)
	h.head = blk.Header
	h.blocks = append(h.blocks, blk)
	if got := h.root.Hash(); got != blk.Header.StateRoot {
		h.t.Fatalf("root after commit %s, header %s", got, blk.Header.StateRoot)
	}
}

func (h *harness) transfer(from, nonce int, to types.Address, amount uint64, price uint64) *types.Tx {
	tx := &types.Tx{ChainID: "test-chain", Nonce: uint64(nonce), Kind: types.TxTransfer, To: to,
		Amount: types.NewAmount(amount), GasLimit: TxBaseGas, GasPrice: price}
	tx.Sign(h.users[from])
	return tx
}

func (h *harness) addr(i int) types.Address { return types.AddressOf(h.users[i].Public()) }

func (h *harness) build(txs ...*types.Tx) (*types.Block, *BlockResult, []InvalidTx) {
	h.t.Helper()
	h.clock += 1000
	blk, res, inv, err := h.exec.BuildBlock(&h.head, h.state, h.root, BlockSpec{Slot: h.head.Slot + 1, Time: h.clock, Key: h.val}, txs)
	if err != nil {
		h.t.Fatal(err)
	}
	return blk, res, inv
}

func (h *harness) balance(a types.Address) uint64 {
	acc, err := h.state.Account(a)
	if err != nil {
		h.t.Fatal(err)
	}
	return acc.Balance.Uint64()
}

func TestTransfersMoveFundsAndFees(t *testing.T) {
	h := newHarness(t, 3)
	to := h.addr(1)
	blk, res, inv := h.build(h.transfer(0, 0, to, 500, 2), h.transfer(0, 1, to, 700, 3), h.transfer(2, 0, h.addr(2), 10, 1))
	if len(inv) != 0 || len(blk.Txs) != 3 {
		t.Fatalf("invalid %v, included %d", inv, len(blk.Txs))
	}
	// A second node validates the same block from the same parent state.
	v := newHarness(t, 3)
	vres, err := v.exec.ValidateBlock(&v.head, v.state, v.root, blk, h.clock)
	if err != nil {
		t.Fatalf("validate own block: %v", err)
	}
	if vres.StateRoot != res.StateRoot {
		t.Fatal("validator computed another state root")
	}
	h.commit(blk, res)
	fee0 := TxBaseGas*2 + TxBaseGas*3
	if got, want := h.balance(h.addr(0)), uint64(initialBalance-500-700)-fee0; got != want {
		t.Errorf("sender balance %d, want %d", got, want)
	}
	if got := h.balance(to); got != initialBalance+1200 {
		t.Errorf("recipient balance %d, want %d", got, initialBalance+1200)
	}
	// Self-transfer pays only the fee.
	if got := h.balance(h.addr(2)); got != initialBalance-TxBaseGas {
		t.Errorf("self-transfer balance %d", got)
	}
	if got := h.balance(types.AddressOf(h.val.Public())); got != fee0+TxBaseGas {
		t.Errorf("proposer earned %d, want %d", got, fee0+TxBaseGas)
	}
	for i, rc := range res.Receipts {
		if rc.Status != types.ReceiptSuccess || rc.TxHash != blk.Txs[i].Hash() || rc.GasUsed != TxBaseGas {
			t.Errorf("receipt %d: %+v", i, rc)
		}
	}
	acc, _ := h.state.Account(h.addr(0))
	if acc.Nonce != 2 {
		t.Errorf("nonce %d, want 2", acc.Nonce)
	}
	if h.state.Root().Hash() != h.root.Hash() {
		t.Fatal("incremental root differs from root recomputed from scratch")
	}
}

func TestBuildBlockSkipsInvalid(t *testing.T) {
	h := newHarness(t, 2)
	big := h.transfer(1, 0, h.addr(0), initialBalance, 1) // cannot pay the fee on top
	wrongChain := h.transfer(0, 0, h.addr(1), 1, 1)
	wrongChain.ChainID = "other"
	wrongChain.Sign(h.users[0])
	gap := h.transfer(0, 5, h.addr(1), 1, 1)
	good := h.transfer(0, 0, h.addr(1), 1, 1)
	dup := h.transfer(0, 0, h.addr(1), 1, 1)
	blk, _, inv := h.build(big, wrongChain, gap, good, dup)
	if len(blk.Txs) != 1 || blk.Txs[0] != good {
		t.Fatalf("included %d txs", len(blk.Txs))
	}
	want := []error{ErrInsufficientFunds, ErrWrongChain, ErrNonceTooHigh, ErrNonceTooLow}
	if len(inv) != len(want) {
		t.Fatalf("invalid = %v", inv)
	}
	for i, w := range want {
		if !errors.Is(inv[i].Err, w) {
			t.Errorf("invalid[%d] = %v, want %v", i, inv[i].Err, w)
		}
	}
}

func TestValidateBlockRejects(t *testing.T) {
	h := newHarness(t, 2)
	blk, _, _ := h.build(h.transfer(0, 0, h.addr(1), 5, 1), h.transfer(1, 0, h.addr(0), 5, 1))
	resign := func(b *types.Block) { b.Header.Sign(h.val) }
	cases := []struct {
		name   string
		mutate func(b *types.Block)
		now    uint64
	}{
		{"bad header signature", func(b *types.Block) { b.Header.Sig[0] ^= 1 }, 0},
		{"wrong height", func(b *types.Block) { b.Header.Height++; resign(b) }, 0},
		{"wrong parent", func(b *types.Block) { b.Header.Parent[0] ^= 1; resign(b) }, 0},
		{"wrong proposer", func(b *types.Block) { b.Header.Sign(key(t, 4242)) }, 0},
		{"wrong state root", func(b *types.Block) { b.Header.StateRoot[3] ^= 1; resign(b) }, 0},
		{"wrong receipts root", func(b *types.Block) { b.Header.ReceiptsRoot[3] ^= 1; resign(b) }, 0},
		{"wrong gas used", func(b *types.Block) { b.Header.GasUsed++; resign(b) }, 0},
		{"wrong gas limit", func(b *types.Block) { b.Header.GasLimit++; resign(b) }, 0},
		{"tx root mismatch", func(b *types.Block) { b.Txs = b.Txs[:1] }, 0},
		{"bad tx signature", func(b *types.Block) { b.Txs[1].Sig[9] ^= 1 }, 0},
		{"tampered tx", func(b *types.Block) {
			b.Txs[1].Amount = types.NewAmount(6)
			hs := []types.Hash{b.Txs[0].Hash(), b.Txs[1].Hash()}
			b.Header.TxRoot = types.TxRoot(hs)
			resign(b)
		}, 0},
		{"duplicate tx", func(b *types.Block) {
			b.Txs[1] = b.Txs[0]
			b.Header.TxRoot = types.TxRoot([]types.Hash{b.Txs[0].Hash(), b.Txs[0].Hash()})
			resign(b)
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := types.DecodeBlock(blk.Encode())
			if err != nil {
				t.Fatal(err)
			}
			c.mutate(b)
			now := h.clock
			if c.now != 0 {
				now = c.now
			}
			_, err = h.exec.ValidateBlock(&h.head, h.state, h.root, b, now)
			if !errors.Is(err, ErrInvalidBlock) {
				t.Fatalf("got %v, want ErrInvalidBlock", err)
			}
		})
	}
	if _, err := h.exec.ValidateBlock(&h.head, h.state, h.root, blk, h.clock); err != nil {
		t.Fatalf("unmodified block rejected: %v", err)
	}
	// A block ahead of our clock is not invalid: it may be valid later.
	_, err := h.exec.ValidateBlock(&h.head, h.state, h.root, blk, h.clock-MaxClockDriftMillis-1)
	if !errors.Is(err, ErrFutureBlock) || errors.Is(err, ErrInvalidBlock) {
		t.Fatalf("future block: %v", err)
	}
}

func TestRootIsOrderIndependentAndIncremental(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	st := NewMemState()
	root := NewRoot()
	for round := range 20 {
		o := NewOverlay(st)
		for range 200 {
			k := []byte{prefixStorage, byte(rng.Intn(40)), byte(rng.Intn(40))}
			if rng.Intn(5) == 0 {
				_ = o.Delete(k)
			} else {
				_ = o.Set(k, []byte(fmt.Sprint(rng.Int())))
			}
		}
		ch := o.Changes()
		ups := root.Updates(ch, 1+round%3)
		if root.HashWith(ups) != root.Clone().applied(ups).Hash() {
			t.Fatal("HashWith differs from Apply+Hash")
		}
		root.Apply(ups)
		st.Apply(ch)
		if root.Hash() != st.Root().Hash() {
			t.Fatalf("round %d: incremental root differs from recomputed", round)
		}
	}
}

func (r *Root) applied(ups []BucketUpdate) *Root { r.Apply(ups); return r }

func TestOverlayRollback(t *testing.T) {
	st := NewMemState()
	o := NewOverlay(st)
	_ = o.Set([]byte("a"), []byte("1"))
	sp := o.Savepoint()
	_ = o.Set([]byte("a"), []byte("2"))
	_ = o.Set([]byte("b"), []byte("3"))
	o.RollbackTo(sp)
	if v, _ := o.Get([]byte("a")); string(v) != "1" {
		t.Fatalf("a = %q after rollback", v)
	}
	if v, _ := o.Get([]byte("b")); v != nil {
		t.Fatalf("b = %q after rollback", v)
	}
	ch := o.Changes()
	if len(ch) != 1 || string(ch[0].Key) != "a" || ch[0].Old != nil || string(ch[0].New) != "1" {
		t.Fatalf("changes %+v", ch)
	}
	// Writing a value back to its original is no change; empty means deleted.
	st.Apply(ch)
	o = NewOverlay(st)
	_ = o.Set([]byte("a"), []byte("9"))
	_ = o.Set([]byte("a"), []byte("1"))
	_ = o.Set([]byte("z"), []byte{})
	if ch := o.Changes(); len(ch) != 0 {
		t.Fatalf("expected no changes, got %+v", ch)
	}
}

func TestGenesisDeterministic(t *testing.T) {
	a, b := newHarness(t, 4), newHarness(t, 4)
	if a.blocks[0].Hash() != b.blocks[0].Hash() {
		t.Fatal("same genesis, different hash")
	}
	g := *a.gen
	g.Accounts = append(g.Accounts, g.Accounts[0])
	if _, _, err := g.Block(); err == nil {
		t.Fatal("genesis with a duplicate account accepted")
	}
	if _, err := ParseGenesis([]byte(`{"chain_id":"x","unknown":1}`)); err == nil {
		t.Fatal("unknown genesis field accepted")
	}
	if _, err := ParseGenesis([]byte(`{"chain_id":"Bad Id","block_gas_limit":100000000,"validators":["0x` +
		fmt.Sprintf("%064x", 1) + `"]}`)); err == nil {
		t.Fatal("bad chain id accepted")
	}
}

func BenchmarkBuildBlock5000(b *testing.B) {
	h := newHarness(b, 5000)
	txs := make([]*types.Tx, 5000)
	for i := range txs {
		txs[i] = h.transfer(i, 0, h.addr((i+1)%5000), 1, 1)
	}
	for b.Loop() {
		h.exec.BuildBlock(&h.head, h.state, h.root, BlockSpec{Slot: 1, Time: h.clock, Key: h.val}, txs)
	}
	b.ReportMetric(float64(b.N*len(txs))/b.Elapsed().Seconds(), "tx/s")
}

func BenchmarkValidateBlock5000(b *testing.B) {
	h := newHarness(b, 5000)
	txs := make([]*types.Tx, 5000)
	for i := range txs {
		txs[i] = h.transfer(i, 0, h.addr((i+1)%5000), 1, 1)
	}
	blk, _, _ := h.build(txs...)
	for b.Loop() {
		if _, err := h.exec.ValidateBlock(&h.head, h.state, h.root, blk, h.clock); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(txs))/b.Elapsed().Seconds(), "tx/s")
}

// TestValidateBlockKnownSigs checks that ValidateBlock verifies again only
// the signatures KnownSig does not vouch for: a known (hash, signature)
// pair is skipped, a transaction with a known hash but another signature
// (a malleated or forged copy) is still verified and voids the block, and
// the bad signature is reported at its transaction's index.
func TestValidateBlockKnownSigs(t *testing.T) {
	h := newHarness(t, 3)
	txs := []*types.Tx{h.transfer(0, 0, h.addr(1), 5, 1), h.transfer(1, 0, h.addr(2), 5, 1), h.transfer(2, 0, h.addr(0), 5, 1)}
	blk, _, _ := h.build(txs...)
	known := map[types.Hash]crypto.Signature{txs[0].Hash(): txs[0].Sig, txs[2].Hash(): txs[2].Sig}
	var asked, vouched int
	exec, err := NewExecutor(h.gen.Config(), ExecOptions{Workers: 2, Rand: rand.New(rand.NewSource(2)),
		KnownSig: func(hash types.Hash, sig crypto.Signature) bool {
			asked++
			s, ok := known[hash]
			if ok && s == sig {
				vouched++
			}
			return ok && s == sig
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.ValidateBlock(&h.head, h.state, h.root, blk, h.clock); err != nil {
		t.Fatalf("valid block: %v", err)
	}
	if asked != 3 || vouched != 2 {
		t.Fatalf("KnownSig asked %d times, vouched %d, want 3 and 2", asked, vouched)
	}
	// Transaction 1 is not known: a bad signature there is caught.
	b, _ := types.DecodeBlock(blk.Encode())
	b.Txs[1].Sig[9] ^= 1
	_, err = exec.ValidateBlock(&h.head, h.state, h.root, b, h.clock)
	if !errors.Is(err, ErrInvalidBlock) || !strings.Contains(err.Error(), "transaction 1 ") {
		t.Fatalf("bad unknown signature: %v", err)
	}
	// Transaction 2's hash is known, but with another signature: it is
	// verified, not taken on trust.
	b, _ = types.DecodeBlock(blk.Encode())
	b.Txs[2].Sig[9] ^= 1
	_, err = exec.ValidateBlock(&h.head, h.state, h.root, b, h.clock)
	if !errors.Is(err, ErrInvalidBlock) || !strings.Contains(err.Error(), "transaction 2 ") {
		t.Fatalf("known hash, other signature: %v", err)
	}
}
