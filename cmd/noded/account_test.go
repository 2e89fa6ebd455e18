package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/noded/noded/client/clienttest"
	"github.com/noded/noded/types"
)

func TestAccountCmd(t *testing.T) {
	alice := seedKey(t, 1)
	b, args := testNode(t, clienttest.Options{AutoMine: true, Funded: []types.Address{types.AddressOf(alice.Public())}})
	a := importKey(t, args, "alice", 1)
	mustRun(t, with(args, "tx", "transfer", "--from", "alice", "--to", "alice", "--amount", "1")...)
	want, _ := b.Account(a.Address, nil)

	for _, who := range []string{"alice", a.Address.String()} {
		out := mustRun(t, with(args, "account", who)...)
		for _, s := range []string{a.Address.String(), "balance:", want.Balance.Dec(), "nonce:", "1"} {
			if !strings.Contains(out, s) {
				t.Errorf("account %s lacks %q:\n%s", who, s, out)
			}
		}
		if strings.Contains(out, "code hash") {
			t.Errorf("account without code shows a code hash:\n%s", out)
		}
	}
	contract := types.Address{0xcc}
	b.SetAccount(contract, types.Account{CodeHash: types.Hash{0xab}})
	out := mustRun(t, with(args, "account", contract.String())...)
	if !strings.Contains(out, "code hash:") || !strings.Contains(out, types.Hash{0xab}.String()) {
		t.Errorf("contract account:\n%s", out)
	}

	var js struct {
		Address  types.Address `json:"address"`
		Balance  string        `json:"balance"`
		Nonce    string        `json:"nonce"`
		CodeHash types.Hash    `json:"codeHash"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, with(args, "account", "alice", "--json")...)), &js); err != nil {
		t.Fatal(err)
	}
	if js.Address != a.Address || js.Balance != "0x"+want.Balance.Hex()[2:] || js.Nonce != "0x1" {
		t.Errorf("account --json = %+v", js)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "nobody"}, "neither an 0x address nor a key name"},
		{[]string{"account", "0x12"}, "invalid hex"},
		{[]string{"account", "alice", "--block", "99"}, "state unavailable"},
		{[]string{"account"}, "want ADDR or NAME"},
	} {
		if reason := mustFail(t, with(args, tc.args...)...); !strings.Contains(reason, tc.want) {
			t.Errorf("%v: reason %q, want %q", tc.args, reason, tc.want)
		}
	}
}
