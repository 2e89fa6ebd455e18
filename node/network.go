package node

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/p2p"
	"github.com/noded/noded/types"
)

// netEvent is something the network hands the consensus loop.
type netEvent struct {
	peer     p2p.PeerID
	block    *types.Block
	status   *p2p.Status
	syncDone bool
}

// netState is the node's side of a devnet: the libp2p host, the consensus
// state machine (owned by the consensus loop) and what the RPC reads of it.
type netState struct {
	host      *p2p.Host
	cons      *chain.Consensus
	in        chan netEvent
	finalized atomic.Uint64
	reverted  atomic.Uint64 // blocks undone by reorgs
	txOut     chan []byte
	seen      *seenCache
}

const (
	netQueue       = 4096
	txGossipWindow = 20 * time.Millisecond
	txGossipBatch  = 1024
)

// consensusLoop runs the proof-of-authority state machine: clock ticks,
// blocks and statuses from peers in; blocks built, applied, reverted,
// published and requested out. It is the only goroutine that changes the
// head in network mode.
func (n *Node) consensusLoop(ctx context.Context) error {
	ns := n.net
	tick := time.NewTicker(max(10*time.Millisecond, time.Duration(n.genesis.SlotMillis)*time.Millisecond/10))
	defer tick.Stop()
	ns.cons.Tick(uint64(time.Now().UnixMilli()))
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			ns.cons.Tick(uint64(now.UnixMilli()))
		case ev := <-ns.in:
			switch {
			case ev.block != nil:
				_ = ns.cons.Step(chain.BlockMsg{From: string(ev.peer), Block: ev.block})
			case ev.status != nil:
				_ = ns.cons.Step(chain.PeerStatusMsg{Peer: string(ev.peer),
					Head: chain.PeerHead{Height: ev.status.Height, Hash: ev.status.Head}})
			case ev.syncDone:
				ns.cons.SyncDone(string(ev.peer))
			}
		}
		if err := n.drainReady(ctx); err != nil {
			return err
		}
	}
}

