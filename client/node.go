package client

import (
	"context"

	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// MempoolStatus counts the node's pending and queued transactions
// (mempool_status).
func (c *Client) MempoolStatus(ctx context.Context) (*rpc.RPCMempoolStatus, error) {
	var s rpc.RPCMempoolStatus
	if err := c.Call(ctx, &s, "mempool_status"); err != nil {
		return nil, err
	}
	return &s, nil
}

// MempoolInspect lists the nonces addr has in the mempool, pending and
// queued (mempool_inspect).
func (c *Client) MempoolInspect(ctx context.Context, addr types.Address) (*rpc.RPCMempoolAccount, error) {
	var a rpc.RPCMempoolAccount
	if err := c.Call(ctx, &a, "mempool_inspect", addr); err != nil {
		return nil, err
	}
	return &a, nil
}

// NodeStatus describes the node: chain, head, finality, peers, sync
// (node_status).
func (c *Client) NodeStatus(ctx context.Context) (*rpc.RPCNodeStatus, error) {
	var s rpc.RPCNodeStatus
	if err := c.Call(ctx, &s, "node_status"); err != nil {
		return nil, err
	}
	return &s, nil
}

// Syncing reports the sync progress; its Syncing field is false when the
// node is not syncing (node_syncing).
func (c *Client) Syncing(ctx context.Context) (*rpc.RPCSyncing, error) {
	var s rpc.RPCSyncing
	if err := c.Call(ctx, &s, "node_syncing"); err != nil {
		return nil, err
	}
	return &s, nil
}

// Peers lists the connected peers (net_peers).
func (c *Client) Peers(ctx context.Context) ([]rpc.RPCPeer, error) {
	var ps []rpc.RPCPeer
	err := c.Call(ctx, &ps, "net_peers")
	return ps, err
}
