package mempool

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

const testChainID = "test"

// fakeState is an in-memory AccountReader.
type fakeState struct {
	mu   sync.Mutex
	accs map[types.Address]types.Account
	fail map[types.Address]error
}

func newFakeState() *fakeState {
	return &fakeState{accs: map[types.Address]types.Account{}, fail: map[types.Address]error{}}
}

func (s *fakeState) Account(a types.Address) (types.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail[a]; err != nil {
		return types.Account{}, err
	}
	return s.accs[a], nil
}

func (s *fakeState) set(a types.Address, balance, nonce uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accs[a] = types.Account{Balance: types.NewAmount(balance), Nonce: nonce}
}

func (s *fakeState) setNonce(a types.Address, nonce uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.accs[a]
	acc.Nonce = nonce
	s.accs[a] = acc
}

// snapshot returns a copy of s, as a head state that later changes to s
// do not affect.
func (s *fakeState) snapshot() *fakeState {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := newFakeState()
	for a, acc := range s.accs {
		c.accs[a] = acc
	}
	return c
}

func testExecutor(t testing.TB) *chain.Executor {
	t.Helper()
	v := newActor(t, "validator")
	e, err := chain.NewExecutor(chain.Config{
		ChainID:       testChainID,
		Validators:    []crypto.PublicKey{v.key.Public()},
		BlockGasLimit: chain.DefaultBlockGasLimit,
	}, chain.ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newTestPool(t testing.TB, cfg Config) *Pool {
	t.Helper()
	p, err := New(cfg, testExecutor(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// actor is a test account with a key.
type actor struct {
	name string
	key  crypto.PrivateKey
	addr types.Address
}

func newActor(t testing.TB, name string) actor {
	t.Helper()
	seed := crypto.Sum256([]byte(name))
	k, err := crypto.NewKeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return actor{name: name, key: k, addr: types.AddressOf(k.Public())}
}

var sink = types.Address{0xee}

// transfer returns a signed transfer of 1 unit with the intrinsic gas.
func (a actor) transfer(nonce, price uint64) *types.Tx {
	return a.sign(&types.Tx{
		ChainID:  testChainID,
		Nonce:    nonce,
		Kind:     types.TxTransfer,
		To:       sink,
		Amount:   types.NewAmount(1),
		GasLimit: chain.TxBaseGas,
		GasPrice: price,
	})
}

func (a actor) sign(tx *types.Tx) *types.Tx {
	tx.Sign(a.key)
	return tx
}

func add(p *Pool, st AccountReader, tx *types.Tx) (Result, error) {
	return p.Add(tx, tx.Hash(), len(tx.Encode()), st)
}

func mustAdd(t *testing.T, p *Pool, st AccountReader, tx *types.Tx, want Status) Result {
	t.Helper()
	res, err := add(p, st, tx)
	if err != nil {
		t.Fatalf("add nonce %d price %d: %v", tx.Nonce, tx.GasPrice, err)
	}
	if res.Status != want {
		t.Fatalf("add nonce %d price %d: status %v, want %v", tx.Nonce, tx.GasPrice, res.Status, want)
	}
	checkInvariants(t, p)
	return res
}

func hashes(txs ...*types.Tx) []types.Hash {
	out := make([]types.Hash, len(txs))
	for i, tx := range txs {
		out[i] = tx.Hash()
	}
	return out
}

func wantInspect(t *testing.T, p *Pool, a actor, pending, queued []uint64) {
	t.Helper()
	gp, gq := p.Inspect(a.addr)
	if !slices.Equal(gp, pending) || !slices.Equal(gq, queued) {
		t.Fatalf("%s: pending %v queued %v, want pending %v queued %v", a.name, gp, gq, pending, queued)
	}
}

// drainReady reports whether Ready was signalled, and clears it.
func drainReady(p *Pool) bool {
	select {
	case <-p.Ready():
		return true
	default:
		return false
	}
}

// checkInvariants fails t if the pool's structures disagree.
func checkInvariants(t testing.TB, p *Pool) {
	t.Helper()
	if err := p.invariantError(); err != nil {
		t.Fatal(err)
	}
}

func (p *Pool) invariantError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	total, pending := 0, 0
	for addr, l := range p.senders {
		if l.addr != addr {
			return fmt.Errorf("list of %s filed under %s", l.addr, addr)
		}
		if len(l.txs) == 0 {
			return fmt.Errorf("%s: empty list kept", addr)
		}
		if l.evictKey != tailKey(l) {
			return fmt.Errorf("%s: stale eviction key", addr)
		}
		if l.heapIdx < 0 || l.heapIdx >= len(p.evict) || p.evict[l.heapIdx] != l {
			return fmt.Errorf("%s: heap index %d wrong", addr, l.heapIdx)
		}
		run := 0
		for i, e := range l.txs {
			n := e.tx.Nonce
			if n < l.base || n-l.base >= uint64(p.cfg.MaxPerSender) {
				return fmt.Errorf("%s: nonce %d outside [%d, %d)", addr, n, l.base, l.base+uint64(p.cfg.MaxPerSender))
			}
			if i > 0 && l.txs[i-1].tx.Nonce >= n {
				return fmt.Errorf("%s: nonces out of order at %d", addr, i)
			}
			if run == i && n == l.base+uint64(i) {
				run++
			}
			floor := e.tx.GasPrice
			if i > 0 {
				floor = min(floor, l.txs[i-1].floor)
			}
			if e.floor != floor {
				return fmt.Errorf("%s nonce %d: floor %d, want %d", addr, n, e.floor, floor)
			}
			if e.list != l || e.tx.Sender() != addr {
				return fmt.Errorf("%s nonce %d: wrong list", addr, n)
			}
			if p.byHash[e.hash] != e || e.tx.Hash() != e.hash {
				return fmt.Errorf("%s nonce %d: not indexed by its hash", addr, n)
			}
		}
		if l.pending != run {
			return fmt.Errorf("%s: pending %d, want %d", addr, l.pending, run)
		}
		total += len(l.txs)
		pending += run
	}
	if total != len(p.byHash) {
		return fmt.Errorf("%d transactions in lists, %d by hash", total, len(p.byHash))
	}
	if pending != p.pending {
		return fmt.Errorf("pending counter %d, want %d", p.pending, pending)
	}
	if total > p.cfg.MaxTxs {
		return fmt.Errorf("%d transactions, limit %d", total, p.cfg.MaxTxs)
	}
	if len(p.evict) != len(p.senders) {
		return fmt.Errorf("heap holds %d senders, map %d", len(p.evict), len(p.senders))
	}
	for i := 1; i < len(p.evict); i++ {
		if p.evict.Less(i, (i-1)/2) {
			return errors.New("eviction heap out of order")
		}
	}
	return nil
}
