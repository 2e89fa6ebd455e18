package chain

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// BlockResult is everything executing a block produced, for the caller to
// persist atomically with the block.
type BlockResult struct {
	TxHashes  []types.Hash
	Receipts  []types.Receipt
	Changes   []Change       // state entries changed, sorted by key, with old values
	Buckets   []BucketUpdate // new state root buckets, sorted
	StateRoot types.Hash
	GasUsed   uint64
}

// ContractVM runs contract code; *vm.VM implements it.
type ContractVM interface {
	Deploy(ctx context.Context, h vm.Host, env *vm.Env, deployer, addr types.Address, code, initInput []byte, value types.Amount, gas uint64) vm.Result
	Call(ctx context.Context, h vm.Host, env *vm.Env, req vm.CallRequest) vm.Result
}

// Executor applies transactions and blocks under one chain's rules.
type Executor struct {
	cfg       Config
	workers   int
	rand      io.Reader
	vm        ContractVM
	keys      *crypto.KeyCache
	knownSig  func(types.Hash, crypto.Signature) bool
	txContext func() (context.Context, context.CancelFunc)
}

// ExecOptions are the node-local settings of an Executor; they never change
// a result.
type ExecOptions struct {
	// Workers bounds the goroutines used to verify signatures and hash
	// state. Default 1.
	Workers int
	// Rand blinds batch signature verification. Required to verify blocks.
	Rand io.Reader
	// VM runs deploy and call transactions; nil refuses them.
	VM ContractVM
	// KeyCache keeps decompressed sender keys across blocks (optional).
	KeyCache *crypto.KeyCache
	// KnownSig reports whether sig was already verified as the signature
	// of the transaction with this hash (which covers the sender's key):
	// the node answers from its mempool, whose transactions it verified
	// on arrival. ValidateBlock does not verify such signatures again.
	// Optional; it must only say true of signatures that are valid.
	KnownSig func(hash types.Hash, sig crypto.Signature) bool
	// TxContext returns the context one contract transaction runs under;
	// the node gives it the 5 s wall-clock limit (this package never reads
	// the clock). Default: context.Background, no limit.
	TxContext func() (context.Context, context.CancelFunc)
}

// NewExecutor returns an executor for cfg.
func NewExecutor(cfg Config, opts ExecOptions) (*Executor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Executor{cfg: cfg, workers: max(1, opts.Workers), rand: opts.Rand, vm: opts.VM, keys: opts.KeyCache, knownSig: opts.KnownSig, txContext: opts.TxContext}
	if e.txContext == nil {
		e.txContext = func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	}
	return e, nil
}

// Config returns the chain rules.
func (e *Executor) Config() *Config { return &e.cfg }

// blockEnv is what a transaction sees of its block.
type blockEnv struct {
	height   uint64
	time     uint64
	proposer types.Address
	gasLeft  uint64
	fees     types.Amount // credited to the proposer at the end of the block
}

// CheckTx checks a transaction against an account's state the way block
// execution will: chain id, gas limits, nonce and funds. A nonce above the
// account's is reported as ErrNonceTooHigh, which the mempool treats as a
// gap rather than an error.
func (e *Executor) CheckTx(tx *types.Tx, acc *types.Account) error {
	if tx.ChainID != e.cfg.ChainID {
		return fmt.Errorf("%w: transaction is for %q, this chain is %q", ErrWrongChain, tx.ChainID, e.cfg.ChainID)
	}
	if tx.GasLimit > MaxTxGas {
		return fmt.Errorf("%w: %d > %d", ErrGasLimitTooHigh, tx.GasLimit, MaxTxGas)
	}
	if ig := IntrinsicGas(tx); tx.GasLimit < ig {
		return fmt.Errorf("%w: gas limit %d, intrinsic cost %d", ErrIntrinsicGas, tx.GasLimit, ig)
	}
	if tx.Kind != types.TxTransfer && e.vm == nil {
		return fmt.Errorf("%w: %s transactions need a node with a contract engine", ErrContractsDisabled, tx.Kind)
	}
	if tx.Nonce < acc.Nonce {
		return fmt.Errorf("%w: account nonce is %d, transaction has %d", ErrNonceTooLow, acc.Nonce, tx.Nonce)
	}
	if tx.Nonce > acc.Nonce {
		return fmt.Errorf("%w: account nonce is %d, transaction has %d", ErrNonceTooHigh, acc.Nonce, tx.Nonce)
	}
	return checkFunds(tx, acc)
}

// MaxCost is the most a transaction can take from its sender: gas limit x
// gas price + amount. ok is false if that overflows.
func MaxCost(tx *types.Tx) (cost types.Amount, ok bool) {
	gas := types.NewAmount(tx.GasLimit)
	price := types.NewAmount(tx.GasPrice)
	if _, over := cost.MulOverflow(&gas, &price); over {
		return cost, false
	}
	if _, over := cost.AddOverflow(&cost, &tx.Amount); over {
		return cost, false
	}
	return cost, true
}

