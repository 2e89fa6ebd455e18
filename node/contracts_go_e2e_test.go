package node

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/contracts/examples"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// goUser drives the Go examples (token, escrow) over JSON-RPC.
type goUser struct{ *contractUser }

func (u goUser) call(ctx context.Context, to types.Address, method, input string, value uint64) *rpc.RPCReceipt {
	u.t.Helper()
	rc, _ := u.send(ctx, client.NewCall(DefaultChainID, 0, to, method, []byte(input), types.NewAmount(value), 0, 1))
	return rc
}

func (u goUser) mustCall(ctx context.Context, to types.Address, method, input string, value uint64) *rpc.RPCReceipt {
	u.t.Helper()
	rc := u.call(ctx, to, method, input, value)
	if rc.Status != rpc.ReceiptStatusSuccess {
		u.t.Fatalf("%s: %s", method, rc.Error)
	}
	return rc
}

// query runs a read-only call and decodes its JSON return data.
func query(t *testing.T, ctx context.Context, c *client.Client, to types.Address, method, input string) map[string]any {
	t.Helper()
	q, err := c.ContractCall(ctx, rpc.CallArgs{To: to, Method: method, Input: []byte(input)}, rpc.LatestBlock)
	if err != nil || q.Error != "" {
		t.Fatalf("query %s: %v %s", method, err, q.Error)
	}
	var m map[string]any
	if err := json.Unmarshal(q.ReturnData, &m); err != nil {
		t.Fatalf("query %s returned %q: %v", method, q.ReturnData, err)
	}
	return m
}

