package client

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// ChainID returns the chain id (chain_id).
func (c *Client) ChainID(ctx context.Context) (string, error) {
	var id string
	err := c.Call(ctx, &id, "chain_id")
	return id, err
}

// GenesisHash returns the hash of the genesis block (chain_genesisHash).
func (c *Client) GenesisHash(ctx context.Context) (types.Hash, error) {
	var h types.Hash
	err := c.Call(ctx, &h, "chain_genesisHash")
	return h, err
}

// BlockNumber returns the head height (chain_blockNumber).
func (c *Client) BlockNumber(ctx context.Context) (uint64, error) {
	var n hexutil.Uint64
	err := c.Call(ctx, &n, "chain_blockNumber")
	return uint64(n), err
}

// Finalized returns the finalized height (chain_finalized).
func (c *Client) Finalized(ctx context.Context) (uint64, error) {
	var n hexutil.Uint64
	err := c.Call(ctx, &n, "chain_finalized")
	return uint64(n), err
}

// BlockByNumber returns a block by height or tag (rpc.BlockAt(n),
// rpc.LatestBlock, rpc.FinalizedBlock, rpc.EarliestBlock), with full
// transactions if fullTx is set, else their hashes
// (chain_getBlockByNumber). An unknown height is ErrNotFound.
func (c *Client) BlockByNumber(ctx context.Context, n rpc.BlockNumber, fullTx bool) (*rpc.RPCBlock, error) {
	return lookup[rpc.RPCBlock](ctx, c, fmt.Sprintf("block %s", n), "chain_getBlockByNumber", n, fullTx)
}

// BlockByHash returns a block by hash (chain_getBlockByHash). An unknown
// hash is ErrNotFound.
func (c *Client) BlockByHash(ctx context.Context, hash types.Hash, fullTx bool) (*rpc.RPCBlock, error) {
	return lookup[rpc.RPCBlock](ctx, c, fmt.Sprintf("block %s", hash), "chain_getBlockByHash", hash, fullTx)
}

// Account returns the state of addr at block n (state_getAccount). An
// account that does not exist is the zero account, not an error.
func (c *Client) Account(ctx context.Context, addr types.Address, n rpc.BlockNumber) (*rpc.RPCAccount, error) {
	var a rpc.RPCAccount
	if err := c.Call(ctx, &a, "state_getAccount", addr, n); err != nil {
		return nil, err
	}
	return &a, nil
}