func checkFunds(tx *types.Tx, acc *types.Account) error {
	cost, ok := MaxCost(tx)
	if !ok || acc.Balance.Lt(&cost) {
		return fmt.Errorf("%w: balance %s, cost up to %s", ErrInsufficientFunds, acc.Balance.Dec(), cost.Dec())
	}
	return nil
}

// applyTx executes tx on o. An error means the transaction is invalid and
// o is unchanged; otherwise the receipt says whether it succeeded.
func (e *Executor) applyTx(o *Overlay, env *blockEnv, tx *types.Tx, hash types.Hash) (types.Receipt, error) {
	sender := tx.Sender()
	acc, err := o.Account(sender)
	if err != nil {
		return types.Receipt{}, err
	}
	if err := e.CheckTx(tx, &acc); err != nil {
		return types.Receipt{}, err
	}
	if tx.GasLimit > env.gasLeft {
		return types.Receipt{}, fmt.Errorf("%w: gas limit %d, %d left in block", ErrBlockGasExceeded, tx.GasLimit, env.gasLeft)
	}
	e.Warm(o, tx) // compiling is not part of the time limit
	sp := o.Savepoint()
	ctx, cancel := e.txContext()
	defer cancel()
	rc, err := e.execute(ctx, o, env, tx, hash, sender, acc)
	if err != nil {
		o.RollbackTo(sp)
		return types.Receipt{}, err
	}
	return rc, nil
}

// execute applies a checked transaction: nonce, value or contract, fee.
func (e *Executor) execute(ctx context.Context, o *Overlay, env *blockEnv, tx *types.Tx, hash types.Hash, sender types.Address, acc types.Account) (types.Receipt, error) {
	rc := types.Receipt{TxHash: hash, Status: types.ReceiptSuccess, GasUsed: IntrinsicGas(tx)}
	acc.Nonce++
	if tx.Kind == types.TxTransfer {
		// The hot path: one write of the sender, one of the recipient.
		rc.Fee = feeOf(rc.GasUsed, tx.GasPrice)
		acc.Balance.Sub(&acc.Balance, &rc.Fee)
		acc.Balance.Sub(&acc.Balance, &tx.Amount) // funds were checked
		if err := o.SetAccount(sender, &acc); err != nil {
			return types.Receipt{}, err
		}
		if err := credit(o, tx.To, &tx.Amount); err != nil {
			return types.Receipt{}, err
		}
	} else {
		if err := o.SetAccount(sender, &acc); err != nil {
			return types.Receipt{}, err
		}
		res, err := e.runContract(ctx, o, env, tx, hash, sender, rc.GasUsed)
		if err != nil {
			return types.Receipt{}, err
		}
		rc.GasUsed += res.GasUsed
		rc.ReturnData, rc.Events = res.ReturnData, res.Events
		if res.Err != nil {
			rc.Status, rc.ReturnData, rc.Events = types.ReceiptFailed, nil, nil
			rc.Error = truncate(res.Err.Error(), types.MaxReceiptError)
			var ee *vm.ExecError
			if errors.As(res.Err, &ee) && ee.Kind == vm.KindRevert {
				rc.ReturnData = res.ReturnData // the revert data, for callers
			}
		} else if tx.Kind == types.TxDeploy {
			rc.ContractAddress = types.ContractAddress(sender, tx.Nonce)
		}
		// The fee comes last: the sender's balance fell only by the value
		// sent, so gas limit x price is still there.
		rc.Fee = feeOf(rc.GasUsed, tx.GasPrice)
		acc, err := o.Account(sender)
		if err != nil {
			return types.Receipt{}, err
		}
		acc.Balance.Sub(&acc.Balance, &rc.Fee)
		if err := o.SetAccount(sender, &acc); err != nil {
			return types.Receipt{}, err
		}
	}
	env.fees.Add(&env.fees, &rc.Fee) // cannot overflow: fees are bounded by the supply
	env.gasLeft -= rc.GasUsed
	return rc, nil
}

// feeOf is gas x price; it cannot overflow for checked transactions.
func feeOf(gas, price uint64) types.Amount {
	g, p := types.NewAmount(gas), types.NewAmount(price)
	var fee types.Amount
	fee.Mul(&g, &p)
	return fee
}

