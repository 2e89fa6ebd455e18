package chain

import (
	"context"
	"fmt"

	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// Query runs a read-only contract call against st, as if in a block after
// head, and discards every change. ctx bounds its wall-clock time.
func (e *Executor) Query(ctx context.Context, st StateReader, head *types.Header, req vm.CallRequest) (vm.Result, error) {
	if e.vm == nil {
		return vm.Result{}, ErrContractsDisabled
	}
	if req.Gas == 0 || req.Gas > MaxTxGas {
		req.Gas = MaxTxGas
	}
	o := NewOverlay(st)
	env := &vm.Env{BlockHeight: head.Height + 1, BlockTime: head.Time, Origin: req.Caller}
	return e.vm.Call(ctx, stateHost{o}, env, req), nil
}

// Estimate executes tx from sender against st exactly as the next block
// would (intrinsic cost, deploy cost, execution) with the transaction's gas
// limit raised to MaxTxGas and its nonce set to the account's, and returns
// the receipt. The signature is not checked. Nothing is kept.
func (e *Executor) Estimate(ctx context.Context, st StateReader, head *types.Header, tx *types.Tx, sender types.Address) (types.Receipt, error) {
	o := NewOverlay(st)
	acc, err := o.Account(sender)
	if err != nil {
		return types.Receipt{}, err
	}
	t := *tx
	t.Nonce = acc.Nonce
	t.GasLimit = MaxTxGas
	t.ChainID = e.cfg.ChainID
	if err := e.CheckTx(&t, &acc); err != nil {
		return types.Receipt{}, err
	}
	env := &blockEnv{height: head.Height + 1, time: head.Time, gasLeft: MaxTxGas}
	rc, err := e.execute(ctx, o, env, &t, t.Hash(), sender, acc)
	if err != nil {
		return types.Receipt{}, fmt.Errorf("estimate: %w", err)
	}
	return rc, nil
}
