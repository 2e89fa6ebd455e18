package client

import (
	"context"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// The dev_* methods work only on a node in dev mode; elsewhere they fail
// with an error matching rpc.ErrNotDevMode.

// DevAccounts lists the dev accounts whose keys the node holds
// (dev_accounts).
func (c *Client) DevAccounts(ctx context.Context) ([]rpc.RPCDevAccount, error) {
	var as []rpc.RPCDevAccount
	err := c.Call(ctx, &as, "dev_accounts")
	return as, err
}

// DevSendTransaction has the node sign and submit a transfer from one of
// its dev accounts, named ("dev0") or by address (dev_sendTransaction).
func (c *Client) DevSendTransaction(ctx context.Context, from string, to types.Address, value types.Amount) (SendResult, error) {
	var r rpc.SendTxResult
	args := rpc.DevSendArgs{From: from, To: to, Value: hexutil.U256(value)}
	if err := c.Call(ctx, &r, "dev_sendTransaction", args); err != nil {
		return SendResult{}, err
	}
	return sendResult(&r), nil
}

// DevMine has the node produce n blocks now, empty or not, and returns the
// new head height (dev_mine).
func (c *Client) DevMine(ctx context.Context, n int) (uint64, error) {
	var h hexutil.Uint64
	err := c.Call(ctx, &h, "dev_mine", hexutil.Uint64(n))
	return uint64(h), err
}