// TestGoContractsEndToEnd deploys the token and escrow examples, built
// from their Go sources, on a dev node and uses them over JSON-RPC:
// transfers, approve and transferFrom, an escrow release that fails in the
// token (paused) and is rolled back whole, then succeeds.
func TestGoContractsEndToEnd(t *testing.T) {
	tokenCode, escrowCode := examples.Build(t, "token"), examples.Build(t, "escrow")
	tn := startNode(t, Config{Home: t.TempDir()})
	ctx := ctxT(t)
	c := tn.c
	user := func(i int) goUser { return goUser{&contractUser{t: t, c: c, key: DevKey(i)}} }
	alice, bob, carol, dave := user(0), user(1), user(2), user(3)

	rc, _ := alice.deploy(ctx, tokenCode, []byte(`{"name":"Noded Token","symbol":"NOD","decimals":6,"supply":"1000"}`))
	if rc.Status != rpc.ReceiptStatusSuccess {
		t.Fatalf("deploy token: %s", rc.Error)
	}
	token := *rc.ContractAddress
	t.Logf("token: %d bytes, deployed for %d gas", len(tokenCode), rc.GasUsed)
	rc, _ = bob.deploy(ctx, escrowCode, []byte(fmt.Sprintf(`{"token":%q}`, token)))
	if rc.Status != rpc.ReceiptStatusSuccess {
		t.Fatalf("deploy escrow: %s", rc.Error)
	}
	escrow := *rc.ContractAddress
	if code, err := c.Code(ctx, token, rpc.LatestBlock); err != nil || len(code) != len(tokenCode) {
		t.Fatalf("state_getCode: %d bytes, %v", len(code), err)
	}
	balance := func(a types.Address) string {
		return query(t, ctx, c, token, "balanceOf", fmt.Sprintf(`{"owner":%q}`, a))["balance"].(string)
	}

	// A transfer, with its Transfer event.
	rc = alice.mustCall(ctx, token, "transfer", fmt.Sprintf(`{"to":%q,"amount":"100"}`, carol.addr()), 0)
	if len(rc.Events) != 1 || rc.Events[0].Topic != "Transfer" || rc.Events[0].Address != token ||
		string(rc.Events[0].Data) != fmt.Sprintf(`{"from":%q,"to":%q,"amount":"100"}`, alice.addr(), carol.addr()) {
		t.Fatalf("transfer events %+v", rc.Events)
	}
	if balance(alice.addr()) != "900" || balance(carol.addr()) != "100" {
		t.Fatalf("balances %s %s", balance(alice.addr()), balance(carol.addr()))
	}
	if rc := carol.call(ctx, token, "transfer", fmt.Sprintf(`{"to":%q,"amount":"101"}`, dave.addr()), 0); rc.Status != rpc.ReceiptStatusFailed ||
		rc.Error != "reverted: transfer amount exceeds balance" {
		t.Fatalf("overdraft: %+v", rc)
	}

	// approve, allowance, transferFrom.
	rc = carol.mustCall(ctx, token, "approve", fmt.Sprintf(`{"spender":%q,"amount":40}`, bob.addr()), 0)
	if rc.Events[0].Topic != "Approval" {
		t.Fatalf("approve events %+v", rc.Events)
	}
	bob.mustCall(ctx, token, "transferFrom", fmt.Sprintf(`{"from":%q,"to":%q,"amount":25}`, carol.addr(), dave.addr()), 0)
	if a := query(t, ctx, c, token, "allowance", fmt.Sprintf(`{"owner":%q,"spender":%q}`, carol.addr(), bob.addr()))["allowance"]; a != "15" {
		t.Fatalf("allowance %v", a)
	}
	if balance(carol.addr()) != "75" || balance(dave.addr()) != "25" {
		t.Fatalf("after transferFrom: carol %s, dave %s", balance(carol.addr()), balance(dave.addr()))
	}

	// The escrow: alice deposits 300 tokens for dave at 5,000 coins.
	alice.mustCall(ctx, token, "approve", fmt.Sprintf(`{"spender":%q,"amount":300}`, escrow), 0)
	rc = alice.mustCall(ctx, escrow, "open", fmt.Sprintf(`{"beneficiary":%q,"amount":300,"price":5000}`, dave.addr()), 0)
	if string(rc.ReturnData) != `{"id":0}` || balance(escrow) != "300" {
		t.Fatalf("open: %s, escrow holds %s", rc.ReturnData, balance(escrow))
	}

	// Paused, the token refuses the release's transfer: the release fails
	// and nothing it did stays (dave's coins, alice's, the deal's state).
	alice.mustCall(ctx, token, "pause", "", 0)
	coins := func(a types.Address) types.Amount {
		acc, err := c.Account(ctx, a, rpc.LatestBlock)
		if err != nil {
			t.Fatal(err)
		}
		return *amt(acc.Balance)
	}
	dec := func(a types.Amount) string { return a.Dec() }
	aliceCoins, daveCoins := coins(alice.addr()), coins(dave.addr())
	rc = dave.call(ctx, escrow, "release", `{"id":0}`, 5000)
	if rc.Status != rpc.ReceiptStatusFailed || rc.Error != "reverted: token transfer failed: sub-call reverted: token is paused" || len(rc.Events) != 0 {
		t.Fatalf("release while paused: %+v", rc)
	}
	fee := types.NewAmount(uint64(rc.GasUsed))
	daveCoins.Sub(&daveCoins, &fee)
	if got := coins(dave.addr()); got != daveCoins || coins(alice.addr()) != aliceCoins || coins(escrow) != (types.Amount{}) {
		t.Fatalf("coins after the failed release: dave %s (want %s), alice %s, escrow %s", dec(got), dec(daveCoins), dec(coins(alice.addr())), dec(coins(escrow)))
	}
	if d := query(t, ctx, c, escrow, "get", `{"id":0}`); d["state"] != "open" || balance(escrow) != "300" || balance(dave.addr()) != "25" {
		t.Fatalf("deal after the failed release: %v", d)
	}

	// Unpaused, the release swaps the tokens for the coins.
	alice.mustCall(ctx, token, "unpause", "", 0)
	aliceCoins = coins(alice.addr())
	rc = dave.mustCall(ctx, escrow, "release", `{"id":0}`, 5000)
	if len(rc.Events) != 2 || rc.Events[0].Topic != "Transfer" || rc.Events[0].Address != token || rc.Events[1].Topic != "Released" {
		t.Fatalf("release events %+v", rc.Events)
	}
	price := types.NewAmount(5000)
	aliceCoins.Add(&aliceCoins, &price)
	if balance(dave.addr()) != "325" || balance(escrow) != "0" || coins(alice.addr()) != aliceCoins {
		t.Fatalf("after the release: dave %s tokens, escrow %s, alice %s coins", balance(dave.addr()), balance(escrow), dec(coins(alice.addr())))
	}
	if d := query(t, ctx, c, escrow, "get", `{"id":0}`); d["state"] != "released" {
		t.Fatalf("deal %v", d)
	}

	// The token's Transfer events, by topic and address.
	topic := "Transfer"
	evs, err := c.Events(ctx, rpc.EventQueryArgs{FromBlock: rpc.EarliestBlock, ToBlock: rpc.LatestBlock, Address: &token, Topic: &topic})
	if err != nil || len(evs) != 5 { // the supply's mint, transfer, transferFrom, open's deposit, release
		t.Fatalf("Transfer events: %d, %v", len(evs), err)
	}
}

