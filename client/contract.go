package client

import (
	"context"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// NewDeploy returns an unsigned deploy of code, whose init export runs
// with initInput and whose account starts with value. The contract's
// address is types.ContractAddress(sender, nonce). Sign it before sending.
func NewDeploy(chainID string, nonce uint64, code, initInput []byte, value types.Amount, gasLimit, gasPrice uint64) *types.Tx {
	return &types.Tx{
		ChainID:  chainID,
		Nonce:    nonce,
		Kind:     types.TxDeploy,
		Amount:   value,
		GasLimit: gasLimit,
		GasPrice: gasPrice,
		Code:     code,
		Input:    initInput,
	}
}

// NewCall returns an unsigned call of method of the contract at `to` with
// input, moving value to it first. Sign it before sending.
func NewCall(chainID string, nonce uint64, to types.Address, method string, input []byte, value types.Amount, gasLimit, gasPrice uint64) *types.Tx {
	return &types.Tx{
		ChainID:  chainID,
		Nonce:    nonce,
		Kind:     types.TxCall,
		To:       to,
		Amount:   value,
		GasLimit: gasLimit,
		GasPrice: gasPrice,
		Method:   method,
		Input:    input,
	}
}

// EstimateArgsOf returns the tx_estimateGas parameter for tx (its nonce,
// gas limit and signature play no part).
func EstimateArgsOf(tx *types.Tx) rpc.EstimateArgs {
	a := rpc.EstimateArgs{From: tx.Sender(), Kind: tx.Kind.String(), Method: tx.Method, Input: tx.Input, Code: tx.Code}
	if tx.Kind != types.TxDeploy {
		to := tx.To
		a.To = &to
	}
	if !tx.Amount.IsZero() {
		v := hexutil.U256(tx.Amount)
		a.Value = &v
	}
	if tx.GasPrice != 0 {
		p := hexutil.Uint64(tx.GasPrice)
		a.GasPrice = &p
	}
	return a
}

// ContractCall runs a read-only call against the state after block n
// (rpc.LatestBlock for the head) and returns its outcome; nothing is
// kept (contract_call). A call that fails in the VM is no error: the
// result's Error says why. A call that hits the node's time limit fails
// with an error matching vm.ErrTimeout.
func (c *Client) ContractCall(ctx context.Context, args rpc.CallArgs, n rpc.BlockNumber) (*rpc.RPCCallResult, error) {
	var r rpc.RPCCallResult
	if err := c.Call(ctx, &r, "contract_call", args, n); err != nil {
		return nil, err
	}
	return &r, nil
}

// EstimateGas executes a transaction against the head state as the next
// block would and returns the gas it used, with its status, failure and,
// if it needs more than the maximum gas, a warning (tx_estimateGas).
// EstimateArgsOf builds the argument from a transaction.
func (c *Client) EstimateGas(ctx context.Context, args rpc.EstimateArgs) (*rpc.RPCEstimate, error) {
	var r rpc.RPCEstimate
	if err := c.Call(ctx, &r, "tx_estimateGas", args); err != nil {
		return nil, err
	}
	return &r, nil
}

// Code returns the code of the contract at addr after block n, nil if
// there is none (state_getCode).
func (c *Client) Code(ctx context.Context, addr types.Address, n rpc.BlockNumber) ([]byte, error) {
	var b *hexutil.Bytes
	if err := c.Call(ctx, &b, "state_getCode", addr, n); err != nil || b == nil {
		return nil, err
	}
	return *b, nil
}

// Storage returns the value at key in the storage of the contract at addr
// after block n, nil if there is none (state_getStorage).
func (c *Client) Storage(ctx context.Context, addr types.Address, key []byte, n rpc.BlockNumber) ([]byte, error) {
	var b *hexutil.Bytes
	if err := c.Call(ctx, &b, "state_getStorage", addr, hexutil.Bytes(key), n); err != nil || b == nil {
		return nil, err
	}
	return *b, nil
}

// Events returns the events of blocks q.FromBlock to q.ToBlock that pass
// the filter, in chain order (chain_getEvents). The node cuts the range at
// its head and refuses ranges of more than rpc.MaxEventBlocks blocks.
func (c *Client) Events(ctx context.Context, q rpc.EventQueryArgs) ([]rpc.RPCEventLog, error) {
	var logs []rpc.RPCEventLog
	if err := c.Call(ctx, &logs, "chain_getEvents", q); err != nil {
		return nil, err
	}
	return logs, nil
}

// SubscribeEvents delivers every event of a new block that passes filter
// to ch, in chain order, until the subscription ends (chain_subscribe
// "events"). It needs a WebSocket connection; see SubscribeNewHeads.
func (c *Client) SubscribeEvents(ctx context.Context, filter rpc.EventFilter, ch chan<- *rpc.RPCEventLog) (Subscription, error) {
	sub, err := c.c.Subscribe(ctx, "chain", ch, "events", filter)
	if err != nil {
		return nil, convertError(err)
	}
	return sub, nil
}

// GasSchedule returns the gas schedule the node's VM charges by
// (vm_gasSchedule).
func (c *Client) GasSchedule(ctx context.Context) (*vm.Schedule, error) {
	var s vm.Schedule
	if err := c.Call(ctx, &s, "vm_gasSchedule"); err != nil {
		return nil, err
	}
	return &s, nil
}

// VMInfo describes the node's contract engine and its limits (vm_info).
func (c *Client) VMInfo(ctx context.Context) (*rpc.RPCVMInfo, error) {
	var i rpc.RPCVMInfo
	if err := c.Call(ctx, &i, "vm_info"); err != nil {
		return nil, err
	}
	return &i, nil
}
