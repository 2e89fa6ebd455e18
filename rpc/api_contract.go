package rpc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// contractAPI serves the contract_* methods.
type contractAPI struct{ *api }

// Call runs a read-only contract call against the head state, or the
// state after a block, and returns its outcome; nothing is kept
// (contract_call). A call that fails in the VM is a result whose error
// field says why; a call stopped by the node's time limit is error -32032.
func (c *contractAPI) Call(ctx context.Context, args CallArgs, block *BlockNumber) (_ *RPCCallResult, err error) {
	defer c.catch("contract_call", &err)
	at, err := c.stateHeight(block)
	if err != nil {
		return nil, err
	}
	res, err := c.b.Query(ctx, args.Request(), at)
	if err == nil {
		err = nodeLocal(res.Err)
	}
	if err != nil {
		return nil, c.stateFail("contract_call", err)
	}
	return NewRPCCallResult(&res), nil
}

// nodeLocal returns the failures of a VM result that say nothing about the
// call, only about this node: a timeout, an internal error. The others are
// the call's outcome.
func nodeLocal(err error) error {
	switch {
	case errors.Is(err, vm.ErrTimeout):
		return fmt.Errorf("the call ran out of time on this node: %w", err)
	case errors.Is(err, vm.ErrInternal):
		return fmt.Errorf("the node failed to run the call: %w", err)
	}
	return nil
}

// EstimateGas executes a transaction against the head state as the next
// block would and reports the gas it used (tx_estimateGas).
func (t *txAPI) EstimateGas(ctx context.Context, args EstimateArgs) (_ *RPCEstimate, err error) {
	defer t.catch("tx_estimateGas", &err)
	tx, err := args.Tx(t.b.ChainID())
	if err != nil {
		return nil, invalidParams("tx_estimateGas: " + err.Error())
	}
	if ig := chain.IntrinsicGas(tx); ig > chain.MaxTxGas {
		return &RPCEstimate{
			Gas:     hexutil.Uint64(ig),
			Status:  ReceiptStatusFailed,
			Error:   fmt.Sprintf("the intrinsic cost %d (per byte of code and input) exceeds the maximum gas %d", ig, chain.MaxTxGas),
			Warning: tooMuchGas,
		}, nil
	}
	rc, err := t.b.Estimate(ctx, tx, args.From)
	if err != nil {
		return nil, t.fail("tx_estimateGas", err)
	}
	return newRPCEstimate(&rc), nil
}

// tooMuchGas is the warning of an estimate past the maximum.
var tooMuchGas = fmt.Sprintf("the transaction needs more than the maximum of %d gas a transaction may have: it fails whatever its gas limit", chain.MaxTxGas)

func newRPCEstimate(rc *types.Receipt) *RPCEstimate {
	e := &RPCEstimate{Gas: hexutil.Uint64(rc.GasUsed), Status: ReceiptStatusSuccess}
	if rc.Status == types.ReceiptSuccess {
		return e
	}
	e.Status, e.Error = ReceiptStatusFailed, rc.Error
	if rc.GasUsed >= chain.MaxTxGas && strings.HasPrefix(rc.Error, vm.KindOutOfGas.String()) {
		e.Warning = tooMuchGas + " (it ran out of gas at the maximum)"
	}
	return e
}
