package p2p

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/noded/noded/types"
)

// snapHandler serves fixed snapshots on top of a fakeHandler.
type snapHandler struct {
	*fakeHandler
	offers   []SnapshotOffer
	manifest []byte
	chunks   [][]byte
}

func (s *snapHandler) Snapshots() []SnapshotOffer { return s.offers }

func (s *snapHandler) SnapshotManifest(height uint64, m types.Hash) ([]byte, error) {
	if len(s.offers) == 0 || height != s.offers[0].Height || m != s.offers[0].Manifest {
		return nil, ErrSnapshotUnavailable
	}
	return s.manifest, nil
}

func (s *snapHandler) SnapshotChunk(height uint64, m types.Hash, i int) ([]byte, error) {
	if _, err := s.SnapshotManifest(height, m); err != nil {
		return nil, err
	}
	if i < 0 || i >= len(s.chunks) {
		return nil, fmt.Errorf("no chunk %d", i)
	}
	return s.chunks[i], nil
}

func startSnapHost(t *testing.T, sh *snapHandler) *testHost {
	t.Helper()
	cfg := Config{
		ChainID:      "test-chain",
		GenesisHash:  testGenesis,
		ListenAddrs:  []string{"/ip4/127.0.0.1/tcp/0"},
		PingInterval: time.Second,
		Logger:       testLogger(t),
	}
	sh.fakeHandler = newFakeHandler(cfg.ChainID, cfg.GenesisHash)
	h, err := New(cfg, sh)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	<-h.ready
	return &testHost{Host: h, f: sh.fakeHandler, stop: func() { cancel(); <-done }}
}

func TestSnapshotProtocol(t *testing.T) {
	m := types.Hash{1, 2, 3}
	sh := &snapHandler{
		offers:   []SnapshotOffer{{Height: 100, Block: types.Hash{9}, Manifest: m, Chunks: 3, Size: 3 << 20}},
		manifest: bytes.Repeat([]byte("m"), 70_000),
		chunks:   [][]byte{bytes.Repeat([]byte{1}, 1<<20), bytes.Repeat([]byte{2}, 2<<20), {}},
	}
	a := startSnapHost(t, sh)
	b := startHost(t)
	connect(t, b, a)
	ctx := context.Background()

	offers, err := b.SnapshotOffers(ctx, a.ID())
	if err != nil || len(offers) != 1 || offers[0] != sh.offers[0] {
		t.Fatalf("offers %+v %v", offers, err)
	}
	got, err := b.SnapshotManifest(ctx, a.ID(), 100, m)
	if err != nil || !bytes.Equal(got, sh.manifest) {
		t.Fatalf("manifest: %d bytes, %v", len(got), err)
	}
	for i, c := range sh.chunks {
		got, err := b.SnapshotChunk(ctx, a.ID(), 100, m, i, len(c))
		if err != nil || !bytes.Equal(got, c) {
			t.Fatalf("chunk %d: %d bytes, %v", i, len(got), err)
		}
	}
	// An answer of another size than the manifest's is refused unread.
	if _, err := b.SnapshotChunk(ctx, a.ID(), 100, m, 1, 1<<20); !errors.Is(err, ErrMalformed) {
		t.Fatalf("chunk of the wrong size: %v", err)
	}
	// Snapshots the peer does not serve, and chunks it has not got.
	var re *RemoteError
	if _, err := b.SnapshotManifest(ctx, a.ID(), 99, m); !errors.As(err, &re) {
		t.Fatalf("unknown snapshot: %v", err)
	}
	if _, err := b.SnapshotChunk(ctx, a.ID(), 100, m, 7, 10); !errors.As(err, &re) {
		t.Fatalf("unknown chunk: %v", err)
	}
	if _, err := b.SnapshotChunk(ctx, a.ID(), 100, m, 0, MaxSnapshotChunkSize+1); err == nil {
		t.Fatal("a chunk over the limit was requested")
	}
	// A host whose handler serves no snapshots does not speak the protocol.
	if _, err := a.SnapshotOffers(ctx, b.ID()); err == nil {
		t.Fatal("a host without snapshots answered")
	}

	// A peer listing absurd offers is refused.
	sh.offers = []SnapshotOffer{{Height: 1, Manifest: m, Chunks: 2, Size: 3 * MaxSnapshotChunkSize}}
	if _, err := b.SnapshotOffers(ctx, a.ID()); !errors.Is(err, ErrMalformed) {
		t.Fatalf("absurd offer: %v", err)
	}
	sh.offers = nil
	if offers, err := b.SnapshotOffers(ctx, a.ID()); err != nil || len(offers) != 0 {
		t.Fatalf("no offers: %v %v", offers, err)
	}
	// At most MaxSnapshotOffers are sent.
	for i := range MaxSnapshotOffers + 4 {
		sh.offers = append(sh.offers, SnapshotOffer{Height: uint64(i), Manifest: m, Chunks: 1, Size: 1})
	}
	if offers, err := b.SnapshotOffers(ctx, a.ID()); err != nil || len(offers) != MaxSnapshotOffers {
		t.Fatalf("many offers: %d %v", len(offers), err)
	}
	// A manifest over the limit is not served.
	sh.offers = sh.offers[:1]
	sh.offers[0].Height = 100
	sh.manifest = make([]byte, MaxSnapshotManifestSize+1)
	if _, err := b.SnapshotManifest(ctx, a.ID(), 100, m); !errors.As(err, &re) {
		t.Fatalf("huge manifest: %v", err)
	}
}

// The server refuses requests a conforming client never sends.
func TestServeSnapshotRefusesBadRequests(t *testing.T) {
	a := startSnapHost(t, &snapHandler{})
	b := startHost(t)
	connect(t, b, a)
	s, err := b.host.NewStream(context.Background(), a.host.ID(), a.protoSnap)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Write([]byte{42}); err != nil {
		t.Fatal(err)
	}
	var re *RemoteError
	if err := readCode(bufio.NewReader(s)); !errors.As(err, &re) || !re.BadRequest {
		t.Fatalf("unknown request kind: %v", err)
	}
}
