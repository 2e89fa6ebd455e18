package rpc

import (
	"context"
	"time"

	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// ContractBackend is the part of Backend that serves contracts: read-only
// execution, contract state, events and the VM's parameters.
//
// A height is nil for the head state; for another block the backend may
// return ErrStateUnavailable. The server has already refused heights above
// the head.
type ContractBackend interface {
	// Query runs a read-only call against the state after the block at
	// height, as if in the block after it, and discards every change. ctx
	// is the request's; the backend adds its own wall-clock limit. A call
	// that fails in the VM is no error: the Result's Err says why. A call
	// stopped by the limit returns an error matching vm.ErrTimeout.
	Query(ctx context.Context, req vm.CallRequest, height *uint64) (vm.Result, error)
	// Estimate executes tx from sender against the head state exactly as
	// the next block would (chain.Executor.Estimate: gas limit raised to
	// the maximum, nonce set to the account's, signature not checked) and
	// returns the receipt. Errors are refusals (insufficient funds, ...)
	// or a timeout matching vm.ErrTimeout or chain.ErrTxTimeout.
	Estimate(ctx context.Context, tx *types.Tx, sender types.Address) (types.Receipt, error)
	// Code returns the code of the contract at addr, nil if there is none.
	Code(addr types.Address, height *uint64) ([]byte, error)
	// Storage returns the value at key in the storage of the contract at
	// addr, nil if there is none.
	Storage(addr types.Address, key []byte, height *uint64) ([]byte, error)
	// Events returns the events of blocks q.From to q.To (both included,
	// at most the head) that q.Filter matches, in chain order. It may stop
	// once it has more than q.Limit; the server then refuses the query.
	Events(ctx context.Context, q EventQuery) ([]EventLog, error)
	// SubscribeEvents delivers the events of every new head block, one
	// call per block with at least one event, until the returned cancel
	// function is called; fn must not block.
	SubscribeEvents(fn func([]EventLog)) (cancel func())
	// VMInfo describes the contract engine.
	VMInfo() VMInfo
}

// EventQuery selects the events of a range of blocks.
type EventQuery struct {
	From, To uint64 // block heights, both included
	Filter   EventFilter
	Limit    int // the most events the caller wants; more is an error
}

// EventLog is an event and where it was emitted.
type EventLog struct {
	Height     uint64
	BlockHash  types.Hash
	TxHash     types.Hash
	TxIndex    int // the transaction's index in its block
	EventIndex int // the event's index in its transaction's receipt
	Event      types.Event
}

// VMInfo describes the contract engine of a node.
type VMInfo struct {
	Engine     string // "wasmer"
	ABIVersion uint32 // the host ABI contracts import (docs/abi.md)
	Schedule   vm.Schedule
	MaxGas     uint64        // the most gas a transaction or query may use
	Timeout    time.Duration // the node's wall-clock limit of one call
}
