package mempool

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// TestScenarios runs the scripts in testdata. Commands:
//
//	init [max-txs=N] [max-per-sender=N] [max-queued=N] [bump=PCT] [min-price=N]
//	account name=NAME [balance=N] [nonce=N]   set an account in the head state
//	add from=NAME nonce=N price=N [amount=N] [gas=N]
//	pending [max=N]                           the block candidates, in order
//	block [max=N]                             build a block from Pending(max),
//	                                          apply it, Remove the invalid, Update
//	update NAME...                            Update with the head state
//	remove NAME/NONCE...
//	inspect NAME
//	stats
//	ready                                     whether Ready was signalled (clears it)
//
// Run with -rewrite to regenerate the expected output.
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := &scenario{t: t, st: newFakeState(), actors: map[string]actor{}, exec: testExecutor(t)}
		s.init(Config{})
		datadriven.RunTest(t, path, s.run)
	})
}

type scenario struct {
	t      *testing.T
	p      *Pool
	st     *fakeState
	exec   *chain.Executor
	actors map[string]actor
}

func (s *scenario) init(cfg Config) {
	p, err := New(cfg, s.exec)
	if err != nil {
		s.t.Fatal(err)
	}
	s.p = p
}

func (s *scenario) actor(name string) actor {
	a, ok := s.actors[name]
	if !ok {
		a = newActor(s.t, name)
		s.actors[name] = a
	}
	return a
}

func (s *scenario) name(tx *types.Tx) string {
	for n, a := range s.actors {
		if a.addr == tx.Sender() {
			return fmt.Sprintf("%s/%d", n, tx.Nonce)
		}
	}
	return fmt.Sprintf("%s/%d", tx.Sender(), tx.Nonce)
}

// find returns the pooled transaction NAME/NONCE.
func (s *scenario) find(td *datadriven.TestData, ref string) *types.Tx {
	name, nonce, ok := strings.Cut(ref, "/")
	n, err := strconv.ParseUint(nonce, 10, 64)
	if !ok || err != nil {
		td.Fatalf(s.t, "bad reference %q, want NAME/NONCE", ref)
	}
	a := s.actor(name)
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if l := s.p.senders[a.addr]; l != nil {
		if i, ok := l.search(n); ok {
			return l.txs[i].tx
		}
	}
	return nil
}

func (s *scenario) run(t *testing.T, td *datadriven.TestData) string {
	out := s.exec1(t, td)
	if err := s.p.invariantError(); err != nil {
		td.Fatalf(t, "after %s: %v", td.Cmd, err)
	}
	return out
}

func (s *scenario) exec1(t *testing.T, td *datadriven.TestData) string {
	u64 := func(key string, def uint64) uint64 {
		td.MaybeScanArgs(t, key, &def)
		return def
	}
	num := func(key string, def int) int {
		td.MaybeScanArgs(t, key, &def)
		return def
	}
	switch td.Cmd {
	case "init":
		s.init(Config{
			MaxTxs:           num("max-txs", 0),
			MaxPerSender:     num("max-per-sender", 0),
			MaxQueued:        num("max-queued", 0),
			PriceBumpPercent: num("bump", 0),
			MinGasPrice:      u64("min-price", 0),
		})
		return ""

	case "account":
		var name string
		td.ScanArgs(t, "name", &name)
		a := s.actor(name)
		acc, _ := s.st.Account(a.addr)
		s.st.set(a.addr, u64("balance", acc.Balance.Uint64()), u64("nonce", acc.Nonce))
		return ""

	case "add":
		var name string
		td.ScanArgs(t, "from", &name)
		a := s.actor(name)
		var nonce, price uint64
		td.ScanArgs(t, "nonce", &nonce)
		td.ScanArgs(t, "price", &price)
		tx := a.transfer(nonce, price)
		tx.Amount = types.NewAmount(u64("amount", 1))
		tx.GasLimit = u64("gas", chain.TxBaseGas)
		a.sign(tx)
		res, err := add(s.p, s.st, tx)
		switch {
		case err != nil:
			return "error: " + err.Error()
		case res.Status == Queued:
			return fmt.Sprintf("queued, missing %v", res.Missing)
		}
		return res.Status.String()

	case "pending":
		var b strings.Builder
		for _, tx := range s.p.Pending(num("max", 0)) {
			fmt.Fprintf(&b, "%s price=%d\n", s.name(tx), tx.GasPrice)
		}
		return b.String()

	case "block":
		var b strings.Builder
		var invalid []types.Hash
		for _, tx := range s.p.Pending(num("max", 0)) {
			acc, _ := s.st.Account(tx.Sender())
			if err := s.exec.CheckTx(tx, &acc); err != nil {
				fmt.Fprintf(&b, "invalid %s: %v\n", s.name(tx), err)
				invalid = append(invalid, tx.Hash())
				continue
			}
			cost, _ := chain.MaxCost(tx)
			acc.Balance.Sub(&acc.Balance, &cost)
			acc.Nonce++
			s.st.accs[tx.Sender()] = acc
			fmt.Fprintf(&b, "included %s\n", s.name(tx))
		}
		s.p.Remove(invalid...)
		if err := s.p.Update(s.st, s.addrs()); err != nil {
			td.Fatalf(t, "update: %v", err)
		}
		return b.String()

	case "update":
		var addrs []types.Address
		for _, arg := range td.CmdArgs {
			addrs = append(addrs, s.actor(arg.Key).addr)
		}
		if err := s.p.Update(s.st, addrs); err != nil {
			return "error: " + err.Error()
		}
		return ""

	case "remove":
		for _, arg := range td.CmdArgs {
			if tx := s.find(td, arg.Key); tx != nil {
				s.p.Remove(tx.Hash())
			}
		}
		return ""

	case "inspect":
		var b strings.Builder
		for _, arg := range td.CmdArgs {
			pending, queued := s.p.Inspect(s.actor(arg.Key).addr)
			fmt.Fprintf(&b, "%s: pending %v queued %v\n", arg.Key, pending, queued)
		}
		return b.String()

	case "stats":
		st := s.p.Stats()
		return fmt.Sprintf("pending=%d queued=%d senders=%d capacity=%d", st.Pending, st.Queued, st.Senders, st.Capacity)

	case "ready":
		if drainReady(s.p) {
			return "signalled"
		}
		return "not signalled"
	}
	td.Fatalf(t, "unknown command %q", td.Cmd)
	return ""
}

// addrs returns every actor's address, sorted by name.
func (s *scenario) addrs() []types.Address {
	names := make([]string, 0, len(s.actors))
	for n := range s.actors {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]types.Address, len(names))
	for i, n := range names {
		out[i] = s.actors[n].addr
	}
	return out
}
