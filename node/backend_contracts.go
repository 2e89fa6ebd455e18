package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// The contract side of the RPC backend: read-only calls and estimates run
// against a state view of the store, never against the block loop's
// state, under the node's ContractTimeout. The VM serialises them with
// block execution.

// abiVersion is the host ABI the VM offers contracts (vm: ABI v1).
const abiVersion = 1

// stateView opens the state at height, or at the head if height is nil.
// Close it when done.
func (n *Node) stateView(height *uint64) (*store.StateView, error) {
	var (
		st  *store.StateView
		err error
	)
	if height == nil {
		st, err = n.db.HeadState()
	} else {
		st, err = n.db.StateAt(*height)
	}
	if errors.Is(err, store.ErrStateUnavailable) || errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %v", rpc.ErrStateUnavailable, err)
	}
	return st, err
}

// contractContext bounds a query or estimate by the node's wall-clock
// limit, and by the request.
func (n *Node) contractContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, n.cfg.ContractTimeout)
}

func (b backend) Query(ctx context.Context, req vm.CallRequest, height *uint64) (vm.Result, error) {
	st, err := b.n.stateView(height)
	if err != nil {
		return vm.Result{}, err
	}
	defer st.Close()
	head := st.Header()
	b.n.exec.Warm(st, &types.Tx{Kind: types.TxCall, To: req.Contract}) // compiling is not part of the time limit
	ctx, cancel := b.n.contractContext(ctx)
	defer cancel()
	res, err := b.n.exec.Query(ctx, st, &head, req)
	if err != nil {
		return vm.Result{}, err
	}
	if errors.Is(res.Err, vm.ErrTimeout) {
		return vm.Result{}, fmt.Errorf("query stopped by the node's limit of %s: %w", b.n.cfg.ContractTimeout, res.Err)
	}
	return res, nil
}

func (b backend) Estimate(ctx context.Context, tx *types.Tx, sender types.Address) (types.Receipt, error) {
	st, err := b.n.stateView(nil)
	if err != nil {
		return types.Receipt{}, err
	}
	defer st.Close()
	head := st.Header()
	warm := *tx
	warm.GasLimit = 0        // an estimate runs with the maximum
	b.n.exec.Warm(st, &warm) // compiling is not part of the time limit
	ctx, cancel := b.n.contractContext(ctx)
	defer cancel()
	rc, err := b.n.exec.Estimate(ctx, st, &head, tx, sender)
	if errors.Is(err, chain.ErrTxTimeout) {
		return types.Receipt{}, fmt.Errorf("estimate stopped by the node's limit of %s: %w", b.n.cfg.ContractTimeout, err)
	}
	return rc, err
}

func (b backend) Code(addr types.Address, height *uint64) ([]byte, error) {
	st, err := b.n.stateView(height)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	acc, err := st.Account(addr)
	if err != nil || acc.CodeHash.IsZero() {
		return nil, err
	}
	code, err := st.Get(chain.CodeKey(acc.CodeHash))
	if err == nil && code == nil {
		err = fmt.Errorf("%w: account %s has code hash %s but no code", store.ErrCorrupt, addr, acc.CodeHash)
	}
	return code, err
}

func (b backend) Storage(addr types.Address, key []byte, height *uint64) ([]byte, error) {
	st, err := b.n.stateView(height)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Get(chain.StorageKey(addr, key))
}

func (b backend) VMInfo() rpc.VMInfo {
	info := rpc.VMInfo{Engine: b.n.vmEngine(), MaxGas: chain.MaxTxGas, Timeout: b.n.cfg.ContractTimeout}
	if b.n.vm != nil {
		info.ABIVersion, info.Schedule = abiVersion, b.n.vm.Schedule()
	}
	return info
}
