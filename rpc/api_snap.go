package rpc

import (
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/types"
)

// SnapshotBackend is the part of Backend that reports state snapshots.
type SnapshotBackend interface {
	// Snapshots lists the state snapshots the node keeps, newest first.
	Snapshots() []SnapshotInfo
}

// SnapshotInfo describes a state snapshot the node keeps.
type SnapshotInfo struct {
	Height    uint64
	BlockHash types.Hash
	StateRoot types.Hash
	Chunks    int
	Entries   uint64
	Size      uint64 // bytes of its chunks
	// Offered: peers are offered it now (its block is final and
	// canonical).
	Offered bool
}

// SnapshotSyncStatus is the progress of a snapshot restore under way
// (NodeStatus.SnapshotSync).
type SnapshotSyncStatus struct {
	State       string // "searching" (for offers), "downloading"
	Height      uint64 // of the snapshot being restored
	Chunks      int
	ChunksDone  int
	Bytes       uint64
	BytesDone   uint64
	BytesPerSec float64
	ETASeconds  float64
	Peers       int // peers the chunks come from
	BadChunks   int // chunks that failed verification (their senders are penalised)
}

// RPCSnapshot describes a snapshot (snap_list).
type RPCSnapshot struct {
	Height    hexutil.Uint64 `json:"height"`
	BlockHash types.Hash     `json:"blockHash"`
	StateRoot types.Hash     `json:"stateRoot"`
	Chunks    hexutil.Uint64 `json:"chunks"`
	Entries   hexutil.Uint64 `json:"entries"`
	Size      hexutil.Uint64 `json:"size"`
	Offered   bool           `json:"offered"`
}

// RPCSnapshotSync is the progress of a snapshot restore (node_status,
// node_syncing). The rate and the ETA are JSON numbers, not quantities.
type RPCSnapshotSync struct {
	State       string         `json:"state"`
	Height      hexutil.Uint64 `json:"height"`
	Chunks      hexutil.Uint64 `json:"chunks"`
	ChunksDone  hexutil.Uint64 `json:"chunksDone"`
	Bytes       hexutil.Uint64 `json:"bytes"`
	BytesDone   hexutil.Uint64 `json:"bytesDone"`
	BytesPerSec float64        `json:"bytesPerSec"`
	ETASeconds  float64        `json:"etaSeconds"`
	Peers       hexutil.Uint64 `json:"peers"`
	BadChunks   hexutil.Uint64 `json:"badChunks"`
}

func newRPCSnapshotSync(s *SnapshotSyncStatus) *RPCSnapshotSync {
	if s == nil {
		return nil
	}
	return &RPCSnapshotSync{
		State: s.State, Height: hexutil.Uint64(s.Height),
		Chunks: hexutil.Uint64(s.Chunks), ChunksDone: hexutil.Uint64(s.ChunksDone),
		Bytes: hexutil.Uint64(s.Bytes), BytesDone: hexutil.Uint64(s.BytesDone),
		BytesPerSec: s.BytesPerSec, ETASeconds: s.ETASeconds,
		Peers: hexutil.Uint64(s.Peers), BadChunks: hexutil.Uint64(s.BadChunks),
	}
}

// snapAPI serves the snap_* methods.
type snapAPI struct{ *api }

// List lists the state snapshots the node keeps, newest first (snap_list).
func (s *snapAPI) List() (_ []RPCSnapshot, err error) {
	defer s.catch("snap_list", &err)
	out := []RPCSnapshot{}
	for _, sn := range s.b.Snapshots() {
		out = append(out, RPCSnapshot{
			Height: hexutil.Uint64(sn.Height), BlockHash: sn.BlockHash, StateRoot: sn.StateRoot,
			Chunks: hexutil.Uint64(sn.Chunks), Entries: hexutil.Uint64(sn.Entries), Size: hexutil.Uint64(sn.Size),
			Offered: sn.Offered,
		})
	}
	return out, nil
}
