package chain

import (
	"errors"
	"fmt"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Consensus is one node's proof-of-authority state machine, in the shape
// of etcd raft: blocks from peers, clock ticks and the results of the
// node's own work come in through Step and Tick; what to do next comes out
// of Ready. It does no I/O, runs no goroutines and reads no clock, so a
// test can drive many nodes with a fake network and a manual clock.
//
// The node's loop:
//
//	c.Tick(now) / c.Step(msg)
//	rd := c.Ready()
//	// build a block if rd.Propose; revert rd.Revert, apply rd.Apply
//	// (executing each); publish rd.Publish; ask rd.Sync's peer for blocks
//	// and report each outcome with Step(Built / Applied / Failed)
type Consensus struct {
	cfg  *Config
	fc   *ForkChoice
	self crypto.PublicKey // our validator key; zero if we do not propose

	bodies  map[types.Hash]*types.Block // known blocks not yet applied
	origin  map[types.Hash]string       // who sent each of them
	orphans map[types.Hash][]orphan     // by missing parent hash
	peers   map[string]PeerHead         // last known head of each peer
	now     uint64                      // last tick, unix ms
	lastOwn uint64                      // last slot we proposed in
	busy    bool                        // a Ready's work is outstanding
	pending Ready                       // accumulated since the last Ready
	synced  map[string]uint64           // sync requests in flight: peer -> from height
}

type orphan struct {
	from string
	blk  *types.Block
}

// PeerHead is what a peer said its head is.
type PeerHead struct {
	Height uint64
	Hash   types.Hash
}

// Limits of the consensus state machine's memory.
const (
	maxOrphans   = 1024
	syncBatch    = 64
	maxSyncAhead = 100_000
)

// Ready is the work the node must do next.
type Ready struct {
	// Propose, if set, asks the node to build a block on Head in this slot
	// and time, then report it with Step(Built).
	Propose *Proposal
	// Revert lists canonical blocks to undo, head first; Apply the blocks
	// to execute after that, oldest first. Report each reverted block with
	// Step(Reverted) and each applied one with Step(Applied) or
	// Step(Failed); stop at the first failure.
	Revert []types.Hash
	Apply  []ApplyItem
	// Publish lists blocks to gossip.
	Publish []*types.Block
	// Sync lists block ranges to request from peers.
	Sync []SyncRequest
	// Penalize lists peers that sent blocks with invalid headers (bad
	// signature, wrong proposer): what a relay can check itself.
	Penalize []string
	// Finalized lists blocks that became final, oldest first.
	Finalized []types.Header
}

// ApplyItem is a block to execute. Block is nil for a block the node had
// applied before and reverted: it loads it from its store by Hash.
type ApplyItem struct {
	Hash  types.Hash
	Block *types.Block
	From  string // the peer it came from, to penalise if it fails
}

// Proposal is a slot to propose in.
type Proposal struct {
	Slot uint64
	Time uint64
}

// SyncRequest asks a peer for its canonical blocks in [From, To].
type SyncRequest struct {
	Peer     string
	From, To uint64
}

// Messages to Step.
type (
	// BlockMsg is a block from a peer (gossip or sync).
	BlockMsg struct {
		From  string
		Block *types.Block
	}
	// PeerStatusMsg is a peer's head, learnt from its status.
	PeerStatusMsg struct {
		Peer string
		Head PeerHead
	}
	// PeerGoneMsg says a peer disconnected.
	PeerGoneMsg struct{ Peer string }
	// BuiltMsg reports the block the node built and committed for a
	// Proposal. A nil Block means it built nothing (for example, no time).
	BuiltMsg struct{ Block *types.Block }
	// AppliedMsg reports that a block of Ready.Apply was executed and
	// committed, and is now the node's head. Reverted reports blocks of
	// Ready.Revert that were undone.
	AppliedMsg struct{ Hash types.Hash }
	// RevertedMsg reports that a block of Ready.Revert was undone.
	RevertedMsg struct{ Hash types.Hash }
	// FailedMsg reports that a block of Ready.Apply failed execution; Err
	// says why. The node's head is the last block it applied.
	FailedMsg struct {
		Hash types.Hash
		Err  error
		From string // who sent it, if known
	}
	// DoneMsg reports that the node finished the work of the last Ready.
	DoneMsg struct{}
)

// NewConsensus starts from the finalized block and the canonical blocks
// above it. self is the node's validator key (zero if it does not
// propose).
func NewConsensus(cfg *Config, self crypto.PublicKey, finalized types.Header, canonical []types.Header) (*Consensus, error) {
	fc, err := NewForkChoice(cfg, finalized, canonical)
	if err != nil {
		return nil, err
	}
	return &Consensus{cfg: cfg, fc: fc, self: self, bodies: map[types.Hash]*types.Block{}, origin: map[types.Hash]string{},
		orphans: map[types.Hash][]orphan{}, peers: map[string]PeerHead{}, synced: map[string]uint64{}}, nil
}

// Head returns the canonical head.
func (c *Consensus) Head() types.Header { return c.fc.Head() }

// Finalized returns the highest final block.
func (c *Consensus) Finalized() types.Header { return c.fc.Finalized() }

// Peers returns the last known head of each peer.
func (c *Consensus) Peers() map[string]PeerHead { return c.peers }

// Tick advances the clock and proposes when it is our slot.
func (c *Consensus) Tick(nowMillis uint64) {
	c.now = nowMillis
	if c.self == (crypto.PublicKey{}) || c.cfg.SlotMillis == 0 || c.busy || c.pending.Propose != nil {
		return
	}
	slot := nowMillis / c.cfg.SlotMillis
	head := c.fc.Head()
	if slot <= head.Slot || slot <= c.lastOwn || c.cfg.Proposer(slot) != c.self {
		return
	}
	// Propose only on the chain we believe is best; if a better tip is
	// being fetched or applied, the block would be wasted.
	if best := c.fc.Best(); best.Hash() != head.Hash() {
		return
	}
	c.lastOwn = slot
	c.pending.Propose = &Proposal{Slot: slot, Time: max(nowMillis, head.Time)}
}

// Step takes one message.
func (c *Consensus) Step(msg any) error {
	switch m := msg.(type) {
	case BlockMsg:
		return c.onBlock(m.From, m.Block)
	case PeerStatusMsg:
		c.peers[m.Peer] = m.Head
		c.maybeSync(m.Peer)
	case PeerGoneMsg:
		delete(c.peers, m.Peer)
		delete(c.synced, m.Peer)
	case BuiltMsg:
		if m.Block == nil {
			return nil
		}
		h := m.Block.Header
		if err := c.fc.AddHeader(h, max(c.now, h.Time)); err != nil {
			return fmt.Errorf("own block %d: %w", h.Height, err)
		}
		if err := c.setHead(h.Hash()); err != nil {
			return err
		}
		c.pending.Publish = append(c.pending.Publish, m.Block)
	case AppliedMsg:
		delete(c.bodies, m.Hash)
		delete(c.origin, m.Hash)
		return c.setHead(m.Hash)
	case RevertedMsg:
		// The head moves to the reverted block's parent.
		hdr, ok := c.fc.Header(m.Hash)
		if !ok {
			return fmt.Errorf("reverted unknown block %s", m.Hash)
		}
		return c.setHead(hdr.Parent)
	case FailedMsg:
		// The block's proposer signed a block that does not execute; the
		// peer that relayed it could not have known, so nobody is
		// penalised here (unlike a block whose header is invalid).
		c.fc.MarkInvalid(m.Hash)
		delete(c.bodies, m.Hash)
		delete(c.origin, m.Hash)
	case DoneMsg:
		c.busy = false
		c.plan()
	default:
		return fmt.Errorf("consensus: unknown message %T", msg)
	}
	return nil
}

func (c *Consensus) setHead(hash types.Hash) error {
	final, err := c.fc.SetHead(hash)
	if err != nil {
		return err
	}
	c.pending.Finalized = append(c.pending.Finalized, final...)
	return nil
}

// onBlock takes a block from a peer: header checks, then into the tree
// (or the orphan pool if its parent is missing, with a sync request).
func (c *Consensus) onBlock(from string, blk *types.Block) error {
	h := blk.Header
	hash := h.Hash()
	if c.fc.Has(hash) {
		return nil
	}
	err := c.fc.AddHeader(h, c.now)
	switch {
	case errors.Is(err, ErrUnknownParent):
		c.addOrphan(from, blk)
		if p, ok := c.peers[from]; !ok || p.Height < h.Height {
			c.peers[from] = PeerHead{Height: h.Height, Hash: hash}
		}
		c.maybeSync(from)
		return nil
	case errors.Is(err, ErrInvalidBlock):
		if from != "" {
			c.pending.Penalize = append(c.pending.Penalize, from)
		}
		return err
	case err != nil:
		return err // below finality: ignore
	}
	c.bodies[hash] = blk
	c.origin[hash] = from
	// Children that waited for this block can join now.
	kids := c.orphans[hash]
	delete(c.orphans, hash)
	for _, o := range kids {
		_ = c.onBlock(o.from, o.blk)
	}
	if !c.busy {
		c.plan()
	}
	return nil
}

func (c *Consensus) addOrphan(from string, blk *types.Block) {
	n := 0
	for _, os := range c.orphans {
		n += len(os)
	}
	if n >= maxOrphans {
		return // sync will fetch them again
	}
	c.orphans[blk.Header.Parent] = append(c.orphans[blk.Header.Parent], orphan{from, blk})
}

// maybeSync asks a peer that is ahead of our best tip for the blocks we
// lack, from just above our finalized block if our chains diverge.
func (c *Consensus) maybeSync(peer string) {
	ph, ok := c.peers[peer]
	best := c.fc.Best()
	if !ok || ph.Height <= best.Height || c.fc.Has(ph.Hash) {
		return
	}
	if _, inFlight := c.synced[peer]; inFlight {
		return
	}
	from := best.Height + 1
	if c.orphanFrom(peer) {
		// Its blocks do not attach to our best tip: fetch from above the
		// finalized block, where our chains must agree.
		from = c.fc.Finalized().Height + 1
	}
	to := min(ph.Height, from+syncBatch-1, from+maxSyncAhead)
	c.synced[peer] = from
	c.pending.Sync = append(c.pending.Sync, SyncRequest{Peer: peer, From: from, To: to})
}

// orphanFrom reports whether a block from peer waits for a missing parent
// at or below our best height (a fork, not just a gap).
func (c *Consensus) orphanFrom(peer string) bool {
	best := c.fc.Best().Height
	for _, os := range c.orphans {
		for _, o := range os {
			if o.from == peer && o.blk.Header.Height <= best+1 {
				return true
			}
		}
	}
	return false
}

// SyncDone reports that a sync request to peer finished (its blocks were
// given to Step); the next batch is requested if the peer is still ahead.
func (c *Consensus) SyncDone(peer string) {
	delete(c.synced, peer)
	c.maybeSync(peer)
}

// plan schedules the move to the best tip, if its blocks are all here.
func (c *Consensus) plan() {
	best := c.fc.Best()
	head := c.fc.Head()
	if best.Hash() == head.Hash() {
		return
	}
	revert, apply, err := c.fc.Path(best.Hash())
	if err != nil {
		return
	}
	items := make([]ApplyItem, 0, len(apply))
	for _, h := range apply {
		// A block without a body here is one we applied and reverted
		// before: the node's store still has it.
		items = append(items, ApplyItem{Hash: h, Block: c.bodies[h], From: c.origin[h]})
	}
	c.pending.Revert, c.pending.Apply = revert, items
	c.pending.Propose = nil
}

// Ready returns the accumulated work and marks it outstanding if it
// changes the chain; the node reports with Step and ends with Step(Done).
func (c *Consensus) Ready() Ready {
	rd := c.pending
	c.pending = Ready{}
	if rd.Propose != nil || len(rd.Revert) > 0 || len(rd.Apply) > 0 {
		c.busy = true
	}
	return rd
}

// HasReady reports whether Ready has anything.
func (c *Consensus) HasReady() bool {
	p := &c.pending
	return p.Propose != nil || len(p.Revert) > 0 || len(p.Apply) > 0 || len(p.Publish) > 0 ||
		len(p.Sync) > 0 || len(p.Penalize) > 0 || len(p.Finalized) > 0
}
