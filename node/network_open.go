package node

import (
	"fmt"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/p2p"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// reorgDepth bounds how far back the consensus may revert on start-up: the
// store keeps undo records for this many blocks.
const reorgDepth = 256

// openNetwork prepares the consensus state machine and the libp2p host of a
// network node.
func (n *Node) openNetwork() error {
	cfg := n.exec.Config()
	if cfg.SlotMillis == 0 {
		return fmt.Errorf("genesis: a network needs slot_ms > 0")
	}
	// The consensus starts from an anchor it treats as final: the lowest
	// block the store can still revert to.
	head := n.head
	anchor := head.Height - min(head.Height, reorgDepth-1)
	if base, err := n.db.HistoryBase(); err != nil {
		return err
	} else if anchor < base {
		anchor = base // restored from a snapshot: no blocks below it
	}
	anchorHdr, err := n.db.HeaderByHeight(anchor)
	if err != nil {
		return err
	}
	var canonical []types.Header
	for h := anchor + 1; h <= head.Height; h++ {
		hdr, err := n.db.HeaderByHeight(h)
		if err != nil {
			return fmt.Errorf("%w: header %d: %v", store.ErrCorrupt, h, err)
		}
		canonical = append(canonical, hdr)
	}
	cons, err := chain.NewConsensus(cfg, n.key.Public(), anchorHdr, canonical)
	if err != nil {
		return err
	}
	ns := &netState{cons: cons, in: make(chan netEvent, netQueue), txOut: make(chan []byte, 65536), seen: newSeenCache()}
	ns.finalized.Store(cons.Finalized().Height)
	n.net = ns
	pc := n.cfg.P2P
	pc.ChainID, pc.GenesisHash = n.genesis.ChainID, n.genHash
	if pc.KeyFile == "" {
		pc.KeyFile = n.cfg.p2pKeyFile()
	}
	if pc.PingInterval == 0 {
		// Peers' heads are shown to users and drive sync: keep them fresh.
		pc.PingInterval = time.Second
	}
	if pc.Logger == nil {
		pc.Logger = n.log.With("component", "p2p")
	}
	host, err := p2p.New(pc, handler{n})
	if err != nil {
		return err
	}
	ns.host = host
	return nil
}
