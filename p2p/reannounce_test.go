package p2p

import (
	"bytes"
	"context"
	"testing"
)

// A block published while no peer is on the BLOCK topic is re-announced as
// soon as one joins.
func TestReannounceAfterEmptyTopic(t *testing.T) {
	a := startHost(t)
	a.f.setHead(1)
	if err := a.PublishBlock(context.Background(), fakeBlock(1)); err != nil {
		t.Fatal(err)
	}
	b := startHost(t)
	b.f.setHead(1) // b is not behind: only the empty topic makes a re-announce
	connect(t, b, a)
	got := recv(t, b.f.blocksIn, "the re-announced block")
	if !bytes.Equal(got, fakeBlock(1)) {
		t.Fatalf("got %q", got)
	}
	if n := a.Metrics().Reannounces; n != 1 {
		t.Errorf("%d re-announces, want 1", n)
	}
}

// A peer whose PING status shows it behind gets the head block again.
func TestReannounceToPeerBehind(t *testing.T) {
	hosts := line(t, 2)
	a, b := hosts[0], hosts[1]
	// The head moves on a without its block reaching b (as if the publish
	// had been lost); b's next statuses show it behind.
	a.f.setHead(5)
	got := recv(t, b.f.blocksIn, "the re-announced head")
	if !bytes.Equal(got, fakeBlock(5)) {
		t.Fatalf("got %q", got)
	}
	if n := a.Metrics().Reannounces; n == 0 {
		t.Errorf("no re-announce counted")
	}
}
