package rpc

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// api is what every namespace's service shares. Its methods are
// unexported: go-ethereum's rpc registers every exported method of a
// service, and the namespace types embed *api.
type api struct {
	b   Backend
	log *slog.Logger
	tr  *tracker // subscription goroutines
}

// service is a namespace and the value whose exported methods serve it.
type service struct {
	name string
	svc  any
}

// services lists the namespaces; go-ethereum's rpc adds "rpc" (rpc_modules).
func services(a *api) []service {
	return []service{
		{"chain", &chainAPI{a}},
		{"state", &stateAPI{a}},
		{"tx", &txAPI{a}},
		{"mempool", &mempoolAPI{a}},
		{"node", &nodeAPI{a}},
		{"net", &netAPI{a}},
		{"dev", &devAPI{a}},
		{"contract", &contractAPI{a}},
		{"vm", &vmAPI{a}},
		{"snap", &snapAPI{a}},
	}
}

// catch turns a panic in a method (a backend bug) into an internal error,
// logged with its stack. Every method defers it with its named error.
func (a *api) catch(method string, err *error) {
	if r := recover(); r != nil {
		a.log.Error("rpc: method panicked", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		*err = &Error{Code: CodeInternal, Message: "internal error"}
	}
}

// fail maps a backend error to its JSON-RPC error, logging the ones that
// are no refusal: they are the node's failures, not the caller's.
func (a *api) fail(method string, err error) error {
	e := toError(err)
	if e.Code == CodeInternal {
		a.log.Warn("rpc: backend error", "method", method, "err", err)
	}
	return e
}

// height resolves a block parameter to a height.
func (a *api) height(n BlockNumber) uint64 {
	switch n {
	case LatestBlock:
		return a.b.Head().Height
	case FinalizedBlock:
		return a.b.FinalizedHeight()
	case EarliestBlock:
		return 0
	}
	return uint64(n)
}

// stateHeight resolves the optional block parameter of a state read: nil
// for the head, else the height, which must not be above the head.
func (a *api) stateHeight(block *BlockNumber) (*uint64, error) {
	if block == nil || *block == LatestBlock {
		return nil, nil
	}
	h := a.height(*block)
	if head := a.b.Head().Height; h > head {
		return nil, toError(fmt.Errorf("%w: block %d is beyond the head %d", ErrStateUnavailable, h, head))
	}
	return &h, nil
}

// stateFail maps the error of a state read: a block the backend cannot
// find is state it does not keep.
func (a *api) stateFail(method string, err error) error {
	if errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("%w: %w", ErrStateUnavailable, err)
	}
	return a.fail(method, err)
}