// drainReady does the work the consensus state machine asks for.
func (n *Node) drainReady(ctx context.Context) error {
	ns := n.net
	for ns.cons.HasReady() {
		rd := ns.cons.Ready()
		work := rd.Propose != nil || len(rd.Revert) > 0 || len(rd.Apply) > 0
		if p := rd.Propose; p != nil {
			blk, err := n.proposeBlock(chain.BlockSpec{Slot: p.Slot, Time: p.Time, Key: n.key})
			if err != nil {
				return err
			}
			if err := ns.cons.Step(chain.BuiltMsg{Block: blk}); err != nil {
				return fmt.Errorf("own block: %w", err)
			}
		}
		for _, h := range rd.Revert {
			if n.head.Hash() != h {
				return fmt.Errorf("consensus asked to revert %s, head is %s", h, n.head.Hash())
			}
			if err := n.revertHead(); err != nil {
				return err
			}
			if err := ns.cons.Step(chain.RevertedMsg{Hash: h}); err != nil {
				return err
			}
		}
		for _, it := range rd.Apply {
			blk := it.Block
			if blk == nil {
				var err error
				if blk, err = n.db.BlockByHash(it.Hash); err != nil {
					return fmt.Errorf("load block %s to re-apply: %w", it.Hash, err)
				}
			}
			err := n.applyBlock(blk)
			if errors.Is(err, chain.ErrFutureBlock) {
				break // not yet: the consensus plans it again later
			}
			if errors.Is(err, chain.ErrInvalidBlock) {
				n.log.Warn("invalid block", "height", blk.Header.Height, "hash", it.Hash, "from", p2p.PeerID(it.From), "err", err)
				_ = ns.cons.Step(chain.FailedMsg{Hash: it.Hash, Err: err, From: it.From})
				break
			}
			if err != nil {
				return fmt.Errorf("apply block %d: %w", blk.Header.Height, err)
			}
			if err := ns.cons.Step(chain.AppliedMsg{Hash: it.Hash}); err != nil {
				return err
			}
		}
		for _, blk := range rd.Publish {
			if err := ns.host.PublishBlock(ctx, blk.Encode()); err != nil && ctx.Err() == nil {
				n.log.Warn("publish block", "height", blk.Header.Height, "err", err)
			}
		}
		for _, req := range rd.Sync {
			go n.syncFrom(ctx, req)
		}
		for _, p := range rd.Penalize {
			ns.host.Penalize(p2p.PeerID(p), "invalid block")
		}
		if k := len(rd.Finalized); k > 0 {
			ns.finalized.Store(rd.Finalized[k-1].Height)
		}
		if work {
			if err := ns.cons.Step(chain.DoneMsg{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// proposeBlock builds a block from the mempool in our slot and commits it.
func (n *Node) proposeBlock(spec chain.BlockSpec) (*types.Block, error) {
	start := time.Now()
	parent := n.head
	blk, res, invalid, err := n.exec.BuildBlock(&parent, n.db, n.root, spec, n.pool.Pending(n.cfg.MaxBlockTxs))
	if err != nil {
		return nil, fmt.Errorf("build block %d: %w", parent.Height+1, err)
	}
	n.dropInvalid(invalid)
	if err := n.db.CommitBlock(blk, res); err != nil {
		return nil, fmt.Errorf("commit block %d: %w", blk.Header.Height, err)
	}
	if err := n.afterCommit(blk, res, start); err != nil {
		return nil, err
	}
	n.log.Info("proposed block", "height", blk.Header.Height, "slot", spec.Slot, "txs", len(blk.Txs), "hash", blk.Hash())
	return blk, nil
}

// syncFrom fetches a range of blocks from a peer and hands them to the
// consensus loop, then says the request is done.
func (n *Node) syncFrom(ctx context.Context, req chain.SyncRequest) {
	peer := p2p.PeerID(req.Peer)
	raw, err := n.net.host.RequestBlocks(ctx, peer, req.From, req.To)
	if err != nil && ctx.Err() == nil {
		n.log.Debug("block sync", "peer", peer, "from", req.From, "to", req.To, "err", err)
	}
	if len(raw) == 0 {
		pauseEmptySync(ctx)
	}
	for _, b := range raw {
		blk, err := types.DecodeBlock(b)
		if err != nil {
			n.net.host.Penalize(peer, "malformed block in sync")
			break
		}
		if !n.toLoop(ctx, netEvent{peer: peer, block: blk}) {
			return
		}
	}
	n.toLoop(ctx, netEvent{peer: peer, syncDone: true})
}

func (n *Node) toLoop(ctx context.Context, ev netEvent) bool {
	select {
	case n.net.in <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// gossipTxs batches transactions accepted over RPC and publishes them.
func (n *Node) gossipTxs(ctx context.Context) {
	var batch [][]byte
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := n.net.host.PublishTxs(ctx, batch); err != nil && ctx.Err() == nil {
			n.log.Warn("publish transactions", "n", len(batch), "err", err)
		}
		batch = nil
	}
	for {
		select {
		case <-ctx.Done():
			return
		case raw := <-n.net.txOut:
			if len(batch) == 0 {
				timer.Reset(txGossipWindow)
			}
			batch = append(batch, raw)
			if len(batch) >= txGossipBatch {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// announceTx queues a transaction accepted over RPC for gossip.
func (n *Node) announceTx(tx *types.Tx) {
	if n.net == nil {
		return
	}
	select {
	case n.net.txOut <- tx.Encode():
	default:
		n.log.Warn("transaction gossip queue full; the transaction stays local until a block includes it")
	}
}

// handler is the node's p2p.Handler.
type handler struct{ n *Node }

var _ p2p.Handler = handler{}

func (h handler) Status() p2p.Status {
	head := h.n.Head()
	return p2p.Status{ChainID: h.n.genesis.ChainID, Genesis: h.n.genHash, Height: head.Height, Head: head.Hash(),
		Finalized: h.n.net.finalized.Load()}
}

// CheckBlock runs the cheap checks: decoding, the proposer's signature and
// slot, and whether the block is new and near our head.
func (h handler) CheckBlock(from p2p.PeerID, data []byte) p2p.Verdict {
	blk, err := types.DecodeBlock(data)
	if err != nil {
		return p2p.Reject
	}
	hdr := &blk.Header
	hash := hdr.Hash()
	if h.n.net.seen.has(hash) {
		return p2p.Ignore
	}
	cfg := h.n.exec.Config()
	if cfg.Proposer(hdr.Slot) != hdr.Proposer || !hdr.VerifySig() {
		return p2p.Reject
	}
	head := h.n.Head()
	if hdr.Height <= h.n.net.finalized.Load() || hdr.Height > head.Height+maxBlocksAhead {
		return p2p.Ignore
	}
	if hdr.Time > uint64(time.Now().UnixMilli())+chain.MaxClockDriftMillis {
		return p2p.Ignore
	}
	h.n.net.seen.add(hash)
	return p2p.Accept
}

// maxBlocksAhead is how far above our head a gossiped block may be; beyond
// it, block sync fetches the chain in order.
const maxBlocksAhead = 256

func (h handler) HandleBlock(from p2p.PeerID, data []byte) {
	blk, err := types.DecodeBlock(data)
	if err != nil {
		return
	}
	select {
	case h.n.net.in <- netEvent{peer: from, block: blk}:
	default:
		h.n.log.Warn("block queue full; dropping a gossiped block (sync will fetch it)", "height", blk.Header.Height)
	}
}

// CheckTxs decodes a batch and verifies its signatures in one batch.
func (h handler) CheckTxs(from p2p.PeerID, raw [][]byte) p2p.Verdict {
	items := make([]crypto.SigItem, 0, len(raw))
	fresh := false
	for _, b := range raw {
		tx, err := types.DecodeTx(b)
		if err != nil || tx.CheckBasic() != nil || tx.ChainID != h.n.genesis.ChainID {
			return p2p.Reject
		}
		hash := tx.Hash()
		if _, ok := h.n.pool.Get(hash); !ok {
			fresh = true
		}
		items = append(items, tx.SigItem(hash))
	}
	for _, ok := range crypto.VerifyBatchCached(items, 1, crand.Reader, h.n.keys) {
		if !ok {
			return p2p.Reject
		}
	}
	if !fresh {
		return p2p.Ignore
	}
	return p2p.Accept
}

// HandleTxs adds a checked batch to the mempool; the signatures were
// verified by CheckTxs.
func (h handler) HandleTxs(from p2p.PeerID, raw [][]byte) {
	for _, b := range raw {
		tx, err := types.DecodeTx(b)
		if err != nil {
			continue
		}
		_, _ = h.n.pool.Add(tx, tx.Hash(), len(b), h.n.db)
	}
}

func (h handler) Blocks(from, to uint64) ([][]byte, error) {
	head := h.n.Head().Height
	var out [][]byte
	for height := from; height <= to && height <= head; height++ {
		blk, err := h.n.db.BlockByHeight(height)
		if err != nil {
			return out, err
		}
		out = append(out, blk.Encode())
	}
	return out, nil
}

func (h handler) PeerStatus(from p2p.PeerID, st p2p.Status) {
	select {
	case h.n.net.in <- netEvent{peer: from, status: &st}:
	default:
	}
}

// seenCache remembers recent block hashes so that duplicates are ignored
// cheaply; it forgets the older half when full.
type seenCache struct {
	mu       sync.Mutex
	cur, old map[types.Hash]struct{}
}

const seenCacheSize = 4096

func newSeenCache() *seenCache {
	return &seenCache{cur: map[types.Hash]struct{}{}, old: map[types.Hash]struct{}{}}
}

func (s *seenCache) has(h types.Hash) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, a := s.cur[h]
	_, b := s.old[h]
	return a || b
}

func (s *seenCache) add(h types.Hash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cur) >= seenCacheSize {
		s.old, s.cur = s.cur, map[types.Hash]struct{}{}
	}
	s.cur[h] = struct{}{}
}
