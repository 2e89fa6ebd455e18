package rpc

import (
	"errors"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/mempool"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// ErrStateUnavailable is returned by a Backend asked for state at a block it
// no longer keeps (or never had).
var ErrStateUnavailable = errors.New("state unavailable")

// ErrInvalidParams is wrapped by a Backend's errors that blame the caller's
// parameters (an unknown dev account, say); they are answered -32602 with
// the error's message.
var ErrInvalidParams = errors.New("invalid params")

// Standard JSON-RPC 2.0 error codes. The framing layer produces most of
// them; the server uses CodeInvalidParams and CodeInternal itself.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternal       = -32603
)

// Codes of refusals: why a transaction or a call was turned down. Each has
// a reason string, sent as the error's data {"reason": ...}.
const (
	CodeBadSignature           = -32010
	CodeWrongChainID           = -32011
	CodeNonceTooLow            = -32012
	CodeInsufficientFunds      = -32013
	CodeFeeTooLow              = -32014
	CodeTooLarge               = -32015
	CodeMempoolFull            = -32016
	CodeDuplicate              = -32017
	CodeReplacementUnderpriced = -32018
	CodeMalformed              = -32019
	CodeGasLimit               = -32020
	CodeSenderFull             = -32021
	CodeNonceTooFarAhead       = -32022
	CodeUnsupported            = -32023
	CodeNotDevMode             = -32030
	CodeStateUnavailable       = -32031
	CodeTimeout                = -32032
)

// Refusal ties an error code to its reason and to the sentinel errors that
// produce it.
type Refusal struct {
	Code   int
	Reason string
	// Err is the sentinel a client maps the code back to.
	Err error
	// Also lists further sentinels the server maps to this code.
	Also []error
}

// refusalTable is constant data: the order is the order of the errors.Is
// checks, so a too-large encoding (which may also wrap types.ErrEncoding)
// is reported as too_large, not malformed.
var refusalTable = [...]Refusal{
	{CodeBadSignature, "bad_signature", types.ErrBadSig, nil},
	{CodeWrongChainID, "wrong_chain_id", chain.ErrWrongChain, nil},
	{CodeNonceTooLow, "nonce_too_low", chain.ErrNonceTooLow, nil},
	{CodeInsufficientFunds, "insufficient_funds", chain.ErrInsufficientFunds, nil},
	{CodeFeeTooLow, "fee_too_low", mempool.ErrFeeTooLow, nil},
	{CodeTooLarge, "too_large", mempool.ErrTooLarge, nil},
	{CodeMempoolFull, "mempool_full", mempool.ErrPoolFull, nil},
	{CodeDuplicate, "duplicate", mempool.ErrDuplicate, nil},
	{CodeReplacementUnderpriced, "replacement_underpriced", mempool.ErrReplacementUnderpriced, nil},
	{CodeMalformed, "malformed", types.ErrTxMalformed, []error{types.ErrEncoding}},
	{CodeGasLimit, "gas_limit", chain.ErrGasLimitTooHigh, []error{chain.ErrIntrinsicGas, chain.ErrBlockGasExceeded}},
	{CodeSenderFull, "sender_full", mempool.ErrSenderFull, nil},
	{CodeNonceTooFarAhead, "nonce_too_far_ahead", mempool.ErrNonceTooFarAhead, []error{chain.ErrNonceTooHigh}},
	{CodeUnsupported, "unsupported", chain.ErrContractsDisabled, nil},
	{CodeNotDevMode, "not_dev_mode", ErrNotDevMode, nil},
	{CodeStateUnavailable, "state_unavailable", ErrStateUnavailable, nil},
	{CodeTimeout, "timeout", vm.ErrTimeout, []error{chain.ErrTxTimeout}},
}

// Refusals returns the table of refusal codes, in the order the server
// matches them.
func Refusals() []Refusal {
	out := make([]Refusal, len(refusalTable))
	for i, r := range refusalTable {
		r.Also = append([]error(nil), r.Also...)
		out[i] = r
	}
	return out
}

// LookupCode returns the refusal with the given code.
func LookupCode(code int) (Refusal, bool) {
	for _, r := range refusalTable {
		if r.Code == code {
			return r, true
		}
	}
	return Refusal{}, false
}

// matches reports whether err is one of the refusal's sentinels.
func (r *Refusal) matches(err error) bool {
	if errors.Is(err, r.Err) {
		return true
	}
	for _, s := range r.Also {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// Error is a JSON-RPC error. go-ethereum's rpc package sends Code as the
// error code, Error() as the message and ErrorData() as the data, so a
// refusal arrives as {"code":-32012,"message":"...","data":{"reason":"nonce_too_low"}}.
// Unwrap returns the cause: on the server the backend's error, in the Go
// client the sentinel of the code.
type Error struct {
	Code    int
	Message string
	Reason  string // empty for errors that carry no data
	Err     error
}

// ErrorData is the data object of a refusal.
type ErrorData struct {
	Reason string `json:"reason"`
}

func (e *Error) Error() string { return e.Message }

// ErrorCode returns the JSON-RPC error code.
func (e *Error) ErrorCode() int { return e.Code }

// ErrorData returns {"reason": ...} for refusals and nil otherwise.
func (e *Error) ErrorData() any {
	if e.Reason == "" {
		return nil
	}
	return ErrorData{Reason: e.Reason}
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// toError maps err to the refusal it stands for, or to an internal error.
func toError(err error) *Error {
	var rerr *Error
	if errors.As(err, &rerr) {
		return rerr
	}
	if errors.Is(err, ErrInvalidParams) {
		return &Error{Code: CodeInvalidParams, Message: err.Error(), Err: err}
	}
	for i := range refusalTable {
		r := &refusalTable[i]
		if r.matches(err) {
			return &Error{Code: r.Code, Message: err.Error(), Reason: r.Reason, Err: err}
		}
	}
	return &Error{Code: CodeInternal, Message: err.Error(), Err: err}
}

// invalidParams returns a -32602 error.
func invalidParams(msg string) *Error {
	return &Error{Code: CodeInvalidParams, Message: msg}
}
