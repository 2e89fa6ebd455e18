package mempool

import "errors"

// Reasons the pool refuses a transaction. Invalid transactions are refused
// with the chain's errors (chain.ErrNonceTooLow, chain.ErrInsufficientFunds,
// ...), wrapped; these are the pool's own.
var (
	ErrFeeTooLow              = errors.New("fee too low")
	ErrDuplicate              = errors.New("duplicate transaction")
	ErrReplacementUnderpriced = errors.New("replacement underpriced")
	ErrPoolFull               = errors.New("mempool full")
	ErrSenderFull             = errors.New("too many transactions from this sender")
	ErrTooLarge               = errors.New("transaction too large")
	ErrNonceTooFarAhead       = errors.New("nonce too far ahead of the account")
)
