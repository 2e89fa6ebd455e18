package node

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noded/noded/p2p"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// liar is a peer that pretends to be an honest node: it relays the honest
// node's status and blocks, offers its snapshots and serves them corrupted,
// and offers a newer snapshot whose manifest claims absurd sizes.
type liar struct {
	honest      handler
	forged      []byte
	forgedOffer p2p.SnapshotOffer
	manifests   atomic.Int32 // forged manifests served
	chunks      atomic.Int32 // corrupted chunks served
}

func (l *liar) Status() p2p.Status                        { return l.honest.Status() }
func (l *liar) CheckBlock(p2p.PeerID, []byte) p2p.Verdict { return p2p.Ignore }
func (l *liar) HandleBlock(p2p.PeerID, []byte)            {}
func (l *liar) CheckTxs(p2p.PeerID, [][]byte) p2p.Verdict { return p2p.Ignore }
func (l *liar) HandleTxs(p2p.PeerID, [][]byte)            {}
func (l *liar) PeerStatus(p2p.PeerID, p2p.Status)         {}
func (l *liar) Blocks(from, to uint64) ([][]byte, error)  { return l.honest.Blocks(from, to) }

func (l *liar) Snapshots() []p2p.SnapshotOffer {
	return append([]p2p.SnapshotOffer{l.forgedOffer}, l.honest.Snapshots()...)
}

func (l *liar) SnapshotManifest(height uint64, m types.Hash) ([]byte, error) {
	if m == l.forgedOffer.Manifest {
		l.manifests.Add(1)
		return l.forged, nil
	}
	return l.honest.SnapshotManifest(height, m)
}

func (l *liar) SnapshotChunk(height uint64, m types.Hash, i int) ([]byte, error) {
	data, err := l.honest.SnapshotChunk(height, m, i)
	if err != nil {
		return nil, err
	}
	data = bytes.Clone(data)
	data[len(data)-1] ^= 0x55 // the last byte of a value
	l.chunks.Add(1)
	return data, nil
}

