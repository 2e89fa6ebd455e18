package mempool

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// TestRandomOperations drives a small pool with random adds, blocks,
// removals and state changes, checking after every step that the pool's
// structures agree, that every block it proposes is valid in order, and
// that no transaction is included twice.
func TestRandomOperations(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			signed := map[string]*types.Tx{}
			first := runRandom(t, seed, signed)
			if again := runRandom(t, seed, signed); again != first {
				t.Fatal("the same operations gave different results")
			}
		})
	}
}

// runRandom runs the operations of seed and returns a transcript of what
// the pool answered.
func runRandom(t *testing.T, seed uint64, signed map[string]*types.Tx) string {
	rng := rand.New(rand.NewPCG(seed, 42))
	exec := testExecutor(t)
	p, err := New(Config{MaxTxs: 16, MaxPerSender: 8, MaxQueued: 3}, exec)
	if err != nil {
		t.Fatal(err)
	}
	st := newFakeState()
	var actors []actor
	var addrs []types.Address
	for i := range 6 {
		a := newActor(t, fmt.Sprint("sender", i))
		actors = append(actors, a)
		addrs = append(addrs, a.addr)
		st.set(a.addr, 100_000+rng.Uint64N(300_000), 0)
	}
	included := map[types.Hash]bool{}
	var log strings.Builder

	allowed := []error{ErrReplacementUnderpriced, ErrPoolFull, ErrSenderFull, ErrDuplicate,
		ErrNonceTooFarAhead, chain.ErrInsufficientFunds}
	for step := range 1000 {
		switch op := rng.IntN(20); {
		case op < 13: // add
			a := actors[rng.IntN(len(actors))]
			acc, _ := st.Account(a.addr)
			nonce, price, amount := acc.Nonce+rng.Uint64N(9), 1+rng.Uint64N(30), rng.Uint64N(5000)
			key := fmt.Sprint(a.name, nonce, price, amount)
			tx := signed[key] // signing is deterministic: sign once for both runs
			if tx == nil {
				tx = &types.Tx{ChainID: testChainID, Nonce: nonce, Kind: types.TxTransfer, To: sink,
					Amount: types.NewAmount(amount), GasLimit: chain.TxBaseGas, GasPrice: price}
				signed[key] = a.sign(tx)
			}
			full := p.Len() == p.cfg.MaxTxs
			res, err := add(p, st, tx)
			if full && err == nil && res.Status != Replaced {
				fmt.Fprintf(&log, "evicted\n")
			}
			if err != nil && !isOneOf(err, allowed) {
				t.Fatalf("step %d: unexpected error %v", step, err)
			}
			fmt.Fprintf(&log, "add %v %v %v\n", res.Status, res.Missing, err)
		case op < 16: // a block from the pool
			txs := p.Pending(1 + rng.IntN(6))
			var invalid []types.Hash
			next := map[types.Address]uint64{}
			for _, tx := range txs {
				// Pending offers each sender's nonces in order from the
				// account's, without a gap.
				want, ok := next[tx.Sender()]
				if !ok {
					acc, _ := st.Account(tx.Sender())
					want = acc.Nonce
				}
				if tx.Nonce != want {
					t.Fatalf("step %d: nonce %d offered, want %d", step, tx.Nonce, want)
				}
				next[tx.Sender()] = want + 1
				h := tx.Hash()
				if included[h] {
					t.Fatalf("step %d: %s offered again after inclusion", step, h)
				}
				acc, _ := st.Account(tx.Sender())
				if err := exec.CheckTx(tx, &acc); err != nil {
					if !errors.Is(err, chain.ErrInsufficientFunds) && !errors.Is(err, chain.ErrNonceTooHigh) {
						t.Fatalf("step %d: block candidate invalid: %v", step, err)
					}
					invalid = append(invalid, h)
					continue
				}
				cost, _ := chain.MaxCost(tx)
				acc.Balance.Sub(&acc.Balance, &cost)
				acc.Nonce++
				st.accs[tx.Sender()] = acc
				included[h] = true
			}
			p.Remove(invalid...)
			if err := p.Update(st, addrs); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&log, "block %d %d\n", len(txs), len(invalid))
		case op < 17: // remove something
			if txs := p.Pending(0); len(txs) > 0 {
				p.Remove(txs[rng.IntN(len(txs))].Hash())
			}
		case op < 18: // a transaction from elsewhere used a nonce
			a := addrs[rng.IntN(len(addrs))]
			acc, _ := st.Account(a)
			st.setNonce(a, acc.Nonce+1)
			if err := p.Update(st, []types.Address{a}); err != nil {
				t.Fatal(err)
			}
		default: // the balance changed
			a := addrs[rng.IntN(len(addrs))]
			acc, _ := st.Account(a)
			st.set(a, rng.Uint64N(400_000), acc.Nonce)
			if err := p.Update(st, []types.Address{a}); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.invariantError(); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		checkAgainstState(t, p, st, exec)
		s := p.Stats()
		fmt.Fprintf(&log, "%+v\n", s)
	}
	if testing.Verbose() {
		for _, what := range []string{"accepted", "queued", "replaced", "full", "evicted", "underpriced", "too many", "insufficient", "block"} {
			t.Logf("%s: %d", what, strings.Count(log.String(), what))
		}
	}
	return log.String()
}

// checkAgainstState fails t if the pool holds a transaction its sender's
// account rules out.
func checkAgainstState(t *testing.T, p *Pool, st *fakeState, exec *chain.Executor) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, l := range p.senders {
		acc := st.accs[addr]
		if l.base < acc.Nonce {
			t.Fatalf("%s: pool at nonce %d, account at %d", addr, l.base, acc.Nonce)
		}
		for _, e := range l.txs {
			next := acc
			next.Nonce = e.tx.Nonce
			if err := exec.CheckTx(e.tx, &next); err != nil {
				t.Fatalf("%s nonce %d pooled but invalid: %v", addr, e.tx.Nonce, err)
			}
		}
	}
}

func isOneOf(err error, targets []error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
