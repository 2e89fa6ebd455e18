package mempool

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

const rich = 1 << 40

// world is a pool, a head state and some funded senders.
type world struct {
	p                *Pool
	st               *fakeState
	alice, bob, carl actor
}

func newWorld(t *testing.T, cfg Config) *world {
	w := &world{
		p:     newTestPool(t, cfg),
		st:    newFakeState(),
		alice: newActor(t, "alice"),
		bob:   newActor(t, "bob"),
		carl:  newActor(t, "carl"),
	}
	for _, a := range []actor{w.alice, w.bob, w.carl} {
		w.st.set(a.addr, rich, 0)
	}
	return w
}

func TestGapIsQueuedThenPromoted(t *testing.T) {
	w := newWorld(t, Config{})
	a := w.alice
	res := mustAdd(t, w.p, w.st, a.transfer(3, 1), Queued)
	if !slices.Equal(res.Missing, []uint64{0, 1, 2}) {
		t.Fatalf("missing %v, want [0 1 2]", res.Missing)
	}
	res = mustAdd(t, w.p, w.st, a.transfer(1, 1), Queued)
	if !slices.Equal(res.Missing, []uint64{0}) {
		t.Fatalf("missing %v, want [0]", res.Missing)
	}
	if drainReady(w.p) {
		t.Fatal("Ready signalled with nothing executable")
	}
	if got := w.p.Pending(0); len(got) != 0 {
		t.Fatalf("queued transactions offered for a block: %d", len(got))
	}
	mustAdd(t, w.p, w.st, a.transfer(0, 1), Accepted)
	wantInspect(t, w.p, a, []uint64{0, 1}, []uint64{3})
	if !drainReady(w.p) {
		t.Fatal("Ready not signalled")
	}
	mustAdd(t, w.p, w.st, a.transfer(2, 1), Accepted)
	wantInspect(t, w.p, a, []uint64{0, 1, 2, 3}, nil)
	if s := w.p.Stats(); s != (Stats{Pending: 4, Queued: 0, Senders: 1, Capacity: DefaultMaxTxs}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestMissingIsCapped(t *testing.T) {
	w := newWorld(t, Config{})
	res := mustAdd(t, w.p, w.st, w.alice.transfer(1000, 1), Queued)
	if len(res.Missing) != maxMissing || res.Missing[0] != 0 || res.Missing[maxMissing-1] != maxMissing-1 {
		t.Fatalf("missing %v", res.Missing)
	}
}

func TestGapDoesNotBlockOtherSenders(t *testing.T) {
	w := newWorld(t, Config{})
	mustAdd(t, w.p, w.st, w.alice.transfer(1, 50), Queued)
	b0 := w.bob.transfer(0, 1)
	mustAdd(t, w.p, w.st, b0, Accepted)
	if got := w.p.Pending(10); !slices.Equal(got, []*types.Tx{b0}) {
		t.Fatalf("pending %d txs, want bob's only", len(got))
	}
}

func TestReplacement(t *testing.T) {
	tests := []struct {
		old, new uint64
		ok       bool
	}{
		{100, 110, true},
		{100, 109, false},
		{100, 100, false},
		{100, 50, false},
		{1, 1, false},
		{1, 2, true},
		{19, 21, true}, // 20.9 rounds up to 21
		{19, 20, false},
		{math.MaxUint64, math.MaxUint64, false},
	}
	for _, tc := range tests {
		w := newWorld(t, Config{})
		var all types.Amount
		w.st.accs[w.alice.addr] = types.Account{Balance: *all.SetAllOne()}
		old, repl := w.alice.transfer(0, tc.old), w.alice.transfer(0, tc.new)
		repl.Amount = types.NewAmount(2) // not a duplicate at the same price
		w.alice.sign(repl)
		mustAdd(t, w.p, w.st, old, Accepted)
		drainReady(w.p)
		res, err := add(w.p, w.st, repl)
		checkInvariants(t, w.p)
		if !tc.ok {
			if !errors.Is(err, ErrReplacementUnderpriced) {
				t.Errorf("%d -> %d: got %v, want ErrReplacementUnderpriced", tc.old, tc.new, err)
			}
			if _, ok := w.p.Get(old.Hash()); !ok {
				t.Errorf("%d -> %d: the old transaction is gone", tc.old, tc.new)
			}
			continue
		}
		if err != nil || res.Status != Replaced {
			t.Fatalf("%d -> %d: %v %v", tc.old, tc.new, res.Status, err)
		}
		if _, ok := w.p.Get(old.Hash()); ok {
			t.Errorf("%d -> %d: the replaced transaction is still there", tc.old, tc.new)
		}
		if got := w.p.Pending(0); len(got) != 1 || got[0] != repl {
			t.Errorf("%d -> %d: pending is not the replacement", tc.old, tc.new)
		}
		if !drainReady(w.p) {
			t.Errorf("%d -> %d: Ready not signalled for a new executable transaction", tc.old, tc.new)
		}
	}
}

func TestReplacementOfQueuedAndConfiguredBump(t *testing.T) {
	w := newWorld(t, Config{PriceBumpPercent: 50})
	mustAdd(t, w.p, w.st, w.alice.transfer(2, 10), Queued)
	if _, err := add(w.p, w.st, w.alice.transfer(2, 14)); !errors.Is(err, ErrReplacementUnderpriced) {
		t.Fatalf("+40%% with a 50%% bump: %v", err)
	}
	mustAdd(t, w.p, w.st, w.alice.transfer(2, 15), Replaced)
	wantInspect(t, w.p, w.alice, nil, []uint64{2})
}

func TestReplacementPrice(t *testing.T) {
	tests := []struct {
		old  uint64
		pct  int
		need uint64
		ok   bool
	}{
		{1, 10, 2, true},
		{10, 10, 11, true},
		{100, 10, 110, true},
		{101, 10, 112, true}, // 111.1
		{1000, 1, 1010, true},
		{math.MaxUint64 / 2, 100, math.MaxUint64 - 1, true},
		{math.MaxUint64/2 + 1, 100, 0, false},
		{math.MaxUint64, 10, 0, false},
		{math.MaxUint64 / 200, 10_000, math.MaxUint64 / 200 * 101, true},
	}
	for _, tc := range tests {
		need, ok := replacementPrice(tc.old, tc.pct)
		if need != tc.need || ok != tc.ok {
			t.Errorf("replacementPrice(%d, %d) = %d, %v; want %d, %v", tc.old, tc.pct, need, ok, tc.need, tc.ok)
		}
	}
}

func TestEvictsCheapestWhenFull(t *testing.T) {
	w := newWorld(t, Config{MaxTxs: 3})
	a0, b0, c0 := w.alice.transfer(0, 5), w.bob.transfer(0, 3), w.carl.transfer(0, 7)
	for _, tx := range []*types.Tx{a0, b0, c0} {
		mustAdd(t, w.p, w.st, tx, Accepted)
	}
	dave := newActor(t, "dave")
	w.st.set(dave.addr, rich, 0)

	// Paying no more than the cheapest (bob's 3) is refused.
	for _, price := range []uint64{2, 3} {
		if _, err := add(w.p, w.st, dave.transfer(0, price)); !errors.Is(err, ErrPoolFull) {
			t.Fatalf("price %d: %v, want ErrPoolFull", price, err)
		}
	}
	mustAdd(t, w.p, w.st, dave.transfer(0, 4), Accepted)
	if _, ok := w.p.Get(b0.Hash()); ok {
		t.Fatal("bob's transaction, the cheapest, was not evicted")
	}
	if w.p.Len() != 3 {
		t.Fatalf("len %d", w.p.Len())
	}
}

func TestEvictsFromTheTail(t *testing.T) {
	// alice's second transaction pays well but cannot be mined before her
	// cheap first one: both are worth 1 to the pool, and the second goes
	// first so that no gap opens.
	w := newWorld(t, Config{MaxTxs: 3})
	a0, a1 := w.alice.transfer(0, 1), w.alice.transfer(1, 100)
	mustAdd(t, w.p, w.st, a0, Accepted)
	mustAdd(t, w.p, w.st, a1, Accepted)
	mustAdd(t, w.p, w.st, w.bob.transfer(0, 5), Accepted)

	mustAdd(t, w.p, w.st, w.carl.transfer(0, 2), Accepted)
	wantInspect(t, w.p, w.alice, []uint64{0}, nil)
	mustAdd(t, w.p, w.st, w.carl.transfer(1, 2), Accepted)
	wantInspect(t, w.p, w.alice, nil, nil)
	wantInspect(t, w.p, w.bob, []uint64{0}, nil)

	// A newcomer is worth what its way to execution pays: carl's third at
	// a high price still only pays 2 on the way, which ties.
	if _, err := add(w.p, w.st, w.carl.transfer(2, 1000)); !errors.Is(err, ErrPoolFull) {
		t.Fatalf("got %v, want ErrPoolFull", err)
	}
}

func TestEvictsQueuedBeforeExecutable(t *testing.T) {
	w := newWorld(t, Config{MaxTxs: 2})
	mustAdd(t, w.p, w.st, w.alice.transfer(0, 100), Accepted)
	mustAdd(t, w.p, w.st, w.bob.transfer(1, 1000), Queued)

	// A queued newcomer cannot push out an executable transaction, nor a
	// queued one that pays more.
	if _, err := add(w.p, w.st, w.carl.transfer(1, 500)); !errors.Is(err, ErrPoolFull) {
		t.Fatalf("got %v, want ErrPoolFull", err)
	}
	// An executable one pushes out a queued one whatever it pays.
	mustAdd(t, w.p, w.st, w.carl.transfer(0, 2), Accepted)
	wantInspect(t, w.p, w.bob, nil, nil)
	wantInspect(t, w.p, w.alice, []uint64{0}, nil)
}

func TestEvictsOwnQueuedTailToFillGap(t *testing.T) {
	w := newWorld(t, Config{MaxTxs: 2})
	mustAdd(t, w.p, w.st, w.alice.transfer(0, 10), Accepted)
	mustAdd(t, w.p, w.st, w.alice.transfer(2, 10), Queued)
	mustAdd(t, w.p, w.st, w.alice.transfer(1, 10), Accepted)
	wantInspect(t, w.p, w.alice, []uint64{0, 1}, nil)
}

func TestEvictionTieTakesTheLaterArrival(t *testing.T) {
	w := newWorld(t, Config{MaxTxs: 2})
	a0, b0 := w.alice.transfer(0, 5), w.bob.transfer(0, 5)
	mustAdd(t, w.p, w.st, a0, Accepted)
	mustAdd(t, w.p, w.st, b0, Accepted)
	mustAdd(t, w.p, w.st, w.carl.transfer(0, 6), Accepted)
	if _, ok := w.p.Get(a0.Hash()); !ok {
		t.Fatal("the earlier of two equal transactions was evicted")
	}
	if _, ok := w.p.Get(b0.Hash()); ok {
		t.Fatal("the later of two equal transactions was kept")
	}
}

func TestPendingOrder(t *testing.T) {
	w := newWorld(t, Config{})
	a, b, c := w.alice, w.bob, w.carl
	a0, a1, a2 := a.transfer(0, 5), a.transfer(1, 9), a.transfer(2, 9)
	b0, b1 := b.transfer(0, 8), b.transfer(1, 1)
	c0 := c.transfer(0, 5)
	for _, tx := range []*types.Tx{a2, a0, b1, b0, c0, a1} { // a2, b1 wait for gaps first
		if _, err := add(w.p, w.st, tx); err != nil {
			t.Fatal(err)
		}
	}
	mustAdd(t, w.p, w.st, c.transfer(2, 100), Queued) // never offered

	// Heads 5 (a, first to arrive... after its gap filled), 8 (b), 5 (c).
	// a0 arrived before c0, so it wins the tie.
	want := []*types.Tx{b0, a0, a1, a2, c0, b1}
	if got := w.p.Pending(0); !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", w.describe(got), w.describe(want))
	}
	if got := w.p.Pending(3); !slices.Equal(got, want[:3]) {
		t.Fatalf("first 3: %v, want %v", w.describe(got), w.describe(want[:3]))
	}
}

// describe names transactions sender/nonce for failure messages.
func (w *world) describe(txs []*types.Tx) []string {
	names := map[types.Address]string{}
	for _, a := range []actor{w.alice, w.bob, w.carl} {
		names[a.addr] = a.name
	}
	out := make([]string, len(txs))
	for i, tx := range txs {
		out[i] = fmt.Sprintf("%s/%d", names[tx.Sender()], tx.Nonce)
	}
	return out
}

func TestUpdateAfterBlock(t *testing.T) {
	w := newWorld(t, Config{})
	a, b := w.alice, w.bob
	a0, a1, a3 := a.transfer(0, 1), a.transfer(1, 1), a.transfer(3, 1)
	b0, b1 := b.transfer(0, 1), b.transfer(1, 1)
	for _, tx := range []*types.Tx{a0, a1, a3, b0, b1} {
		if _, err := add(w.p, w.st, tx); err != nil {
			t.Fatal(err)
		}
	}
	wantInspect(t, w.p, a, []uint64{0, 1}, []uint64{3})
	drainReady(w.p)

	// A block includes a0, a1, b0 and alice's nonce 2, which came from
	// another node and never reached this pool.
	w.st.setNonce(a.addr, 3)
	w.st.setNonce(b.addr, 1)
	if err := w.p.Update(w.st, []types.Address{a.addr, b.addr, sink}); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, w.p)
	for _, tx := range []*types.Tx{a0, a1, b0} {
		if _, ok := w.p.Get(tx.Hash()); ok {
			t.Fatalf("included nonce %d still pooled", tx.Nonce)
		}
	}
	wantInspect(t, w.p, a, []uint64{3}, nil)
	wantInspect(t, w.p, b, []uint64{1}, nil)
	if !drainReady(w.p) {
		t.Fatal("Ready not signalled after promotion")
	}
	if got := w.p.Pending(0); !slices.Equal(got, []*types.Tx{a3, b1}) {
		t.Fatalf("pending %v", w.describe(got))
	}
	// Nothing is included twice: the old nonces are refused.
	if _, err := add(w.p, w.st, a1); !errors.Is(err, chain.ErrNonceTooLow) {
		t.Fatalf("re-adding an included transaction: %v", err)
	}
}

