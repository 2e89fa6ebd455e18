package chain

import (
	"errors"
	"fmt"
	"io"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
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

// Executor applies transactions and blocks under one chain's rules.
type Executor struct {
	cfg     Config
	workers int
	rand    io.Reader
}

// ExecOptions are the node-local settings of an Executor; they never change
// a result.
type ExecOptions struct {
	// Workers bounds the goroutines used to verify signatures and hash
	// state. Default 1.
	Workers int
	// Rand blinds batch signature verification. Required to verify blocks.
	Rand io.Reader
}

// NewExecutor returns an executor for cfg.
func NewExecutor(cfg Config, opts ExecOptions) (*Executor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Executor{cfg: cfg, workers: max(1, opts.Workers), rand: opts.Rand}, nil
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
	if tx.Kind != types.TxTransfer {
		return ErrContractsDisabled
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
	sp := o.Savepoint()
	gasUsed := IntrinsicGas(tx)
	gas, price := types.NewAmount(gasUsed), types.NewAmount(tx.GasPrice)
	var fee types.Amount
	fee.Mul(&gas, &price) // cannot overflow: bounded by the checked max cost

	acc.Balance.Sub(&acc.Balance, &fee)
	acc.Balance.Sub(&acc.Balance, &tx.Amount)
	acc.Nonce++
	rc := types.Receipt{TxHash: hash, Status: types.ReceiptSuccess, GasUsed: gasUsed, Fee: fee}
	if err := o.SetAccount(sender, &acc); err != nil {
		return types.Receipt{}, err
	}
	if err := credit(o, tx.To, &tx.Amount); err != nil {
		o.RollbackTo(sp)
		return types.Receipt{}, err
	}
	env.fees.Add(&env.fees, &fee) // cannot overflow: fees are bounded by the supply
	env.gasLeft -= gasUsed
	return rc, nil
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
