//go:build !wasip1

package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/noded/noded/contracts/harness"
	"github.com/noded/noded/types"
)

// token is a deployed token contract, for tests.
type token struct {
	t *testing.T
	c *harness.Chain
	a types.Address
}

func deploy(t *testing.T, c *harness.Chain, owner string, supply uint64) *token {
	code := harness.Build(t, ".")
	init := fmt.Sprintf(`{"name":"Noded Token","symbol":"NOD","decimals":6,"supply":%d}`, supply)
	return &token{t: t, c: c, a: c.Deploy(owner, code, []byte(init)).Contract()}
}

func (tk *token) balance(name string) string {
	tk.t.Helper()
	var out struct{ Balance string }
	in := fmt.Sprintf(`{"owner":%q}`, tk.c.Addr(name))
	if err := tk.c.Query(tk.a, "balanceOf", []byte(in)).JSON(&out); err != nil {
		tk.t.Fatal(err)
	}
	return out.Balance
}

func (tk *token) call(from, method, input string) *harness.Receipt {
	tk.t.Helper()
	return tk.c.TryCall(from, tk.a, method, []byte(input))
}

func eventJSON(t *testing.T, e types.Event) map[string]string {
	var m map[string]string
	if err := json.Unmarshal(e.Data, &m); err != nil {
		t.Fatalf("event data %q: %v", e.Data, err)
	}
	return m
}

func TestToken(t *testing.T) {
	c := harness.New(t)
	tk := deploy(t, c, "alice", 1000)
	alice, bob, carol := c.Addr("alice"), c.Addr("bob"), c.Addr("carol")

	var info struct {
		Name, Symbol, TotalSupply, Owner string
		Decimals                         int
		Paused                           bool
	}
	if err := c.Query(tk.a, "info", nil).JSON(&info); err != nil || info.Name != "Noded Token" || info.Symbol != "NOD" ||
		info.Decimals != 6 || info.TotalSupply != "1000" || info.Owner != alice.String() || info.Paused {
		t.Fatalf("info %+v %v", info, err)
	}
	for method, want := range map[string]string{"name": `{"name":"Noded Token"}`, "symbol": `{"symbol":"NOD"}`,
		"decimals": `{"decimals":6}`, "totalSupply": `{"totalSupply":"1000"}`} {
		if got := c.Query(tk.a, method, nil).Text(); got != want {
			t.Errorf("%s = %s, want %s", method, got, want)
		}
	}

	// transfer, with its event
	r := tk.call("alice", "transfer", fmt.Sprintf(`{"to":%q,"amount":"250"}`, bob))
	if !r.Ok() || len(r.Events) != 1 {
		t.Fatalf("transfer: %+v", r)
	}
	if ev := eventJSON(t, r.Events[0]); r.Events[0].Topic != "Transfer" || ev["from"] != alice.String() || ev["to"] != bob.String() || ev["amount"] != "250" {
		t.Fatalf("Transfer event %v", ev)
	}
	if tk.balance("alice") != "750" || tk.balance("bob") != "250" {
		t.Fatalf("balances %s %s", tk.balance("alice"), tk.balance("bob"))
	}
	if r := tk.call("bob", "transfer", fmt.Sprintf(`{"to":%q,"amount":251}`, carol)); r.Error != "reverted: transfer amount exceeds balance" || len(r.Events) != 0 {
		t.Fatalf("overdraft: %+v", r)
	}

	// approve, allowance, transferFrom
	r = tk.call("bob", "approve", fmt.Sprintf(`{"spender":%q,"amount":"100"}`, carol))
	if ev := eventJSON(t, r.Events[0]); r.Events[0].Topic != "Approval" || ev["owner"] != bob.String() || ev["spender"] != carol.String() || ev["amount"] != "100" {
		t.Fatalf("Approval event %v", ev)
	}
	allowance := func() string {
		var out struct{ Allowance string }
		c.Query(tk.a, "allowance", []byte(fmt.Sprintf(`{"owner":%q,"spender":%q}`, bob, carol))).JSON(&out)
		return out.Allowance
	}
	if a := allowance(); a != "100" {
		t.Fatalf("allowance %s", a)
	}
	if r := tk.call("carol", "transferFrom", fmt.Sprintf(`{"from":%q,"to":%q,"amount":"101"}`, bob, carol)); r.Error != "reverted: transfer amount exceeds allowance" {
		t.Fatalf("over the allowance: %s", r.Error)
	}
	if r := tk.call("carol", "transferFrom", fmt.Sprintf(`{"from":%q,"to":%q,"amount":"60"}`, bob, carol)); !r.Ok() || r.Events[0].Topic != "Transfer" {
		t.Fatalf("transferFrom: %+v", r)
	}
	if a := allowance(); a != "40" || tk.balance("bob") != "190" || tk.balance("carol") != "60" {
		t.Fatalf("after transferFrom: allowance %s, bob %s, carol %s", a, tk.balance("bob"), tk.balance("carol"))
	}

	// mint by the owner only; pause
	if r := tk.call("bob", "mint", fmt.Sprintf(`{"to":%q,"amount":5}`, bob)); r.Error != "reverted: only the owner may do this" {
		t.Fatalf("mint by bob: %s", r.Error)
	}
	r = tk.call("alice", "mint", fmt.Sprintf(`{"to":%q,"amount":"1000000000000000000000000000000"}`, carol))
	if ev := eventJSON(t, r.Events[0]); ev["from"] != (types.Address{}).String() || ev["amount"] != "1000000000000000000000000000000" {
		t.Fatalf("mint event %v", ev)
	}
	if tk.balance("carol") != "1000000000000000000000000000060" {
		t.Fatalf("carol %s", tk.balance("carol"))
	}
	tk.call("alice", "pause", "")
	if r := tk.call("carol", "transfer", fmt.Sprintf(`{"to":%q,"amount":1}`, bob)); r.Error != "reverted: token is paused" {
		t.Fatalf("transfer while paused: %s", r.Error)
	}
	tk.call("alice", "unpause", "")
	if r := tk.call("carol", "transfer", fmt.Sprintf(`{"to":%q,"amount":1}`, bob)); !r.Ok() {
		t.Fatalf("transfer after unpause: %s", r.Error)
	}

	// bad input reverts with a message naming the field
	if r := tk.call("alice", "transfer", `{"to":"bob","amount":1}`); r.Error != `reverted: input: field "to": want an address (0x and 40 hex digits)` {
		t.Fatalf("bad address: %s", r.Error)
	}
	if r := tk.call("alice", "transfer", `not json`); r.Error != "reverted: input: invalid JSON at byte 0: want an object" {
		t.Fatalf("bad JSON: %s", r.Error)
	}
}

// A transfer's gas, for the record (and the benchmark's reference).
func TestTransferGas(t *testing.T) {
	c := harness.New(t)
	tk := deploy(t, c, "alice", 1_000_000)
	in := fmt.Sprintf(`{"to":%q,"amount":"1"}`, c.Addr("bob"))
	first := tk.call("alice", "transfer", in)
	second := tk.call("alice", "transfer", in)
	t.Logf("transfer: %d gas (new recipient), %d gas (existing)", first.GasUsed, second.GasUsed)
	if second.GasUsed > 200_000 {
		t.Fatalf("a transfer used %d gas", second.GasUsed)
	}
}