func TestUpdateDropsWhatTheSenderCannotAfford(t *testing.T) {
	w := newWorld(t, Config{})
	a := w.alice
	w.st.set(a.addr, 1_000_000, 0)
	big := a.transfer(2, 1)
	big.Amount = types.NewAmount(500_000)
	a.sign(big)
	for _, tx := range []*types.Tx{a.transfer(0, 5), a.transfer(1, 5), big, a.transfer(3, 5)} {
		mustAdd(t, w.p, w.st, tx, Accepted)
	}
	// Another sender's transaction drained alice (in a world with
	// contracts): the big transfer no longer fits, the others do, and the
	// last waits behind the new gap, no longer held down by big's price.
	w.st.set(a.addr, 400_000, 0)
	if err := w.p.Update(w.st, []types.Address{a.addr}); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, w.p)
	wantInspect(t, w.p, a, []uint64{0, 1}, []uint64{3})
	if _, ok := w.p.Get(big.Hash()); ok {
		t.Fatal("unaffordable transaction kept")
	}

	w.st.set(a.addr, 0, 0)
	if err := w.p.Update(w.st, []types.Address{a.addr}); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, w.p)
	if w.p.Len() != 0 || w.p.Stats().Senders != 0 {
		t.Fatalf("stats %+v after the account emptied", w.p.Stats())
	}
}

