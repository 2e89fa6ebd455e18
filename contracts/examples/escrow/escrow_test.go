//go:build !wasip1

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/noded/noded/contracts/harness"
	"github.com/noded/noded/types"
)

type setup struct {
	t             *testing.T
	c             *harness.Chain
	token, escrow types.Address
}

func newSetup(t *testing.T) *setup {
	c := harness.New(t)
	s := &setup{t: t, c: c}
	s.token = c.Deploy("alice", harness.Build(t, "../token"), []byte(`{"name":"Noded Token","symbol":"NOD","supply":1000}`)).Contract()
	s.escrow = c.Deploy("carol", harness.Build(t, "."), []byte(fmt.Sprintf(`{"token":%q}`, s.token))).Contract()
	return s
}

func (s *setup) tokens(a types.Address) string {
	s.t.Helper()
	var out struct{ Balance string }
	if err := s.c.Query(s.token, "balanceOf", []byte(fmt.Sprintf(`{"owner":%q}`, a))).JSON(&out); err != nil {
		s.t.Fatal(err)
	}
	return out.Balance
}

func (s *setup) deal(id int) map[string]any {
	s.t.Helper()
	var d map[string]any
	if err := s.c.Query(s.escrow, "get", []byte(fmt.Sprintf(`{"id":%d}`, id))).JSON(&d); err != nil {
		s.t.Fatal(err)
	}
	return d
}

func coins(v uint64) types.Amount { return types.NewAmount(v) }

func sub(a, b types.Amount) types.Amount {
	var d types.Amount
	d.Sub(&a, &b)
	return d
}

func TestEscrowRelease(t *testing.T) {
	s := newSetup(t)
	c := s.c
	alice, bob := c.Addr("alice"), c.Addr("bob")
	notBefore := c.Head().Time + 60_000

	// Alice deposits 300 tokens for Bob, who must pay 5,000 coins, not
	// before a minute from now.
	c.Call("alice", s.token, "approve", []byte(fmt.Sprintf(`{"spender":%q,"amount":300}`, s.escrow)))
	r := c.Call("alice", s.escrow, "open", []byte(fmt.Sprintf(`{"beneficiary":%q,"amount":"300","price":"5000","notBefore":%d}`, bob, notBefore)))
	if r.Text() != `{"id":0}` || len(harness.Events("Transfer", r)) != 1 || len(harness.Events("Opened", r)) != 1 {
		t.Fatalf("open: %s, events %+v", r.Text(), r.Events)
	}
	if s.tokens(s.escrow) != "300" || s.tokens(alice) != "700" {
		t.Fatalf("after open: escrow %s, alice %s", s.tokens(s.escrow), s.tokens(alice))
	}

	release := `{"id":0}`
	aliceCoins := c.Balance(alice)
	for _, tc := range []struct {
		name, want string
		value      uint64
		advance    uint64
	}{
		{"too early", "reverted: too early to release", 5000, 0},
		{"wrong price", "reverted: send exactly the price, 5000", 4999, 60_000},
	} {
		c.Advance(tc.advance)
		bobCoins := c.Balance(bob)
		r := c.TryCall("bob", s.escrow, "release", []byte(release), harness.Value(coins(tc.value)))
		if r.Error != tc.want {
			t.Fatalf("%s: %q", tc.name, r.Error)
		}
		// The value came back: bob paid only the fee.
		if got, want := c.Balance(bob), sub(bobCoins, r.Fee); got != want {
			t.Fatalf("%s: bob has %s, want %s", tc.name, got.Dec(), want.Dec())
		}
	}
	if r := c.TryCall("alice", s.escrow, "release", []byte(release), harness.Value(coins(5000))); r.Error != "reverted: only the beneficiary may release" {
		t.Fatalf("release by alice: %s", r.Error)
	}

	// The token is paused: the release fails inside the token call, and
	// everything the release did is undone (the deal's state, the coins
	// to alice, bob's payment).
	c.Call("alice", s.token, "pause", nil)
	aliceCoins = c.Balance(alice)
	bobCoins := c.Balance(bob)
	r = c.TryCall("bob", s.escrow, "release", []byte(release), harness.Value(coins(5000)))
	if r.Error != "reverted: token transfer failed: sub-call reverted: token is paused" || len(r.Events) != 0 {
		t.Fatalf("release while paused: %+v", r)
	}
	escrowCoins := c.Balance(s.escrow)
	if d := s.deal(0); d["state"] != "open" || c.Balance(alice) != aliceCoins || c.Balance(bob) != sub(bobCoins, r.Fee) || !escrowCoins.IsZero() {
		t.Fatalf("release not undone: deal %v, escrow has %s coins", d, escrowCoins.Dec())
	}
	if s.tokens(s.escrow) != "300" || s.tokens(bob) != "0" {
		t.Fatal("tokens moved")
	}

	// Unpaused, the release goes through: tokens to bob, coins to alice.
	c.Call("alice", s.token, "unpause", nil)
	aliceCoins = c.Balance(alice)
	r = c.Call("bob", s.escrow, "release", []byte(release), harness.Value(coins(5000)))
	tr := harness.Events("Transfer", r)
	if len(tr) != 1 || tr[0].Address != s.token || len(harness.Events("Released", r)) != 1 || harness.Events("Released", r)[0].Address != s.escrow {
		t.Fatalf("release events %+v", r.Events)
	}
	if s.tokens(bob) != "300" || s.tokens(s.escrow) != "0" || s.deal(0)["state"] != "released" {
		t.Fatalf("after release: bob %s, escrow %s, deal %v", s.tokens(bob), s.tokens(s.escrow), s.deal(0))
	}
	five := coins(5000)
	aliceCoins.Add(&aliceCoins, &five)
	if got := c.Balance(alice); got != aliceCoins {
		t.Fatalf("alice has %s coins, want %s", got.Dec(), aliceCoins.Dec())
	}
	if r := c.TryCall("bob", s.escrow, "release", []byte(release), harness.Value(coins(5000))); r.Error != "reverted: deal is released" {
		t.Fatalf("second release: %s", r.Error)
	}
}

