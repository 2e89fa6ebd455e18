package p2p

import (
	"context"
	"testing"

	"github.com/noded/noded/types"
)

// PING returns the peer's status and a round trip time, tells the peer ours,
// and feeds Peers and BestPeers.
func TestPing(t *testing.T) {
	a, b, c := startHost(t), startHost(t), startHost(t)
	b.f.setHead(7)
	c.f.setHead(9)
	connect(t, a, b)
	connect(t, a, c)
	st, rtt, err := a.Ping(context.Background(), b.ID())
	if err != nil {
		t.Fatal(err)
	}
	if st != b.f.Status() {
		t.Errorf("status %+v, want %+v", st, b.f.Status())
	}
	if rtt <= 0 {
		t.Errorf("rtt %v", rtt)
	}
	// B learnt A's status from the PING (and from A's pings on connect).
	if got := recv(t, b.f.statusesIn, "B's report of A's status"); got != a.ID() {
		t.Errorf("B heard of %s, want %s", got, a.ID())
	}
	eventually(t, waitLong, "A's table to hold both statuses and latencies", func() bool {
		best := a.BestPeers()
		return len(best) == 2 && best[0].Latency > 0 && best[1].Latency > 0
	})
	best := a.BestPeers()
	if best[0].ID != c.ID() || best[0].Status.Height != 9 || best[1].ID != b.ID() || best[1].Status.Height != 7 {
		t.Errorf("BestPeers %+v: want C (9) then B (7)", best)
	}
	for _, p := range a.Peers() {
		if p.Addr == "" || !p.Outbound {
			t.Errorf("peer info %+v: want the address of an outbound connection", p)
		}
	}
	if m := a.Metrics(); m.Pings == 0 || m.PingFailures != 0 {
		t.Errorf("metrics %+v", m)
	}
}

// A host on another chain id does not even speak our protocols; one on the
// same chain id with another genesis answers PING with it. Both are
// disconnected and refused.
func TestWrongChainDisconnected(t *testing.T) {
	for _, tc := range []struct {
		name    string
		chainID string
		genesis types.Hash
	}{
		{"other chain id", "other-chain", testGenesis},
		{"other genesis", "test-chain", types.Hash{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startHost(t)
			b := startHost(t)
			other := startHost(t, withChain(tc.chainID, tc.genesis))
			connect(t, a, b)
			connect(t, other, a)
			eventually(t, waitLong, "the other chain's host to be disconnected", func() bool {
				return !isConnected(a, other) && !hasPeer(a, other.ID())
			})
			refused(t, other, a)
			if _, _, err := a.Ping(context.Background(), other.ID()); err == nil {
				t.Errorf("ping to a banned peer on another chain worked")
			}
			// The honest peer stays.
			if !isConnected(a, b) {
				t.Errorf("the honest peer was disconnected")
			}
		})
	}
}

// A peer that answered PING and then stops speaking the protocol (a node
// shutting down, or restarting with other software) is dropped but not
// banned: once it speaks it again, it is welcome back.
func TestPeerLeavingProtocolNotBanned(t *testing.T) {
	a, b := startHost(t), startHost(t)
	connect(t, a, b)
	eventually(t, waitLong, "b's status", func() bool {
		for _, p := range a.Peers() {
			if p.ID == b.ID() && !p.StatusAt.IsZero() {
				return true
			}
		}
		return false
	})
	b.host.RemoveStreamHandler(b.protoPing)
	eventually(t, waitLong, "b to be dropped", func() bool { return !isConnected(a, b) && !hasPeer(a, b.ID()) })
	if a.bans.banned(b.host.ID()) {
		t.Fatalf("a peer that answered PING before was banned")
	}
	b.host.SetStreamHandler(b.protoPing, b.servePing)
	connect(t, a, b)
	eventually(t, waitLong, "b back in the peer table", func() bool { return hasPeer(a, b.ID()) })
}
