package node

import (
	"fmt"

	"github.com/noded/noded/rpc"
)

// Snapshots lists the snapshots the node keeps (snap_list).
func (b backend) Snapshots() []rpc.SnapshotInfo {
	var out []rpc.SnapshotInfo
	for _, ls := range b.n.snaps.list() {
		m := ls.m
		out = append(out, rpc.SnapshotInfo{Height: m.Height, BlockHash: m.BlockHash, StateRoot: m.StateRoot,
			Chunks: len(m.Chunks), Entries: m.Entries(), Size: m.Size(), Offered: b.n.net != nil && b.n.servable(ls)})
	}
	return out
}

// checkHistory fails for a height below the history of a node restored
// from a snapshot: it has no blocks or receipts from the genesis up to the
// snapshot's block (the block itself, but not its receipts).
func (n *Node) checkHistory(from uint64) error {
	base, err := n.db.HistoryBase()
	if err != nil || base == 0 || from > base {
		return err
	}
	return fmt.Errorf("%w: this node was restored from a snapshot of block %d and has no receipts up to it", rpc.ErrStateUnavailable, base)
}
