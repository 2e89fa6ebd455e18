package p2p

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// strictHandler fails the test if it is called after Run has returned.
type strictHandler struct {
	*fakeHandler
	t       *testing.T
	stopped atomic.Bool
}

func (s *strictHandler) check(what string) {
	if s.stopped.Load() {
		s.t.Errorf("%s called after Run returned", what)
	}
}

func (s *strictHandler) Status() Status { s.check("Status"); return s.fakeHandler.Status() }
func (s *strictHandler) CheckBlock(p PeerID, b []byte) Verdict {
	s.check("CheckBlock")
	return s.fakeHandler.CheckBlock(p, b)
}
func (s *strictHandler) HandleBlock(p PeerID, b []byte) { s.check("HandleBlock") }
func (s *strictHandler) CheckTxs(p PeerID, txs [][]byte) Verdict {
	s.check("CheckTxs")
	return s.fakeHandler.CheckTxs(p, txs)
}
func (s *strictHandler) HandleTxs(p PeerID, txs [][]byte) { s.check("HandleTxs") }
func (s *strictHandler) PeerStatus(p PeerID, st Status)   { s.check("PeerStatus") }

// Run stops while messages pour in, and no Handler method runs after it has
// returned.
func TestNoHandlerCallsAfterRun(t *testing.T) {
	a := startHost(t)
	sh := &strictHandler{fakeHandler: newFakeHandler("test-chain", testGenesis), t: t}
	bh, err := New(Config{ChainID: "test-chain", GenesisHash: testGenesis, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}}, sh)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bh.Run(ctx) }()
	<-bh.ready
	b := &testHost{Host: bh, f: sh.fakeHandler}
	connect(t, a, b)
	waitMesh(t, a, b)

	pub := make(chan struct{})
	go func() {
		defer close(pub)
		for i := 0; ; i++ {
			if a.PublishBlock(context.Background(), []byte(fmt.Sprintf("block-%d", i))) != nil ||
				a.PublishTxs(context.Background(), [][]byte{[]byte(fmt.Sprintf("tx-%d", i))}) != nil {
				return
			}
			if i == 200 {
				cancel()
			}
			if i == 2000 {
				return
			}
		}
	}()
	if err := recv(t, done, "Run to return"); err != nil {
		t.Fatal(err)
	}
	sh.stopped.Store(true)
	<-pub
	a.stop()
}
