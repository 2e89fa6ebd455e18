package node

import "github.com/noded/noded/rpc"

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
