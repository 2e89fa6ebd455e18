package p2p

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/noded/noded/types"
)

// Deadlines for waiting on events. They are generous: a test that passes
// waits only as long as the event takes.
const (
	waitLong = 30 * time.Second
	testPoll = 5 * time.Millisecond
)

var testGenesis = types.Hash{0x9e, 0x4e}

// fakeHandler is the node as the network sees it. Messages starting with
// "bad" are rejected and those starting with "dup" ignored; blocks it
// serves are "block-<height>".
type fakeHandler struct {
	mu         sync.Mutex
	status     Status
	head       uint64 // Blocks serves heights 1..head
	checks     map[[32]byte]int
	blocksIn   chan []byte
	txsIn      chan [][]byte
	statusesIn chan PeerID
	txCount    int
	slowTxs    time.Duration // CheckTxs takes this long
	blocksFunc func(from, to uint64) ([][]byte, error)
}

func newFakeHandler(chainID string, genesis types.Hash) *fakeHandler {
	return &fakeHandler{
		status:     Status{ChainID: chainID, Genesis: genesis},
		checks:     map[[32]byte]int{},
		blocksIn:   make(chan []byte, 100_000),
		txsIn:      make(chan [][]byte, 100_000),
		statusesIn: make(chan PeerID, 100_000),
	}
}

func (f *fakeHandler) Status() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeHandler) setHead(height uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.head = height
	f.status.Height = height
	f.status.Head = sha256.Sum256(fakeBlock(height))
}

func (f *fakeHandler) verdict(data []byte) Verdict {
	switch {
	case bytes.HasPrefix(data, []byte("bad")):
		return Reject
	case bytes.HasPrefix(data, []byte("dup")):
		return Ignore
	}
	return Accept
}

func (f *fakeHandler) CheckBlock(from PeerID, data []byte) Verdict {
	f.mu.Lock()
	f.checks[sha256.Sum256(data)]++
	f.mu.Unlock()
	return f.verdict(data)
}

func (f *fakeHandler) HandleBlock(from PeerID, data []byte) { f.blocksIn <- data }

func (f *fakeHandler) CheckTxs(from PeerID, txs [][]byte) Verdict {
	if f.slowTxs > 0 {
		time.Sleep(f.slowTxs) // simulated work, not synchronisation
	}
	return f.verdict(txs[0])
}

func (f *fakeHandler) HandleTxs(from PeerID, txs [][]byte) {
	f.mu.Lock()
	f.txCount += len(txs)
	f.mu.Unlock()
	f.txsIn <- txs
}

func (f *fakeHandler) setBlocks(fn func(from, to uint64) ([][]byte, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocksFunc = fn
}

func (f *fakeHandler) Blocks(from, to uint64) ([][]byte, error) {
	f.mu.Lock()
	head, fn := f.head, f.blocksFunc
	f.mu.Unlock()
	if fn != nil {
		return fn(from, to)
	}
	var out [][]byte
	for h := from; h <= to && h <= head && h >= 1; h++ {
		out = append(out, fakeBlock(h))
	}
	return out, nil
}

func (f *fakeHandler) PeerStatus(from PeerID, st Status) {
	select {
	case f.statusesIn <- from:
	default:
	}
}

func (f *fakeHandler) checkCount(data []byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checks[sha256.Sum256(data)]
}

func (f *fakeHandler) txTotal() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.txCount
}

func fakeBlock(height uint64) []byte { return []byte(fmt.Sprintf("block-%d", height)) }

// testHost is a running Host with its fake handler.
type testHost struct {
	*Host
	f    *fakeHandler
	stop func() // cancels Run and waits for it
}

type hostOpt func(*Config)

func withChain(id string, genesis types.Hash) hostOpt {
	return func(c *Config) { c.ChainID, c.GenesisHash = id, genesis }
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("NODED_P2P_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	return nil
}

// startHost creates and runs a host on 127.0.0.1 port 0 (TCP only unless
// the options say otherwise); the test's cleanup stops it.
func startHost(t testing.TB, opts ...hostOpt) *testHost {
	t.Helper()
	cfg := Config{
		ChainID:      "test-chain",
		GenesisHash:  testGenesis,
		ListenAddrs:  []string{"/ip4/127.0.0.1/tcp/0"},
		PingInterval: time.Second,
		Logger:       testLogger(t),
	}
	for _, o := range opts {
		o(&cfg)
	}
	f := newFakeHandler(cfg.ChainID, cfg.GenesisHash)
	return runHost(t, cfg, f)
}

func runHost(t testing.TB, cfg Config, f *fakeHandler) *testHost {
	t.Helper()
	h, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- h.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(waitLong):
				t.Errorf("Run did not return %v after its context was cancelled", waitLong)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-h.ready:
	case err := <-errc:
		t.Fatalf("Run: %v", err)
	}
	return &testHost{Host: h, f: f, stop: stop}
}

func connect(t testing.TB, a, b *testHost) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := a.Connect(ctx, b.Addrs()[0]); err != nil {
		t.Fatalf("connect: %v", err)
	}
}

// eventually waits until cond holds, failing the test after d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(testPoll)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		<-tick.C
	}
}

// waitMesh waits until every host has its expected number of mesh peers
// on both topics (all its connections, in the small networks of tests).
func waitMesh(t testing.TB, hosts ...*testHost) {
	t.Helper()
	for i, h := range hosts {
		want := len(h.host.Network().Peers())
		want = min(want, 8)
		eventually(t, waitLong, fmt.Sprintf("host %d's mesh of %d", i, want), func() bool {
			return h.metrics.meshSize(h.topicBlock) >= want && h.metrics.meshSize(h.topicTx) >= want
		})
	}
}

func isConnected(a, b *testHost) bool {
	return a.host.Network().Connectedness(b.host.ID()) == network.Connected
}

func hasPeer(h *testHost, id PeerID) bool {
	for _, p := range h.Peers() {
		if p.ID == id {
			return true
		}
	}
	return false
}

// line starts n hosts connected in a line: 0-1-2-...-(n-1).
func line(t testing.TB, n int, opts ...hostOpt) []*testHost {
	hosts := make([]*testHost, n)
	for i := range hosts {
		hosts[i] = startHost(t, opts...)
	}
	for i := 1; i < n; i++ {
		connect(t, hosts[i-1], hosts[i])
	}
	waitMesh(t, hosts...)
	return hosts
}

// recv waits for a value on c.
func recv[T any](t testing.TB, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(waitLong):
		t.Fatalf("timed out after %v waiting for %s", waitLong, what)
		panic("unreachable")
	}
}

func peerID(h *testHost) peer.ID { return h.host.ID() }

var errTest = errors.New("test error")
