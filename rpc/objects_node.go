package rpc

import (
	"encoding/json"
	"errors"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/types"
)

// RPCMempoolStatus counts the mempool's transactions (mempool_status).
type RPCMempoolStatus struct {
	Pending  hexutil.Uint64 `json:"pending"`
	Queued   hexutil.Uint64 `json:"queued"`
	Senders  hexutil.Uint64 `json:"senders"`
	Capacity hexutil.Uint64 `json:"capacity"`
}

// RPCMempoolAccount lists a sender's nonces in the mempool (mempool_inspect).
type RPCMempoolAccount struct {
	Pending []hexutil.Uint64 `json:"pending"`
	Queued  []hexutil.Uint64 `json:"queued"`
}

// RPCHead names a block by height and hash.
type RPCHead struct {
	Number hexutil.Uint64 `json:"number"`
	Hash   types.Hash     `json:"hash"`
}

// RPCNodeStatus describes the node (node_status).
type RPCNodeStatus struct {
	ChainID     string         `json:"chainId"`
	GenesisHash types.Hash     `json:"genesisHash"`
	NodeID      string         `json:"nodeId"`
	Head        RPCHead        `json:"head"`
	Finalized   hexutil.Uint64 `json:"finalized"`
	Peers       []RPCPeer      `json:"peers"`
	Syncing     bool           `json:"syncing"`
	SyncTarget  hexutil.Uint64 `json:"syncTarget"`
	Validator   bool           `json:"validator"`
	VMEngine    string         `json:"vmEngine"`
	// SnapshotSync is set while the node restores a state snapshot.
	SnapshotSync *RPCSnapshotSync `json:"snapshotSync,omitempty"`
}

// RPCPeer describes a connected peer (net_peers, node_status).
type RPCPeer struct {
	ID        string         `json:"id"`
	Address   string         `json:"address"`
	LatencyMs float64        `json:"latencyMs"` // a JSON number, not a quantity
	Height    hexutil.Uint64 `json:"height"`
	HeadHash  types.Hash     `json:"headHash"`
}

func newRPCPeers(ps []PeerInfo) []RPCPeer {
	out := make([]RPCPeer, len(ps))
	for i, p := range ps {
		out[i] = RPCPeer{
			ID: p.ID, Address: p.Address, LatencyMs: p.LatencyMs,
			Height: hexutil.Uint64(p.Height), HeadHash: p.HeadHash,
		}
	}
	return out
}

// RPCSyncing is the result of node_syncing: false when the node is not
// syncing, {"currentBlock","targetBlock"} when it is, with "snapshot" while
// it restores a state snapshot.
type RPCSyncing struct {
	Syncing      bool
	CurrentBlock hexutil.Uint64
	TargetBlock  hexutil.Uint64
	Snapshot     *RPCSnapshotSync
}

type rpcSyncingJSON struct {
	CurrentBlock hexutil.Uint64   `json:"currentBlock"`
	TargetBlock  hexutil.Uint64   `json:"targetBlock"`
	Snapshot     *RPCSnapshotSync `json:"snapshot,omitempty"`
}

// MarshalJSON encodes false or the progress object.
func (s RPCSyncing) MarshalJSON() ([]byte, error) {
	if !s.Syncing {
		return []byte("false"), nil
	}
	return json.Marshal(rpcSyncingJSON{s.CurrentBlock, s.TargetBlock, s.Snapshot})
}

// UnmarshalJSON decodes false or the progress object.
func (s *RPCSyncing) UnmarshalJSON(b []byte) error {
	var not bool
	if err := json.Unmarshal(b, &not); err == nil {
		if not {
			return errors.New("node_syncing: true is not a valid result")
		}
		*s = RPCSyncing{}
		return nil
	}
	var p rpcSyncingJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = RPCSyncing{Syncing: true, CurrentBlock: p.CurrentBlock, TargetBlock: p.TargetBlock, Snapshot: p.Snapshot}
	return nil
}

// RPCDevAccount is a prefunded dev-mode account (dev_accounts).
type RPCDevAccount struct {
	Name    string        `json:"name"`
	Address types.Address `json:"address"`
}

// RPCHealth is the body of GET /health.
type RPCHealth struct {
	Status string         `json:"status"` // "ok"
	Height hexutil.Uint64 `json:"height"`
}
