package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noded/noded/p2p"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// State snapshots (this node's side; snapshot_sync.go is the joiner's).
//
// Every Config.SnapshotInterval blocks the node takes a snapshot of the
// state after the block at that height: a pebble snapshot held open
// (store.StateView), so the chain keeps committing and nothing is copied.
// A goroutine builds its manifest (one scan of the state); the newest
// Config.SnapshotKeep are kept and the older ones released. After a
// restart the node takes again the snapshots it can still read (those
// within the store's undo records). Peers are offered the snapshots whose
// block is final and still canonical; a chunk is encoded from the view when
// a peer asks for it.

// Defaults of the snapshot settings.
const (
	DefaultSnapshotInterval = 100
	DefaultSnapshotKeep     = 3
)

// snapshotService takes, keeps and serves the node's snapshots.
type snapshotService struct {
	db       *store.DB
	log      *slog.Logger
	interval uint64
	keep     int
	opts     store.ManifestOptions

	// latest is the newest head at an interval height, from the heads
	// feed; kick says it changed. While the node catches up (or a big
	// state takes long to scan) the heights in between are skipped.
	latest atomic.Pointer[types.Header]
	kick   chan struct{}
	taken  atomic.Uint64 // snapshots built (noded_snapshots_taken_total)

	mu    sync.Mutex
	snaps []*localSnapshot // ready ones, newest first
}

// localSnapshot is one snapshot this node keeps. Readers hold a reference
// while they read its view; a dropped snapshot's view is closed when the
// last reference goes.
type localSnapshot struct {
	m     *store.Manifest
	hash  types.Hash // m.Hash()
	enc   []byte     // m.Encode()
	view  *store.StateView
	taken time.Time
	took  time.Duration

	refs    int  // guarded by snapshotService.mu
	dropped bool // guarded by snapshotService.mu
}

func newSnapshotService(n *Node) *snapshotService {
	return &snapshotService{
		db:       n.db,
		log:      n.log.With("component", "snapshots"),
		interval: n.cfg.SnapshotInterval,
		keep:     n.cfg.SnapshotKeep,
		kick:     make(chan struct{}, 1),
	}
}

// run takes the snapshots until ctx is done, then releases them all.
func (s *snapshotService) run(ctx context.Context, heads *headFeed) {
	defer s.closeAll()
	cancel := heads.subscribe(func(h types.Header) {
		if h.Height > 0 && h.Height%s.interval == 0 {
			s.latest.Store(&h)
			select {
			case s.kick <- struct{}{}:
			default:
			}
		}
	})
	defer cancel()
	s.retake(ctx)
	var (
		next  time.Time   // no snapshot before this
		timer *time.Timer // set while a kick waits for next
		fire  <-chan time.Time
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
			if wait := time.Until(next); wait > 0 {
				if timer == nil {
					timer = time.NewTimer(wait)
					fire = timer.C
				}
				continue
			}
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
			timer, fire = nil, nil
		}
		h := s.latest.Load()
		start := time.Now()
		if err := s.takeAt(ctx, h.Height); err != nil && ctx.Err() == nil {
			s.log.Warn("snapshot not taken", "height", h.Height, "err", err)
		}
		// Blocks on demand under load reach an interval height several
		// times a second: snapshots take at most 1/snapshotDuty of a
		// core, skipping heights (to the newest) when they come faster.
		next = time.Now().Add(time.Since(start) * (snapshotDuty - 1))
	}
}

// snapshotDuty: a snapshot that took d waits (snapshotDuty-1)*d before the
// next one.
const snapshotDuty = 10

// retake takes again, newest first, the snapshots of the interval heights
// the store can still read after a restart.
func (s *snapshotService) retake(ctx context.Context) {
	head, err := s.db.Head()
	if err != nil {
		return
	}
	for k, n := head.Height/s.interval, 0; k >= 1 && n < s.keep && ctx.Err() == nil; k, n = k-1, n+1 {
		err := s.takeAt(ctx, k*s.interval)
		if errors.Is(err, store.ErrStateUnavailable) || errors.Is(err, store.ErrRestoring) {
			return
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("snapshot not taken", "height", k*s.interval, "err", err)
		}
	}
}

