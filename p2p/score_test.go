package p2p

import (
	"context"
	"fmt"
	"testing"
)

func scoreOf(h *testHost, id PeerID) (float64, bool) {
	for _, p := range h.Peers() {
		if p.ID == id {
			return p.Score, true
		}
	}
	return 0, false
}

// waitScoreRounds waits until h has seen n more score inspections.
func waitScoreRounds(t *testing.T, h *testHost, n uint64) {
	t.Helper()
	start := h.Metrics().ScoreRounds
	eventually(t, waitLong, "score rounds", func() bool { return h.Metrics().ScoreRounds >= start+n })
}

// A peer that keeps sending invalid blocks is scored down, graylisted,
// disconnected and refused, while honest traffic goes on; its invalid
// blocks are never forwarded.
func TestRejectDisconnectsInvalidSender(t *testing.T) {
	hosts := line(t, 4)
	bad := startHost(t)
	connect(t, bad, hosts[1])
	waitMesh(t, bad, hosts[1])
	b := hosts[1]
	ctx := context.Background()

	var sent []string
	for i := 0; isConnected(b, bad); i++ {
		if i == 10 {
			t.Fatalf("still connected after %d invalid blocks; score %v", i, must(scoreOf(b, bad.ID())))
		}
		rejected := b.Metrics().Blocks.Rejected
		msg := fmt.Sprintf("bad-block-%d", i)
		sent = append(sent, msg)
		if err := bad.PublishBlock(ctx, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		eventually(t, waitLong, "the rejection or the disconnection", func() bool {
			return b.Metrics().Blocks.Rejected > rejected || !isConnected(b, bad)
		})
		if i == 0 {
			waitScoreRounds(t, b, 2)
			if s, _ := scoreOf(b, bad.ID()); s >= 0 {
				t.Errorf("score after one invalid block: %v, want < 0", s)
			}
		}
	}
	t.Logf("disconnected after %d invalid blocks", len(sent))
	if len(sent) < 3 {
		t.Errorf("disconnected after only %d invalid blocks; the scoring allows 2", len(sent))
	}
	if m := b.Metrics(); m.Disconnects == 0 {
		t.Errorf("no disconnect counted: %+v", m)
	}
	refused(t, bad, b)
	// The invalid blocks went no further than the first host.
	for i, h := range hosts {
		for _, msg := range sent {
			if n := h.f.checkCount([]byte(msg)); i != 1 && n != 0 {
				t.Errorf("host %d checked %q %d times: it was forwarded", i, msg, n)
			}
		}
	}
	// Honest traffic goes on.
	good := []byte("block-after-the-ban")
	if err := hosts[0].PublishBlock(ctx, good); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 4; i++ {
		if got := recv(t, hosts[i].f.blocksIn, fmt.Sprintf("host %d's honest block", i)); string(got) != string(good) {
			t.Fatalf("host %d got %q", i, got)
		}
	}
}

func must[T any](v T, _ bool) T { return v }

// refused checks that a connection between two hosts of which one banned
// the other does not come up: the dial fails, or the connection (which the
// dialler may briefly see as up) closes, and neither counts the other as a
// peer.
func refused(t *testing.T, from, to *testHost) {
	t.Helper()
	if !to.bans.banned(from.host.ID()) && !from.bans.banned(to.host.ID()) {
		t.Fatalf("neither %s nor %s is banned", from.ID(), to.ID())
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := from.Connect(ctx, to.Addrs()[0]); err == nil {
		eventually(t, waitLong, "the refused connection to close", func() bool { return !isConnected(from, to) })
	}
	eventually(t, waitLong, "the refused connection to close on both sides", func() bool {
		return !isConnected(to, from) && !isConnected(from, to) && !hasPeer(to, from.ID()) && !hasPeer(from, to.ID())
	})
}

// Ignored messages cost nothing: the sender keeps its score and connection.
func TestIgnoreDoesNotPenalise(t *testing.T) {
	hosts := line(t, 2)
	a, b := hosts[0], hosts[1]
	ctx := context.Background()
	for i := range 20 {
		if err := a.PublishBlock(ctx, []byte(fmt.Sprintf("dup-block-%d", i))); err != nil {
			t.Fatal(err)
		}
		if err := a.PublishTxs(ctx, [][]byte{[]byte(fmt.Sprintf("dup-tx-%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, waitLong, "20 ignored blocks and batches", func() bool {
		m := b.Metrics()
		return m.Blocks.Ignored == 20 && m.Txs.Ignored == 20
	})
	waitScoreRounds(t, b, 2)
	if s, ok := scoreOf(b, a.ID()); !ok || s < 0 {
		t.Errorf("score after ignored messages: %v (connected %v), want >= 0", s, ok)
	}
	if err := a.PublishBlock(ctx, []byte("a-good-block")); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, b.f.blocksIn, "the good block"); string(got) != "a-good-block" {
		t.Fatalf("got %q", got)
	}
	if m := b.Metrics(); m.Blocks.Rejected != 0 || m.Disconnects != 0 {
		t.Errorf("metrics %+v", m)
	}
}

// Penalize scores a peer down at once and disconnects it after maxStrikes.
func TestPenalize(t *testing.T) {
	hosts := line(t, 2)
	a, b := hosts[0], hosts[1]
	b.Penalize(a.ID(), "block failed execution")
	waitScoreRounds(t, b, 2)
	if s, _ := scoreOf(b, a.ID()); s >= 0 {
		t.Errorf("score after a penalty: %v, want < 0", s)
	}
	for range maxStrikes - 1 {
		b.Penalize(a.ID(), "block failed execution")
	}
	eventually(t, waitLong, "the disconnection", func() bool { return !isConnected(a, b) && !hasPeer(b, a.ID()) })
	refused(t, a, b)
}

// An RPC with a message over its topic's limit is dropped before
// validation and counts against the sender.
func TestOversizedMessageDropped(t *testing.T) {
	small := func(c *Config) { c.MaxBlockMessageSize = 4 << 10 }
	a := startHost(t) // default limits: it may send 8 KiB blocks
	b := startHost(t, small)
	connect(t, a, b)
	waitMesh(t, a, b)
	if err := a.PublishBlock(context.Background(), make([]byte, 8<<10)); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitLong, "the oversized message to be dropped", func() bool { return b.Metrics().Oversized == 1 })
	if n := b.Metrics().Blocks.Received; n != 0 {
		t.Errorf("%d blocks reached the validator", n)
	}
}