// runContract runs a deploy or call transaction in the VM with the gas left
// after the intrinsic cost. The VM rolls back the state changes of a failed
// call itself. An error means the transaction cannot be included (its
// execution timed out on this node).
func (e *Executor) runContract(ctx context.Context, o *Overlay, env *blockEnv, tx *types.Tx, hash types.Hash, sender types.Address, intrinsic uint64) (vm.Result, error) {
	venv := &vm.Env{BlockHeight: env.height, BlockTime: env.time, TxHash: hash, Origin: sender}
	gas := tx.GasLimit - intrinsic
	var res vm.Result
	if tx.Kind == types.TxDeploy {
		addr := types.ContractAddress(sender, tx.Nonce)
		res = e.vm.Deploy(ctx, stateHost{o}, venv, sender, addr, tx.Code, tx.Input, tx.Amount, gas)
	} else {
		res = e.vm.Call(ctx, stateHost{o}, venv, vm.CallRequest{Caller: sender, Contract: tx.To, Method: tx.Method,
			Input: tx.Input, Value: tx.Amount, Gas: gas})
	}
	if res.GasUsed > gas {
		return res, fmt.Errorf("vm reported %d gas used of %d available", res.GasUsed, gas)
	}
	if errors.Is(res.Err, vm.ErrTimeout) {
		return res, fmt.Errorf("%w: %v", ErrTxTimeout, res.Err)
	}
	if errors.Is(res.Err, vm.ErrInternal) {
		// The node could not run the call (a state read failed): that says
		// nothing about the transaction, and must not become a receipt.
		return res, stateReadError{res.Err}
	}
	return res, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

var errBalanceOverflow = errors.New("balance overflow")

func credit(o *Overlay, to types.Address, amount *types.Amount) error {
	if amount.IsZero() {
		return nil
	}
	acc, err := o.Account(to)
	if err != nil {
		return err
	}
	if _, over := acc.Balance.AddOverflow(&acc.Balance, amount); over {
		return fmt.Errorf("%w: crediting %s", errBalanceOverflow, to)
	}
	return o.SetAccount(to, &acc)
}

// InvalidTx is a candidate transaction that BuildBlock left out.
type InvalidTx struct {
	Hash types.Hash
	Err  error
}

// BlockSpec is what a proposer chooses for a new block.
type BlockSpec struct {
	Slot uint64
	Time uint64 // unix milliseconds
	Key  crypto.PrivateKey
}

// BuildBlock builds and signs a block on parent from candidates, in order,
// skipping those that are invalid at their turn (reported in the third
// result) and stopping at the block gas limit or size limit. The candidates
// must have valid signatures: BuildBlock does not verify them.
func (e *Executor) BuildBlock(parent *types.Header, st StateReader, root *Root, spec BlockSpec, candidates []*types.Tx) (*types.Block, *BlockResult, []InvalidTx, error) {
	o := NewOverlay(st)
	env := &blockEnv{
		height:   parent.Height + 1,
		time:     spec.Time,
		proposer: types.AddressOf(spec.Key.Public()),
		gasLeft:  e.cfg.BlockGasLimit,
	}
	blk := &types.Block{}
	res := &BlockResult{}
	var invalid []InvalidTx
	size := 0
	for _, tx := range candidates {
		if len(blk.Txs) == types.MaxBlockTxs || env.gasLeft < TxBaseGas {
			break
		}
		txSize := len(tx.Code) + len(tx.Input) + 256
		if size+txSize > types.MaxBlockSize-1024 {
			continue
		}
		h := tx.Hash()
		rc, err := e.applyTx(o, env, tx, h)
		if err != nil {
			if isStateReadError(err) {
				return nil, nil, nil, err
			}
			invalid = append(invalid, InvalidTx{Hash: h, Err: err})
			continue
		}
		size += txSize
		blk.Txs = append(blk.Txs, tx)
		res.TxHashes = append(res.TxHashes, h)
		res.Receipts = append(res.Receipts, rc)
	}
	if err := e.finish(o, root, res, env); err != nil {
		return nil, nil, nil, err
	}
	blk.Header = types.Header{
		Height:       env.height,
		Parent:       parent.Hash(),
		Slot:         spec.Slot,
		Time:         spec.Time,
		TxRoot:       types.TxRoot(res.TxHashes),
		StateRoot:    res.StateRoot,
		ReceiptsRoot: types.ReceiptsRoot(res.Receipts),
		GasUsed:      res.GasUsed,
		GasLimit:     e.cfg.BlockGasLimit,
	}
	blk.Header.Sign(spec.Key)
	return blk, res, invalid, nil
}

// stateReadError marks a failure to read state (I/O in the caller's
// StateReader), which says nothing about the transaction.
type stateReadError struct{ err error }

func (e stateReadError) Error() string { return e.err.Error() }
func (e stateReadError) Unwrap() error { return e.err }

func isStateReadError(err error) bool {
	var s stateReadError
	return errors.As(err, &s)
}

// finish credits the block's fees to its proposer and computes the state
// root.
func (e *Executor) finish(o *Overlay, root *Root, res *BlockResult, env *blockEnv) error {
	if err := credit(o, env.proposer, &env.fees); err != nil {
		return err
	}
	res.Changes = o.Changes()
	res.Buckets = root.Updates(res.Changes, e.workers)
	res.StateRoot = root.HashWith(res.Buckets)
	res.GasUsed = e.cfg.BlockGasLimit - env.gasLeft
	return nil
}
