package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/p2p"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// Snapshot sync: how a network node with no blocks beyond the genesis joins
// from a peer's state snapshot instead of replaying every block.
//
//  1. Decide. SyncBlock never restores. SyncSnapshot restores whenever the
//     node has no blocks beyond the genesis; SyncAuto (the default) only
//     when the best peer is more than two snapshot intervals ahead. A
//     restore interrupted by a crash or a stop is always taken up again
//     (SyncBlock gives it up and puts the genesis state back).
//  2. Find. Ask every connected peer which snapshots it offers; group the
//     offers by manifest hash and try the newest first, the most offered
//     first among equals, and the one being resumed before any other.
//  3. Verify the manifest before downloading anything: it decodes within
//     the bounds (store.DecodeManifest: chunk count and sizes, bucket
//     digests whose Merkle root is its state root), its hash is the one
//     offered, and the block at its height, fetched with block sync, has
//     its hash and state root, a transaction root that matches its body and
//     the signature of its slot's proposer among the genesis validators. A
//     peer whose manifest or block fails is penalised and not asked again.
//  4. Download the chunks from every peer that offered the snapshot, a few
//     requests per peer at once; verify each on arrival against the bucket
//     digests (store.VerifyChunk) and write it (store.DB.RestoreChunk). A
//     bad chunk is dropped, its sender penalised (p2p bans a peer after
//     three penalties) and the chunk fetched from another peer; after
//     maxBadChunks bad chunks the peer is no longer asked.
//  5. Finish: the snapshot's block becomes the head (store.FinishRestore,
//     which checks the buckets against the signed state root) and the
//     consensus starts from it as its final anchor; block sync fetches the
//     rest.
//
// When no peer offers a snapshot within the wait, or every snapshot offered
// fails, the node says so and falls back to block sync from the genesis.

// SyncMode says how a network node with no blocks beyond the genesis
// catches up.
type SyncMode string

// Sync modes.
const (
	// SyncAuto restores a snapshot when the best peer is more than two
	// snapshot intervals ahead, and syncs blocks otherwise.
	SyncAuto SyncMode = "auto"
	// SyncSnapshot restores a snapshot, falling back to block sync if no
	// peer offers a usable one.
	SyncSnapshot SyncMode = "snapshot"
	// SyncBlock replays every block from the genesis.
	SyncBlock SyncMode = "block"
)

// ParseSyncMode parses "auto", "snapshot" or "block".
func ParseSyncMode(s string) (SyncMode, error) {
	switch m := SyncMode(s); m {
	case SyncAuto, SyncSnapshot, SyncBlock:
		return m, nil
	}
	return "", fmt.Errorf("sync mode %q: want auto, snapshot or block", s)
}

func (c *Config) validateSnapshots() error {
	if _, err := ParseSyncMode(string(c.Sync)); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if c.SnapshotKeep < 1 || c.SnapshotKeep > p2p.MaxSnapshotOffers {
		return fmt.Errorf("node: snapshots kept must be 1-%d, got %d", p2p.MaxSnapshotOffers, c.SnapshotKeep)
	}
	return nil
}

// snapOfferWait is how long a node asked to restore a snapshot looks for
// offers before it falls back to block sync (a variable for tests).
var snapOfferWait = 20 * time.Second

// Tuning of snapshot sync.
const (
	// snapPeerWait: how long a node asked for a snapshot (or resuming a
	// restore) waits for peers; snapAutoPeerWait: how long a node in
	// SyncAuto waits before it starts the consensus without them (a lone
	// validator of a new devnet must not wait long).
	snapPeerWait     = 15 * time.Second
	snapAutoPeerWait = 2 * time.Second
	// snapPerPeer chunk requests at once per peer, at least; with few
	// peers, more, up to snapInFlight in all.
	snapPerPeer  = 2
	snapInFlight = 8
	// maxBadChunks bad chunks and a peer is no longer asked;
	// maxPeerErrors failed requests in a row likewise.
	maxBadChunks  = 3
	maxPeerErrors = 5
	// snapLogEvery is the interval of progress lines in the log.
	snapLogEvery = 2 * time.Second
	// snapEndgame: once no chunk is left to hand out, a chunk another
	// peer has been fetching for this long is fetched again.
	snapEndgame = 3 * time.Second
)

// errNoSnapshot: no usable snapshot; the node falls back to block sync.
var errNoSnapshot = errors.New("no usable snapshot")