func TestUpdateAfterReorgQueues(t *testing.T) {
	w := newWorld(t, Config{MaxPerSender: 4})
	a := w.alice
	w.st.setNonce(a.addr, 3)
	for n := range uint64(4) {
		mustAdd(t, w.p, w.st, a.transfer(3+n, 1), Accepted)
	}
	// The blocks with nonces 1 and 2 were reverted: the rest waits, and
	// what is now too far ahead goes.
	w.st.setNonce(a.addr, 1)
	if err := w.p.Update(w.st, []types.Address{a.addr, a.addr}); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, w.p)
	wantInspect(t, w.p, a, nil, []uint64{3, 4})
}

func TestUpdateKeepsUnreadableAccounts(t *testing.T) {
	w := newWorld(t, Config{})
	mustAdd(t, w.p, w.st, w.alice.transfer(0, 1), Accepted)
	mustAdd(t, w.p, w.st, w.bob.transfer(0, 1), Accepted)
	errState := errors.New("disk on fire")
	w.st.fail[w.alice.addr] = errState
	w.st.setNonce(w.alice.addr, 1)
	w.st.setNonce(w.bob.addr, 1)
	err := w.p.Update(w.st, []types.Address{w.alice.addr, w.bob.addr})
	if !errors.Is(err, errState) {
		t.Fatalf("got %v, want the read error", err)
	}
	checkInvariants(t, w.p)
	wantInspect(t, w.p, w.alice, []uint64{0}, nil)
	wantInspect(t, w.p, w.bob, nil, nil)
}

