package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/noded/noded/client/clienttest"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

func TestStatusCmd(t *testing.T) {
	peers := []rpc.PeerInfo{
		{ID: "12D3KooWpeer1", Address: "/ip4/10.0.0.2/tcp/4001", LatencyMs: 0.8, Height: 3, HeadHash: types.Hash{3}},
		{ID: "12D3KooWpeer2", Address: "/ip4/10.0.0.3/tcp/4001", LatencyMs: 12.25, Height: 2},
	}
	b, args := testNode(t, clienttest.Options{ChainID: "status-chain", Peers: peers})
	b.Mine()
	b.Mine()
	head := b.Head()
	out := mustRun(t, with(args, "status")...)
	for _, want := range []string{"status-chain", b.GenesisHash().String(), "head:", "2 (" + head.Hash().String() + ")",
		"finalized:", "syncing:", "no", "peers:", "2", "12D3KooWpeer1", "/ip4/10.0.0.3/tcp/4001", "12.2 ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	var st rpc.RPCNodeStatus
	if err := json.Unmarshal([]byte(mustRun(t, with(args, "status", "--json")...)), &st); err != nil {
		t.Fatal(err)
	}
	if st.ChainID != "status-chain" || st.Head.Number != 2 || len(st.Peers) != 2 || st.Peers[1].LatencyMs != 12.25 {
		t.Errorf("status --json = %+v", st)
	}
	if reason := mustFail(t, with(args, "status", "extra")...); !strings.Contains(reason, "unknown command") && !strings.Contains(reason, "accepts 0 arg") {
		t.Errorf("status extra: %q", reason)
	}
}
