package vm

import (
	"fmt"

	"github.com/noded/noded/types"
)

// This file is the contract between the VM and the chain that calls it:
// the chain implements Host over its state overlay and calls Deploy, Call
// and Query; everything else in the package is the VM's business.

// Host is the state a contract call sees. The chain implements it over its
// overlay of the block's state. All methods are called from the goroutine
// that called the VM.
type Host interface {
	// StorageGet returns the value at key in contract's storage, or nil.
	StorageGet(contract types.Address, key []byte) ([]byte, error)
	// StorageSet writes value at key; an empty value deletes the entry.
	StorageSet(contract types.Address, key, value []byte) error
	// Balance returns the balance of addr.
	Balance(addr types.Address) (types.Amount, error)
	// Transfer moves amount from one account to another. It returns
	// ErrInsufficientBalance (wrapped) if from cannot pay.
	Transfer(from, to types.Address, amount *types.Amount) error
	// Code returns the code of the contract at addr, and its hash; a nil
	// code means addr has no contract.
	Code(addr types.Address) (code []byte, hash types.Hash, err error)
	// SetCode stores code for a new contract at addr (deploy).
	SetCode(addr types.Address, code []byte) error
	// Savepoint and RollbackTo undo a failed call's state changes (and those
	// of its sub-calls).
	Savepoint() int
	RollbackTo(sp int)
}

// CodeHasher is implemented by a Host that can tell the hash of a
// contract's code without reading the code: the VM then reads the code
// (a Go contract's is 2-3 MB) only the first time, to compile it.
// CodeHash returns the zero hash for an address without a contract.
type CodeHasher interface {
	CodeHash(addr types.Address) (types.Hash, error)
}

// Env is what a call learns about its block and transaction. It comes from
// the block header, never from the clock.
type Env struct {
	BlockHeight uint64
	BlockTime   uint64 // unix milliseconds, from the header
	TxHash      types.Hash
	Origin      types.Address // the transaction's sender
}

// CallRequest is one call into a contract.
type CallRequest struct {
	Caller   types.Address // the account or contract making the call
	Contract types.Address
	Method   string
	Input    []byte
	Value    types.Amount // moved from Caller to Contract before the call
	Gas      uint64       // gas available to the call, at most MaxGas
}

// Result is the outcome of a call or deploy. Err is nil on success;
// otherwise it is an *ExecError and the call's state changes have been
// rolled back. GasUsed is what the call consumed either way.
type Result struct {
	GasUsed    uint64
	ReturnData []byte
	Events     []types.Event
	Logs       []string // debug_log output, not part of consensus
	Err        error
}

// ErrorKind classifies why a call failed.
type ErrorKind int

// Failure kinds. All but KindTimeout and KindInternal are consensus
// results: every node reaches the same kind, message and gas. A timeout
// and an internal error (a Host method failed for a reason other than
// those the ABI defines) are node-local: the transaction must not be
// included on the strength of them. Their numbers are part of ABI v1:
// call_contract returns the callee's kind.
const (
	KindOutOfGas            ErrorKind = iota + 1 // gas ran out
	KindRevert                                   // the contract called revert
	KindTrap                                     // a wasm trap (unreachable, bounds, division by zero, stack)
	KindHostError                                // a host call was misused (bad pointer, oversize key, ...)
	KindInvalidCode                              // deploy: the module is rejected by validation
	KindNoContract                               // call: no contract at the address
	KindNoMethod                                 // call: the contract does not export the method
	KindDepth                                    // cross-contract call depth exceeded
	KindTimeout                                  // the node's wall-clock limit stopped the call
	KindInsufficientBalance                      // value transfer the caller cannot pay
	KindInternal                                 // the Host failed (state read error): node-local, like a timeout
)

var kindNames = map[ErrorKind]string{
	KindOutOfGas: "out of gas", KindRevert: "reverted", KindTrap: "trap", KindHostError: "host call failed",
	KindInvalidCode: "invalid code", KindNoContract: "no contract", KindNoMethod: "no such method",
	KindDepth: "call depth exceeded", KindTimeout: "timeout", KindInsufficientBalance: "insufficient balance",
	KindInternal: "internal error",
}

func (k ErrorKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// ExecError is why a call failed. Message is deterministic (it goes into
// receipts): it never includes engine-specific text such as native stack
// traces or addresses.
type ExecError struct {
	Kind    ErrorKind
	Message string // e.g. the revert message, "host call storage_write: key of 300 bytes exceeds 256"
	cause   error  // the Host error of KindInternal, the validation error of KindInvalidCode
}

// Unwrap returns the Host error behind a KindInternal error, the
// validation error (vm/wasm) behind a KindInvalidCode error, else nil.
func (e *ExecError) Unwrap() error { return e.cause }

func (e *ExecError) Error() string {
	if e.Message == "" {
		return e.Kind.String()
	}
	return e.Kind.String() + ": " + e.Message
}

// Is lets errors.Is(err, ErrTimeout) and similar match by kind.
func (e *ExecError) Is(target error) bool {
	t, ok := target.(*ExecError)
	return ok && t.Message == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is by kind.
var (
	ErrOutOfGas            = &ExecError{Kind: KindOutOfGas}
	ErrRevert              = &ExecError{Kind: KindRevert}
	ErrTrap                = &ExecError{Kind: KindTrap}
	ErrHostError           = &ExecError{Kind: KindHostError}
	ErrInvalidCode         = &ExecError{Kind: KindInvalidCode}
	ErrNoContract          = &ExecError{Kind: KindNoContract}
	ErrNoMethod            = &ExecError{Kind: KindNoMethod}
	ErrDepth               = &ExecError{Kind: KindDepth}
	ErrTimeout             = &ExecError{Kind: KindTimeout}
	ErrInsufficientBalance = &ExecError{Kind: KindInsufficientBalance}
	ErrInternal            = &ExecError{Kind: KindInternal}
)
