package rpc

import (
	"errors"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/types"
)

// chainAPI serves the chain_* methods; its subscriptions are in
// subscribe.go.
type chainAPI struct{ *api }

// Id returns the chain id (chain_id). The spelling makes the method name
// "chain_id": the framing lower-cases only the first letter.
func (c *chainAPI) Id() (_ string, err error) {
	defer c.catch("chain_id", &err)
	return c.b.ChainID(), nil
}

// GenesisHash returns the hash of block 0 (chain_genesisHash).
func (c *chainAPI) GenesisHash() (_ types.Hash, err error) {
	defer c.catch("chain_genesisHash", &err)
	return c.b.GenesisHash(), nil
}

// BlockNumber returns the head height (chain_blockNumber).
func (c *chainAPI) BlockNumber() (_ hexutil.Uint64, err error) {
	defer c.catch("chain_blockNumber", &err)
	return hexutil.Uint64(c.b.Head().Height), nil
}

// Finalized returns the finalized height (chain_finalized).
func (c *chainAPI) Finalized() (_ hexutil.Uint64, err error) {
	defer c.catch("chain_finalized", &err)
	return hexutil.Uint64(c.b.FinalizedHeight()), nil
}

// GetBlockByNumber returns a block or null (chain_getBlockByNumber).
func (c *chainAPI) GetBlockByNumber(n BlockNumber, fullTx *bool) (_ *RPCBlock, err error) {
	defer c.catch("chain_getBlockByNumber", &err)
	b, err := c.b.BlockByHeight(c.height(n))
	return c.block("chain_getBlockByNumber", b, err, fullTx)
}

// GetBlockByHash returns a block or null (chain_getBlockByHash).
func (c *chainAPI) GetBlockByHash(hash types.Hash, fullTx *bool) (_ *RPCBlock, err error) {
	defer c.catch("chain_getBlockByHash", &err)
	b, err := c.b.BlockByHash(hash)
	return c.block("chain_getBlockByHash", b, err, fullTx)
}

func (c *chainAPI) block(method string, b *types.Block, err error, fullTx *bool) (*RPCBlock, error) {
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, c.fail(method, err)
	case b == nil:
		return nil, nil
	}
	return NewRPCBlock(b, fullTx != nil && *fullTx), nil
}
