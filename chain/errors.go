package chain

import "errors"

// Errors that make a transaction invalid: a block that contains such a
// transaction is invalid, and the mempool refuses it. They are distinct
// from a transaction that executes and fails, which is included and whose
// receipt carries the failure.
var (
	ErrWrongChain        = errors.New("wrong chain id")
	ErrNonceTooLow       = errors.New("nonce too low")
	ErrNonceTooHigh      = errors.New("nonce too high")
	ErrInsufficientFunds = errors.New("insufficient funds for gas x price + amount")
	ErrGasLimitTooHigh   = errors.New("gas limit exceeds the per-transaction maximum")
	ErrIntrinsicGas      = errors.New("gas limit below the intrinsic cost")
	ErrBlockGasExceeded  = errors.New("transaction does not fit in the block gas limit")
	ErrContractsDisabled = errors.New("contract transactions are not supported by this node")
	// ErrTxTimeout is node-local: the transaction's execution hit this
	// node's wall-clock limit. A proposer leaves it out; it says nothing
	// about the transaction's validity on other nodes.
	ErrTxTimeout = errors.New("transaction execution timed out")
)

// ErrInvalidBlock is wrapped by every reason a block is rejected.
var ErrInvalidBlock = errors.New("invalid block")

// ErrFutureBlock: the block's time is ahead of this node's clock. It is not
// invalid (it may be valid later, and the sender's clock may be right), so
// it does not wrap ErrInvalidBlock.
var ErrFutureBlock = errors.New("block from the future")

// errStateCorrupt marks state that breaks the chain's own invariants.
var errStateCorrupt = errors.New("state inconsistent")