// takeAt snapshots the state after the canonical block at height and
// builds its manifest.
func (s *snapshotService) takeAt(ctx context.Context, height uint64) error {
	start := time.Now()
	v, err := s.db.StateAt(height)
	if err != nil {
		return err
	}
	hdr := v.Header()
	hash := hdr.Hash()
	s.mu.Lock()
	for _, ls := range s.snaps {
		if ls.m.Height == height && ls.m.BlockHash == hash {
			s.mu.Unlock()
			v.Close()
			return nil
		}
	}
	s.mu.Unlock()
	m, err := v.BuildManifest(ctx, s.opts)
	if err != nil {
		v.Close()
		return err
	}
	ls := &localSnapshot{m: m, hash: m.Hash(), enc: m.Encode(), view: v, taken: start, took: time.Since(start)}
	s.mu.Lock()
	// Newest first; a snapshot of another block at the same height (after
	// a reorg) replaces the old one.
	s.snaps = slices.DeleteFunc(s.snaps, func(o *localSnapshot) bool {
		if o.m.Height == height {
			s.dropLocked(o)
			return true
		}
		return false
	})
	i, _ := slices.BinarySearchFunc(s.snaps, height, func(o *localSnapshot, h uint64) int {
		switch {
		case o.m.Height > h:
			return -1
		case o.m.Height < h:
			return 1
		}
		return 0
	})
	s.snaps = slices.Insert(s.snaps, i, ls)
	for len(s.snaps) > s.keep {
		s.dropLocked(s.snaps[len(s.snaps)-1])
		s.snaps = s.snaps[:len(s.snaps)-1]
	}
	s.mu.Unlock()
	s.taken.Add(1)
	s.log.Info("snapshot taken", "height", height, "hash", hash, "chunks", len(m.Chunks), "entries", m.Entries(),
		"bytes", m.Size(), "took", ls.took.Round(time.Millisecond))
	return nil
}

// dropLocked releases ls once nobody reads it. The caller holds s.mu.
func (s *snapshotService) dropLocked(ls *localSnapshot) {
	ls.dropped = true
	if ls.refs == 0 {
		ls.view.Close()
	}
}

func (s *snapshotService) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ls := range s.snaps {
		s.dropLocked(ls)
	}
	s.snaps = nil
}

// list returns the kept snapshots, newest first.
func (s *snapshotService) list() []*localSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.snaps)
}

// acquire returns the kept snapshot at height with manifest hash, and the
// function that releases it.
func (s *snapshotService) acquire(height uint64, hash types.Hash) (*localSnapshot, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ls := range s.snaps {
		if ls.m.Height == height && ls.hash == hash {
			ls.refs++
			return ls, func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				ls.refs--
				if ls.refs == 0 && ls.dropped {
					ls.view.Close()
				}
			}, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: no snapshot at height %d with manifest %s", p2p.ErrSnapshotUnavailable, height, hash)
}

// Serving snapshots to peers: the p2p host calls these on the node's
// Handler.

var _ p2p.SnapshotHandler = handler{}

// Snapshots offers the kept snapshots whose block is final and canonical.
func (h handler) Snapshots() []p2p.SnapshotOffer {
	n := h.n
	if n.snaps == nil {
		return nil
	}
	var out []p2p.SnapshotOffer
	for _, ls := range n.snaps.list() {
		if !n.servable(ls) {
			continue
		}
		out = append(out, p2p.SnapshotOffer{Height: ls.m.Height, Block: ls.m.BlockHash, Manifest: ls.hash,
			Chunks: len(ls.m.Chunks), Size: ls.m.Size()})
	}
	return out
}

// servable reports whether ls may be offered to peers: its block is final
// (a joining node starts from it as from a final block) and still the
// canonical block at its height.
func (n *Node) servable(ls *localSnapshot) bool {
	if n.net != nil && ls.m.Height > n.net.finalized.Load() {
		return false
	}
	hash, err := n.db.HashByHeight(ls.m.Height)
	return err == nil && hash == ls.m.BlockHash
}

func (h handler) SnapshotManifest(height uint64, hash types.Hash) ([]byte, error) {
	if h.n.snaps == nil {
		return nil, p2p.ErrSnapshotUnavailable
	}
	ls, release, err := h.n.snaps.acquire(height, hash)
	if err != nil {
		return nil, err
	}
	defer release()
	if !h.n.servable(ls) {
		return nil, fmt.Errorf("%w: snapshot %d is not final or not canonical", p2p.ErrSnapshotUnavailable, height)
	}
	return ls.enc, nil
}

func (h handler) SnapshotChunk(height uint64, hash types.Hash, index int) ([]byte, error) {
	if h.n.snaps == nil {
		return nil, p2p.ErrSnapshotUnavailable
	}
	ls, release, err := h.n.snaps.acquire(height, hash)
	if err != nil {
		return nil, err
	}
	defer release()
	if index < 0 || index >= len(ls.m.Chunks) {
		return nil, fmt.Errorf("snapshot %d has %d chunks, not %d", height, len(ls.m.Chunks), index+1)
	}
	return ls.view.Chunk(nil, ls.m.Chunks[index])
}