func TestEscrowOpenAndCancel(t *testing.T) {
	s := newSetup(t)
	c := s.c
	bob := c.Addr("bob")
	open := []byte(fmt.Sprintf(`{"beneficiary":%q,"amount":100}`, bob))

	// Without an allowance the deposit fails, and the deal is not kept.
	r := c.TryCall("alice", s.escrow, "open", open)
	if !strings.HasPrefix(r.Error, "reverted: token transferFrom failed: sub-call reverted: transfer amount exceeds allowance") {
		t.Fatalf("open without allowance: %s", r.Error)
	}
	if q := c.Query(s.escrow, "get", []byte(`{"id":0}`)); q.Error != "reverted: no such deal" {
		t.Fatalf("deal kept: %+v", q)
	}
	c.Call("alice", s.token, "approve", []byte(fmt.Sprintf(`{"spender":%q,"amount":100}`, s.escrow)))
	if r := c.Call("alice", s.escrow, "open", open); r.Text() != `{"id":0}` {
		t.Fatalf("open: %s", r.Text())
	}
	if r := c.TryCall("bob", s.escrow, "cancel", []byte(`{"id":0}`)); r.Error != "reverted: only the depositor may cancel" {
		t.Fatalf("cancel by bob: %s", r.Error)
	}
	r = c.Call("alice", s.escrow, "cancel", []byte(`{"id":0}`))
	if len(harness.Events("Cancelled", r)) != 1 || s.tokens(c.Addr("alice")) != "1000" || s.deal(0)["state"] != "cancelled" {
		t.Fatalf("cancel: %+v", r.Events)
	}
	if r := c.TryCall("alice", s.escrow, "open", open, harness.Value(coins(1))); r.Error != "reverted: open takes no coins" {
		t.Fatalf("open with coins: %s", r.Error)
	}
}