// syncThenConsensus is the network node's main loop: a snapshot restore
// first if one is called for, then the consensus.
func (n *Node) syncThenConsensus(ctx context.Context) error {
	if err := n.snapshotSync(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	return n.consensusLoop(ctx)
}

// loadRoot returns the state root's buckets at the head; during a restore
// (interrupted before this start) the state is incomplete and the head is
// still the genesis, whose root it returns.
func (n *Node) loadRoot() (*chain.Root, error) {
	st, ok := n.db.Restoring()
	if !ok {
		return n.db.LoadRoot()
	}
	if n.cfg.Dev {
		return nil, fmt.Errorf("%w: the database holds a half-restored snapshot of block %d; a dev chain cannot restore one (delete %s)",
			store.ErrRestoring, st.Height, n.cfg.dataDir())
	}
	n.log.Warn("a snapshot restore was interrupted; it resumes, or starts again, once peers are found", "height", st.Height)
	_, res, err := n.genesis.Block()
	if err != nil {
		return nil, err
	}
	root := chain.NewRoot()
	root.Apply(res.Buckets)
	return root, nil
}

// snapshotSync restores a snapshot from peers if the node should; it
// returns nil when the node is ready for the consensus (restored, or
// falling back to block sync) and an error only for a local failure.
func (n *Node) snapshotSync(ctx context.Context) error {
	resume, resuming := n.db.Restoring()
	mode := n.cfg.Sync
	switch {
	case resuming && mode == SyncBlock:
		return n.abandonRestore("block sync was asked for")
	case resuming:
	case mode == SyncBlock:
		return nil
	case n.head.Height > 0:
		if mode == SyncSnapshot {
			n.log.Info("snapshot sync is for a node without blocks; this one has some, so it syncs blocks", "head", n.head.Height)
		}
		return nil
	}
	wait := snapPeerWait
	if mode == SyncAuto && !resuming {
		wait = snapAutoPeerWait
	}
	best, err := n.waitPeers(ctx, wait)
	if err != nil {
		return err
	}
	if mode == SyncAuto && !resuming && best <= n.head.Height+2*n.cfg.SnapshotInterval {
		if best > n.head.Height {
			n.log.Info("syncing blocks: no peer is more than two snapshot intervals ahead", "best_peer", best)
		}
		return nil
	}
	prog := n.snapSync
	prog.begin()
	defer prog.end()
	n.log.Info("looking for a state snapshot", "best_peer", best, "resuming", resuming)
	deadline := time.Now().Add(snapOfferWait)
	offered := false
	for {
		cands := n.findSnapshots(ctx, resume.Manifest)
		for _, c := range cands {
			err := n.restoreSnapshot(ctx, c)
			if err == nil {
				return nil
			}
			if !errors.Is(err, errNoSnapshot) {
				return err
			}
			n.log.Warn("snapshot not restored", "height", c.offer.Height, "err", err)
		}
		offered = offered || len(cands) > 0
		// A node asked for a snapshot waits a while for one (peers may
		// be about to take one, or a snapshot may have been dropped while
		// it was being fetched); otherwise it waits only if some were
		// offered.
		if time.Now().After(deadline) || (mode == SyncAuto && !resuming && !offered) {
			if offered {
				return n.fallBack("every snapshot offered failed")
			}
			return n.fallBack("no peer offers a snapshot")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// waitPeers waits until a peer's status is known (or wait passes) and
// returns the highest peer head.
func (n *Node) waitPeers(ctx context.Context, wait time.Duration) (uint64, error) {
	deadline := time.Now().Add(wait)
	for {
		if ps := n.net.host.BestPeers(); len(ps) > 0 {
			// Give the other connected peers a moment to report too.
			for wait := time.Now().Add(time.Second); time.Now().Before(wait); {
				if len(n.net.host.BestPeers()) >= len(n.net.host.Peers()) {
					break
				}
				select {
				case <-ctx.Done():
					return 0, ctx.Err()
				case <-time.After(20 * time.Millisecond):
				}
			}
			return n.net.host.BestPeers()[0].Status.Height, nil
		}
		if time.Now().After(deadline) {
			return 0, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// fallBack gives up snapshot sync and says so.
func (n *Node) fallBack(reason string) error {
	n.log.Warn("snapshot sync: "+reason+"; falling back to block sync from the genesis", "head", n.head.Height)
	n.snapSync.fellBack(reason)
	if _, ok := n.db.Restoring(); ok {
		return n.abandonRestore(reason)
	}
	return nil
}

// abandonRestore puts the genesis state back.
func (n *Node) abandonRestore(reason string) error {
	blk, res, err := n.genesis.Block()
	if err != nil {
		return err
	}
	if err := n.db.AbortRestore(blk, res); err != nil {
		return fmt.Errorf("abandon the snapshot restore: %w", err)
	}
	root, err := n.db.LoadRoot()
	if err != nil {
		return err
	}
	n.root = root
	n.log.Info("snapshot restore abandoned; back to the genesis state", "reason", reason)
	return nil
}

// snapCandidate is a snapshot and the peers that offer it.
type snapCandidate struct {
	offer p2p.SnapshotOffer
	peers []p2p.PeerID
}

// findSnapshots asks every connected peer for its offers and returns the
// snapshots to try, best first.
func (n *Node) findSnapshots(ctx context.Context, resume types.Hash) []*snapCandidate {
	peers := n.net.host.Peers()
	offers := make([][]p2p.SnapshotOffer, len(peers))
	var wg sync.WaitGroup
	for i, p := range peers {
		wg.Go(func() {
			octx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			o, err := n.net.host.SnapshotOffers(octx, p.ID)
			if err != nil {
				n.log.Debug("snapshot offers", "peer", p.ID, "err", err)
			}
			offers[i] = o
		})
	}
	wg.Wait()
	byHash := map[types.Hash]*snapCandidate{}
	var out []*snapCandidate
	for i, os := range offers {
		for _, o := range os {
			if o.Height == 0 || o.Height <= n.head.Height {
				continue
			}
			c := byHash[o.Manifest]
			if c == nil {
				c = &snapCandidate{offer: o}
				byHash[o.Manifest] = c
				out = append(out, c)
			}
			if o == c.offer && !slices.Contains(c.peers, peers[i].ID) {
				c.peers = append(c.peers, peers[i].ID)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *snapCandidate) int {
		switch {
		case (a.offer.Manifest == resume) != (b.offer.Manifest == resume):
			if a.offer.Manifest == resume {
				return -1
			}
			return 1
		case a.offer.Height != b.offer.Height:
			if a.offer.Height > b.offer.Height {
				return -1
			}
			return 1
		}
		return len(b.peers) - len(a.peers)
	})
	return out
}

// restoreSnapshot restores c. It returns errNoSnapshot (wrapped) if c
// cannot be had from its peers, another error for a local failure.
func (n *Node) restoreSnapshot(ctx context.Context, c *snapCandidate) error {
	prog := n.snapSync
	m, blk, peers := n.fetchManifest(ctx, c)
	if m == nil {
		return fmt.Errorf("%w: no peer served a valid manifest and block", errNoSnapshot)
	}
	done, err := n.db.BeginRestore(m)
	if err != nil {
		return fmt.Errorf("begin the snapshot restore: %w", err)
	}
	left := 0
	for _, d := range done {
		if !d {
			left++
		}
	}
	n.log.Info("restoring snapshot", "height", m.Height, "hash", m.BlockHash, "chunks", len(m.Chunks),
		"left", left, "entries", m.Entries(), "bytes", m.Size(), "peers", len(peers))
	prog.start(m, done, len(peers))
	if err := n.downloadChunks(ctx, m, peers, done); err != nil {
		return err
	}
	if err := n.db.FinishRestore(blk); err != nil {
		if errors.Is(err, store.ErrRestoreIncomplete) {
			// Every chunk matched its bucket digest, so this is a store
			// failure rather than a lie; begin afresh next time.
			return fmt.Errorf("%w: %v", errNoSnapshot, err)
		}
		return fmt.Errorf("finish the snapshot restore: %w", err)
	}
	took := prog.finish()
	n.log.Info("snapshot restored", "height", m.Height, "hash", m.BlockHash, "entries", m.Entries(), "bytes", m.Size(),
		"took", took.Round(time.Millisecond), "MB/s", fmt.Sprintf("%.1f", float64(m.Size())/1e6/took.Seconds()))
	return n.afterRestore(blk)
}

// fetchManifest gets and verifies c's manifest and block from one of its
// peers, penalising those that lie; it returns the peers left.
func (n *Node) fetchManifest(ctx context.Context, c *snapCandidate) (*store.Manifest, *types.Block, []p2p.PeerID) {
	peers := slices.Clone(c.peers)
	var m *store.Manifest
	for len(peers) > 0 && ctx.Err() == nil {
		p := peers[0]
		got, blame, err := n.fetchManifestFrom(ctx, p, c.offer, m)
		if err == nil {
			if m == nil {
				m = got.m
			}
			return m, got.blk, peers
		}
		peers = peers[1:]
		if blame {
			n.net.host.Penalize(p, "lying snapshot manifest")
			n.snapSync.badManifest()
			n.log.Warn("peer offered an invalid snapshot", "peer", p, "height", c.offer.Height, "err", err)
		} else {
			n.log.Debug("snapshot manifest", "peer", p, "err", err)
		}
		if blame && errors.Is(err, store.ErrBadManifest) && m == nil {
			// The manifest is named by its hash: whoever offers that hash
			// offers the same invalid manifest.
			return nil, nil, nil
		}
	}
	return nil, nil, nil
}

type manifestAndBlock struct {
	m   *store.Manifest
	blk *types.Block
}

// fetchManifestFrom fetches the manifest (unless have is already verified)
// and the block of offer from p and verifies them; blame says whether a
// failure proves p lied.
func (n *Node) fetchManifestFrom(ctx context.Context, p p2p.PeerID, offer p2p.SnapshotOffer, have *store.Manifest) (*manifestAndBlock, bool, error) {
	m := have
	if m == nil {
		raw, err := n.net.host.SnapshotManifest(ctx, p, offer.Height, offer.Manifest)
		if err != nil {
			return nil, errors.Is(err, p2p.ErrMalformed), err
		}
		if m, err = store.DecodeManifest(raw); err != nil {
			return nil, true, err
		}
		if m.Hash() != offer.Manifest || m.Height != offer.Height || m.BlockHash != offer.Block {
			return nil, true, fmt.Errorf("manifest of block %d %s does not match the offer", m.Height, m.BlockHash)
		}
	}
	raw, err := n.net.host.RequestBlocks(ctx, p, m.Height, m.Height)
	if err != nil {
		return nil, false, err
	}
	if len(raw) != 1 {
		return nil, true, fmt.Errorf("offered a snapshot of block %d but does not serve the block", m.Height)
	}
	blk, err := types.DecodeBlock(raw[0])
	if err != nil {
		return nil, true, err
	}
	if err := checkSnapshotBlock(n.exec.Config(), m, blk); err != nil {
		return nil, true, err
	}
	return &manifestAndBlock{m: m, blk: blk}, false, nil
}

// checkSnapshotBlock checks that blk is the signed block of the snapshot m:
// its hash, height and state root, its transaction root against its body,
// and the signature of its slot's proposer among the genesis validators.
func checkSnapshotBlock(cfg *chain.Config, m *store.Manifest, blk *types.Block) error {
	h := &blk.Header
	if blk.Hash() != m.BlockHash || h.Height != m.Height || h.StateRoot != m.StateRoot {
		return fmt.Errorf("block %d %s (state root %s) is not the snapshot's block %d %s (state root %s)",
			h.Height, blk.Hash(), h.StateRoot, m.Height, m.BlockHash, m.StateRoot)
	}
	hashes := make([]types.Hash, len(blk.Txs))
	for i, tx := range blk.Txs {
		hashes[i] = tx.Hash()
	}
	if types.TxRoot(hashes) != h.TxRoot {
		return fmt.Errorf("block %d: transactions do not match the header's root", h.Height)
	}
	if cfg.Proposer(h.Slot) != h.Proposer || !h.VerifySig() {
		return fmt.Errorf("block %d is not signed by the proposer of slot %d among the genesis validators", h.Height, h.Slot)
	}
	return nil
}

// afterRestore makes the restored block the node's head and starts the
// consensus from it, as from a final block.
func (n *Node) afterRestore(blk *types.Block) error {
	root, err := n.db.LoadRoot()
	if err != nil {
		return err
	}
	head := blk.Header
	cons, err := chain.NewConsensus(n.exec.Config(), n.key.Public(), head, nil)
	if err != nil {
		return err
	}
	n.root = root
	n.mu.Lock()
	n.head = head
	n.mu.Unlock()
	n.net.cons = cons
	n.net.finalized.Store(head.Height)
	for _, p := range n.net.host.BestPeers() {
		_ = cons.Step(chain.PeerStatusMsg{Peer: string(p.ID), Head: chain.PeerHead{Height: p.Status.Height, Hash: p.Status.Head}})
	}
	n.metrics.height.Set(float64(head.Height))
	n.heads.publish(head)
	return nil
}

// downloadChunks fetches, verifies and writes the chunks of m not done yet
// from peers. It returns errNoSnapshot (wrapped) if the peers cannot
// provide them all.
func (n *Node) downloadChunks(ctx context.Context, m *store.Manifest, peers []p2p.PeerID, done []bool) error {
	q := newChunkQueue(len(m.Chunks), done, peers, snapEndgame)
	defer context.AfterFunc(ctx, q.stop)()
	per := max(snapPerPeer, snapInFlight/max(1, len(peers)))
	hash := m.Hash()
	stop := make(chan struct{})
	defer close(stop)
	go n.logProgress(stop)
	go func() {
		t := time.NewTicker(snapEndgame / 2)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				q.poke()
			}
		}
	}()
	var wg sync.WaitGroup
	for _, p := range peers {
		for range per {
			wg.Go(func() { n.chunkWorker(ctx, q, m, hash, p) })
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return q.result()
}

// chunkWorker fetches chunks from peer p until none is left for it.
func (n *Node) chunkWorker(ctx context.Context, q *chunkQueue, m *store.Manifest, hash types.Hash, p p2p.PeerID) {
	for ctx.Err() == nil {
		i, ok := q.next(p)
		if !ok {
			return
		}
		info := m.Chunks[i]
		data, err := n.net.host.SnapshotChunk(ctx, p, m.Height, hash, i, int(info.Size))
		if err != nil {
			if ctx.Err() != nil {
				q.release(i, p)
				return
			}
			if errors.Is(err, p2p.ErrMalformed) {
				n.badChunk(q, i, p, err)
				continue
			}
			fails := q.failed(i, p)
			n.log.Debug("snapshot chunk request failed", "peer", p, "chunk", i, "err", err, "failures", fails)
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(fails) * 100 * time.Millisecond):
			}
			continue
		}
		c, err := store.VerifyChunk(m, i, data)
		if err != nil {
			n.badChunk(q, i, p, err)
			continue
		}
		if !q.claim(i, p) {
			continue // another peer's copy won
		}
		if err := n.db.RestoreChunk(m, c); err != nil {
			q.fatal(fmt.Errorf("write snapshot chunk %d: %w", i, err))
			return
		}
		q.done(i, p)
		n.snapSync.chunkDone(int(info.Size))
	}
}

// badChunk drops a chunk that failed verification and penalises its
// sender.
func (n *Node) badChunk(q *chunkQueue, i int, p p2p.PeerID, err error) {
	n.net.host.Penalize(p, "bad snapshot chunk")
	n.snapSync.badChunk()
	if bad := q.bad(i, p); bad >= maxBadChunks {
		n.log.Warn("peer sent bad snapshot chunks; not asking it again", "peer", p, "bad", bad, "err", err)
	} else {
		n.log.Warn("bad snapshot chunk; fetching it elsewhere", "peer", p, "chunk", i, "err", err)
	}
}

// logProgress logs the restore's progress until done is closed.
func (n *Node) logProgress(done <-chan struct{}) {
	t := time.NewTicker(snapLogEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			s := n.snapSync.status()
			if s == nil {
				continue
			}
			n.log.Info("snapshot sync", "height", s.Height, "chunks", fmt.Sprintf("%d/%d", s.ChunksDone, s.Chunks),
				"MB", fmt.Sprintf("%.1f/%.1f", float64(s.BytesDone)/1e6, float64(s.Bytes)/1e6),
				"MB/s", fmt.Sprintf("%.1f", s.BytesPerSec/1e6), "eta", time.Duration(s.ETASeconds*float64(time.Second)).Round(time.Second),
				"peers", s.Peers)
		}
	}
}

// emptySyncPause is how long a block sync request that brought nothing
// holds its peer before the consensus may ask it again. A peer restored
// from a snapshot has no blocks below it and answers such requests at
// once; without the pause a node syncing from the genesis would ask it in
// a loop.
const emptySyncPause = time.Second

func pauseEmptySync(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(emptySyncPause):
	}
}