// startLiar runs a lying peer next to the honest node tn and returns its
// address.
func startLiar(t *testing.T, tn *testNode) (*liar, *p2p.Host, string) {
	t.Helper()
	h := handler{tn.n}
	offers := h.Snapshots()
	if len(offers) == 0 {
		t.Fatal("the honest node offers no snapshot")
	}
	raw, err := h.SnapshotManifest(offers[0].Height, offers[0].Manifest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := store.DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	// A newer snapshot, so it is tried first, whose first chunk is too
	// big: refused before any download.
	m.Height += 3
	m.Chunks[0].Size = store.MaxChunkSize + 1
	l := &liar{honest: h, forged: m.Encode()}
	l.forgedOffer = p2p.SnapshotOffer{Height: m.Height, Block: m.BlockHash, Manifest: m.Hash(), Chunks: len(m.Chunks), Size: m.Size()}
	cfg := p2p.Config{ChainID: tn.n.ChainID(), GenesisHash: tn.n.GenesisHash(), ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"},
		Logger: slog.New(slog.DiscardHandler)}
	host, err := p2p.New(cfg, l)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = host.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return l, host, host.Addrs()[0]
}

// A peer serving corrupted chunks and a lying manifest: the joining node
// refuses the manifest before downloading, drops the bad chunks, penalises
// the liar until it is disconnected, and syncs from the honest peers.
func TestSnapshotSyncLiar(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test")
	}
	dir := t.TempDir()
	if _, err := InitDevnet(dir, DevnetOptions{Nodes: 2, BlockTime: 200 * time.Millisecond, Now: time.Now().Add(-time.Hour),
		SnapshotInterval: 10}); err != nil {
		t.Fatal(err)
	}
	fillDevnet(t, dir, 2, 30, 200)
	if _, err := AddDevnetNode(dir); err != nil {
		t.Fatal(err)
	}
	movePorts(t, dir, 3)
	nodes := []*testNode{startNetNode(t, dir, 0), startNetNode(t, dir, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	waitAgree(t, ctx, nodes, 31)
	waitSnapshot(t, ctx, nodes[0].c, 0)
	l, liarHost, liarAddr := startLiar(t, nodes[0])

	joiner := startNetNodeWith(t, dir, 2, func(c *Config) {
		c.Sync = SyncSnapshot
		c.P2P.Bootstrap = append(c.P2P.Bootstrap, liarAddr)
	})
	all := []*testNode{nodes[0], nodes[1], joiner}
	waitAgree(t, ctx, all, nodes[0].n.Head().Height)
	if base, err := joiner.n.db.HistoryBase(); err != nil || base == 0 {
		t.Fatalf("the joiner did not restore a snapshot (history base %d, %v; fell back: %q)", base, err, joiner.n.snapSync.lastFallback())
	}
	bad, badMan := joiner.n.snapSync.counts()
	t.Logf("the liar served %d forged manifests and %d corrupted chunks; the joiner saw %d bad chunks and %d bad manifests",
		l.manifests.Load(), l.chunks.Load(), bad, badMan)
	if l.manifests.Load() == 0 || badMan == 0 {
		t.Fatal("the forged manifest was not tried")
	}
	if l.chunks.Load() == 0 || bad == 0 {
		t.Fatal("no corrupted chunk was tried")
	}
	// Penalised: disconnected and refused.
	for slices.ContainsFunc(joiner.n.net.host.Peers(), func(p p2p.PeerInfo) bool { return p.ID == liarHost.ID() }) {
		select {
		case <-ctx.Done():
			t.Fatal("the liar is still connected")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := liarHost.Connect(ctx, joiner.n.net.host.Addrs()[0]); err == nil {
		time.Sleep(200 * time.Millisecond)
		if slices.ContainsFunc(joiner.n.net.host.Peers(), func(p p2p.PeerInfo) bool { return p.ID == liarHost.ID() }) {
			t.Fatal("the liar could connect again")
		}
	}
	acc, err := joiner.c.Account(ctx, fillAddr(30*200-1), rpc.LatestBlock)
	if err != nil || amt(acc.Balance).Uint64() != 1 {
		t.Fatalf("a filled account on the joiner: %+v %v", acc, err)
	}
}

// No peer offers a snapshot: a node asked for snapshot sync says so, falls
// back to block sync and catches up.
func TestSnapshotSyncFallsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test")
	}
	defer func(d time.Duration) { snapOfferWait = d }(snapOfferWait)
	snapOfferWait = time.Second
	dir := t.TempDir()
	// The validator snapshots every 1000 blocks: it has none to offer.
	if _, err := InitDevnet(dir, DevnetOptions{Nodes: 1, BlockTime: 200 * time.Millisecond, Now: time.Now().Add(-time.Hour),
		SnapshotInterval: 1000}); err != nil {
		t.Fatal(err)
	}
	fillDevnet(t, dir, 1, 60, 20)
	for range 2 {
		if _, err := AddDevnetNode(dir); err != nil {
			t.Fatal(err)
		}
	}
	movePorts(t, dir, 3)
	nodes := []*testNode{startNetNode(t, dir, 0)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	check := func(tn *testNode) {
		t.Helper()
		if base, err := tn.n.db.HistoryBase(); base != 0 || err != nil {
			t.Fatalf("history base %d %v", base, err)
		}
		if why := tn.n.snapSync.lastFallback(); why != "no peer offers a snapshot" {
			t.Fatalf("fell back because %q", why)
		}
		if _, err := tn.c.BlockByNumber(ctx, rpc.BlockAt(1), false); err != nil {
			t.Fatalf("block 1 after block sync: %v", err)
		}
	}
	// Asked for a snapshot, and by default (far behind by its own
	// interval of 10): both fall back. One after the other, as the first
	// would offer the second a snapshot of its own.
	nodes = append(nodes, startNetNodeWith(t, dir, 1, func(c *Config) { c.Sync = SyncSnapshot }))
	waitAgree(t, ctx, nodes, 62)
	check(nodes[1])
	nodes[1].stop()
	nodes = append(nodes[:1], startNetNodeWith(t, dir, 2, func(c *Config) { c.SnapshotInterval = 10 }))
	waitAgree(t, ctx, nodes, 65)
	check(nodes[1])
}
