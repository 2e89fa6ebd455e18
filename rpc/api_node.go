package rpc

import (
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/types"
)

// mempoolAPI serves the mempool_* methods.
type mempoolAPI struct{ *api }

// Status counts the pool's transactions (mempool_status).
func (m *mempoolAPI) Status() (_ *RPCMempoolStatus, err error) {
	defer m.catch("mempool_status", &err)
	st := m.b.MempoolStatus()
	return &RPCMempoolStatus{
		Pending:  hexutil.Uint64(st.Pending),
		Queued:   hexutil.Uint64(st.Queued),
		Senders:  hexutil.Uint64(st.Senders),
		Capacity: hexutil.Uint64(st.Capacity),
	}, nil
}

// Inspect lists the nonces a sender has in the pool (mempool_inspect).
func (m *mempoolAPI) Inspect(addr types.Address) (_ *RPCMempoolAccount, err error) {
	defer m.catch("mempool_inspect", &err)
	acct := m.b.MempoolInspect(addr)
	return &RPCMempoolAccount{Pending: quantities(acct.Pending), Queued: quantities(acct.Queued)}, nil
}

// nodeAPI serves the node_* methods.
type nodeAPI struct{ *api }

// Status describes the node (node_status).
func (n *nodeAPI) Status() (_ *RPCNodeStatus, err error) {
	defer n.catch("node_status", &err)
	st := n.b.NodeStatus()
	head := n.b.Head()
	return &RPCNodeStatus{
		ChainID:      n.b.ChainID(),
		GenesisHash:  n.b.GenesisHash(),
		NodeID:       st.NodeID,
		Head:         RPCHead{Number: hexutil.Uint64(head.Height), Hash: head.Hash()},
		Finalized:    hexutil.Uint64(n.b.FinalizedHeight()),
		Peers:        newRPCPeers(st.Peers),
		Syncing:      st.Syncing,
		SyncTarget:   hexutil.Uint64(st.SyncTarget),
		Validator:    st.Validator,
		VMEngine:     st.VMEngine,
		SnapshotSync: newRPCSnapshotSync(st.SnapshotSync),
	}, nil
}

// Syncing returns false, or the sync progress (node_syncing).
func (n *nodeAPI) Syncing() (_ RPCSyncing, err error) {
	defer n.catch("node_syncing", &err)
	st := n.b.NodeStatus()
	if !st.Syncing {
		return RPCSyncing{}, nil
	}
	return RPCSyncing{
		Syncing:      true,
		CurrentBlock: hexutil.Uint64(n.b.Head().Height),
		TargetBlock:  hexutil.Uint64(st.SyncTarget),
		Snapshot:     newRPCSnapshotSync(st.SnapshotSync),
	}, nil
}

// netAPI serves the net_* methods.
type netAPI struct{ *api }

// Peers lists the connected peers (net_peers).
func (n *netAPI) Peers() (_ []RPCPeer, err error) {
	defer n.catch("net_peers", &err)
	return newRPCPeers(n.b.NodeStatus().Peers), nil
}

// RPCNetInfo describes the node's network (net_info).
type RPCNetInfo struct {
	NodeID      string         `json:"nodeId"`
	ListenAddrs []string       `json:"listenAddrs"`
	PeerCount   hexutil.Uint64 `json:"peerCount"`
	Peers       []RPCPeer      `json:"peers"`
}

// Info describes the node's network: its id, addresses and peers (net_info).
func (n *netAPI) Info() (_ *RPCNetInfo, err error) {
	defer n.catch("net_info", &err)
	st := n.b.NodeStatus()
	addrs := st.ListenAddrs
	if addrs == nil {
		addrs = []string{}
	}
	return &RPCNetInfo{NodeID: st.NodeID, ListenAddrs: addrs, PeerCount: hexutil.Uint64(len(st.Peers)),
		Peers: newRPCPeers(st.Peers)}, nil
}