func TestAddCatchesUpWithNewerState(t *testing.T) {
	w := newWorld(t, Config{})
	a := w.alice
	a0, a1 := a.transfer(0, 1), a.transfer(1, 1)
	mustAdd(t, w.p, w.st, a0, Accepted)
	mustAdd(t, w.p, w.st, a1, Accepted)
	stale := w.st.snapshot()

	// A block with a0 is committed; Add sees it before Update does.
	w.st.setNonce(a.addr, 1)
	mustAdd(t, w.p, w.st, a.transfer(2, 1), Accepted)
	if _, ok := w.p.Get(a0.Hash()); ok {
		t.Fatal("included transaction kept")
	}
	wantInspect(t, w.p, a, []uint64{1, 2}, nil)

	// An Add that read the state before the block cannot bring a0 back.
	if _, err := add(w.p, stale, a0); !errors.Is(err, chain.ErrNonceTooLow) {
		t.Fatalf("stale add: %v, want ErrNonceTooLow", err)
	}
}

func TestRemoveOpensGap(t *testing.T) {
	w := newWorld(t, Config{})
	a := w.alice
	txs := []*types.Tx{a.transfer(0, 1), a.transfer(1, 1), a.transfer(2, 1), a.transfer(3, 1)}
	for _, tx := range txs {
		mustAdd(t, w.p, w.st, tx, Accepted)
	}
	w.p.Remove(txs[1].Hash(), types.Hash{1}) // unknown hashes are ignored
	checkInvariants(t, w.p)
	wantInspect(t, w.p, a, []uint64{0}, []uint64{2, 3})
	if got := w.p.Pending(0); !slices.Equal(got, txs[:1]) {
		t.Fatalf("pending %v", w.describe(got))
	}
	if s := w.p.Stats(); s.Pending != 1 || s.Queued != 2 {
		t.Fatalf("stats %+v", s)
	}
	mustAdd(t, w.p, w.st, txs[1], Accepted)
	wantInspect(t, w.p, a, []uint64{0, 1, 2, 3}, nil)

	w.p.Remove(hashes(txs...)...)
	checkInvariants(t, w.p)
	if w.p.Len() != 0 || w.p.Stats().Senders != 0 {
		t.Fatalf("stats %+v", w.p.Stats())
	}
}

func TestReadyIsSignalledOnce(t *testing.T) {
	w := newWorld(t, Config{})
	if drainReady(w.p) {
		t.Fatal("signalled when empty")
	}
	mustAdd(t, w.p, w.st, w.alice.transfer(0, 1), Accepted)
	mustAdd(t, w.p, w.st, w.bob.transfer(0, 1), Accepted)
	if !drainReady(w.p) {
		t.Fatal("not signalled")
	}
	if drainReady(w.p) {
		t.Fatal("signals queued up")
	}
	// After a block that leaves work behind, Update signals again.
	if err := w.p.Update(w.st, []types.Address{w.alice.addr}); err != nil {
		t.Fatal(err)
	}
	if !drainReady(w.p) {
		t.Fatal("not signalled with executable transactions left after Update")
	}
}