// TestGoContractsTwoNodesAgree sends the same transactions with Go
// contracts (the token, and a contract that iterates Go maps and draws
// random numbers) to two fresh dev nodes: the receipts and the state
// roots agree. (The two chains' blocks have different times, so the
// contracts here do not read the clock; contracts/examples checks that on
// the same blocks.)
func TestGoContractsTwoNodesAgree(t *testing.T) {
	tokenCode, mapCode := examples.Build(t, "token"), examples.Build(t, "testdata/mapiter")
	ctx := ctxT(t)
	nodes := []*testNode{startNode(t, Config{Home: t.TempDir()}), startNode(t, Config{Home: t.TempDir()})}
	keys := []crypto.PrivateKey{DevKey(0), DevKey(1)}
	nonces := make([]uint64, len(keys))
	token := types.ContractAddress(types.AddressOf(keys[0].Public()), 0)
	mapper := types.ContractAddress(types.AddressOf(keys[1].Public()), 0)
	call := func(to types.Address, method, input string) *types.Tx {
		return client.NewCall(DefaultChainID, 0, to, method, []byte(input), types.Amount{}, chain.MaxTxGas, 1)
	}
	type step struct {
		from int
		tx   *types.Tx
	}
	steps := []step{
		{0, client.NewDeploy(DefaultChainID, 0, tokenCode, []byte(`{"name":"T","symbol":"T","supply":"1000"}`), types.Amount{}, 9_000_000, 1)},
		{1, client.NewDeploy(DefaultChainID, 0, mapCode, nil, types.Amount{}, 9_000_000, 1)},
		{0, call(token, "transfer", fmt.Sprintf(`{"to":%q,"amount":"10"}`, types.AddressOf(keys[1].Public())))},
		{1, call(mapper, "maps", "a b c d e f g h a b c")},
		{1, call(token, "transfer", fmt.Sprintf(`{"to":%q,"amount":"11"}`, types.AddressOf(keys[0].Public())))}, // fails
		{1, call(mapper, "maps", "x y z x y z w")},
	}
	for i, s := range steps {
		s.tx.Nonce = nonces[s.from]
		nonces[s.from]++
		s.tx.Sign(keys[s.from])
		var rcs []rpc.RPCReceipt
		for _, tn := range nodes {
			if _, err := tn.c.SendTx(ctx, s.tx); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			rc, err := tn.c.WaitReceipt(ctx, s.tx.Hash(), 5*time.Millisecond)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			headReached(t, ctx, tn.c, uint64(rc.BlockNumber))
			rc.BlockHash = types.Hash{} // the genesis times differ
			rcs = append(rcs, *rc)
		}
		if !reflect.DeepEqual(rcs[0], rcs[1]) {
			t.Fatalf("step %d: receipts differ:\n%+v\n%+v", i, rcs[0], rcs[1])
		}
		if (rcs[0].Status == rpc.ReceiptStatusFailed) != (i == 4) {
			t.Fatalf("step %d: %s %s", i, rcs[0].Status, rcs[0].Error)
		}
	}
	var roots []types.Hash
	for _, tn := range nodes {
		blk, err := tn.c.BlockByNumber(ctx, rpc.LatestBlock, false)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, blk.StateRoot)
	}
	if roots[0] != roots[1] || roots[0].IsZero() {
		t.Fatalf("state roots %s and %s", roots[0], roots[1])
	}
}
