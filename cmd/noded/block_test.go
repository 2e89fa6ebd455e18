package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/noded/noded/client/clienttest"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

func TestBlockCmd(t *testing.T) {
	alice := seedKey(t, 1)
	b, args := testNode(t, clienttest.Options{AutoMine: true, Funded: []types.Address{types.AddressOf(alice.Public())}})
	importKey(t, args, "alice", 1)
	var sent rpc.SendTxResult
	if err := json.Unmarshal([]byte(mustRun(t, with(args, "tx", "transfer", "--from", "alice", "--to", "alice", "--amount", "1", "--json")...)), &sent); err != nil {
		t.Fatal(err)
	}
	b.Mine() // block 2, empty
	one, err := b.BlockByHeight(1)
	if err != nil {
		t.Fatal(err)
	}

	out := mustRun(t, with(args, "block")...)
	if !regexp.MustCompile(`number:\s+2\n`).MatchString(out) || !regexp.MustCompile(`transactions:\s+0\n`).MatchString(out) {
		t.Errorf("block (latest):\n%s", out)
	}
	for _, which := range []string{"1", "0x1", one.Hash().String()} {
		out = mustRun(t, with(args, "block", which)...)
		if !strings.Contains(out, one.Hash().String()) || !strings.Contains(out, sent.Hash.String()) {
			t.Errorf("block %s:\n%s", which, out)
		}
		if strings.Contains(out, "transaction 0:") {
			t.Errorf("block %s without --full shows whole transactions:\n%s", which, out)
		}
	}
	out = mustRun(t, with(args, "block", "1", "--full")...)
	if !strings.Contains(out, "transaction 0:") || !strings.Contains(out, "kind:") || !strings.Contains(out, sent.Hash.String()) {
		t.Errorf("block 1 --full:\n%s", out)
	}
	var blk rpc.RPCBlock
	if err := json.Unmarshal([]byte(mustRun(t, with(args, "block", "1", "--full", "--json")...)), &blk); err != nil {
		t.Fatal(err)
	}
	if blk.Hash != one.Hash() || len(blk.Transactions) != 1 || blk.Transactions[0].Tx == nil || blk.Transactions[0].Tx.Hash != sent.Hash {
		t.Errorf("block --json = %+v", blk)
	}
	out = mustRun(t, with(args, "block", "earliest")...)
	if !strings.Contains(out, b.GenesisHash().String()) {
		t.Errorf("block earliest:\n%s", out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"block", "99"}, "not found"},
		{[]string{"block", types.Hash{5}.String()}, "not found"},
		{[]string{"block", "pending"}, "not a block height"},
		{[]string{"block", "1", "2"}, "accepts at most 1 arg"},
	} {
		if reason := mustFail(t, with(args, tc.args...)...); !strings.Contains(reason, tc.want) {
			t.Errorf("%v: reason %q, want %q", tc.args, reason, tc.want)
		}
	}
}
