package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// The parameters of the contract methods. Each decodes strictly: unknown
// fields, missing required ones and values past the limits of
// transactions are errors, which the framing answers with -32602.

// decodeStrict decodes b into v, refusing unknown fields.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// CallArgs are the parameter of contract_call. To and Method are required.
type CallArgs struct {
	To     types.Address `json:"to"`
	Method string        `json:"method"`
	Input  hexutil.Bytes `json:"input,omitempty"`
	// From is the caller the contract sees; default the zero address.
	From *types.Address `json:"from,omitempty"`
	// Value is moved from From to the contract before the call, in the
	// discarded state; default 0.
	Value *hexutil.U256 `json:"value,omitempty"`
	// Gas is the gas the call may use; default and maximum vm.MaxGas.
	Gas *hexutil.Uint64 `json:"gas,omitempty"`
}

type callArgsJSON CallArgs // without the methods, to decode into

// UnmarshalJSON decodes and checks the object.
func (a *CallArgs) UnmarshalJSON(b []byte) error {
	var raw struct {
		callArgsJSON
		To     *types.Address `json:"to"`
		Method *string        `json:"method"`
	}
	if err := decodeStrict(b, &raw); err != nil {
		return err
	}
	switch {
	case raw.To == nil:
		return errors.New(`missing "to"`)
	case raw.Method == nil || *raw.Method == "":
		return errors.New(`missing "method"`)
	}
	out := CallArgs(raw.callArgsJSON)
	out.To, out.Method = *raw.To, *raw.Method
	if err := out.check(); err != nil {
		return err
	}
	*a = out
	return nil
}

func (a *CallArgs) check() error {
	if err := checkMethod(a.Method); err != nil {
		return err
	}
	if err := checkInput(a.Input); err != nil {
		return err
	}
	if a.Gas != nil && (*a.Gas == 0 || uint64(*a.Gas) > vm.MaxGas) {
		return fmt.Errorf(`"gas" must be 1 to %d, got %d`, vm.MaxGas, uint64(*a.Gas))
	}
	return nil
}

// Request returns the VM call the arguments describe.
func (a *CallArgs) Request() vm.CallRequest {
	req := vm.CallRequest{Contract: a.To, Method: a.Method, Input: a.Input, Gas: vm.MaxGas}
	if a.From != nil {
		req.Caller = *a.From
	}
	if a.Value != nil {
		req.Value = types.Amount(*a.Value)
	}
	if a.Gas != nil {
		req.Gas = uint64(*a.Gas)
	}
	return req
}

func checkMethod(m string) error {
	if len(m) > types.MaxMethodLen {
		return fmt.Errorf(`"method" is %d bytes, at most %d`, len(m), types.MaxMethodLen)
	}
	return nil
}

func checkInput(in []byte) error {
	if len(in) > types.MaxInputSize {
		return fmt.Errorf(`"input" is %d bytes, at most %d`, len(in), types.MaxInputSize)
	}
	return nil
}

// EstimateArgs are the parameter of tx_estimateGas: a transaction without
// nonce, gas limit or signature. From is required; Kind, when absent,
// follows from the fields: code makes a deploy, a method a call, and
// anything else a transfer.
type EstimateArgs struct {
	From     types.Address   `json:"from"`
	To       *types.Address  `json:"to,omitempty"`
	Kind     string          `json:"kind,omitempty"` // "transfer", "deploy" or "call"
	Value    *hexutil.U256   `json:"value,omitempty"`
	Method   string          `json:"method,omitempty"`
	Input    hexutil.Bytes   `json:"input,omitempty"`
	Code     hexutil.Bytes   `json:"code,omitempty"`
	GasPrice *hexutil.Uint64 `json:"gasPrice,omitempty"` // default 0: fees are not checked
}

type estimateArgsJSON EstimateArgs

// UnmarshalJSON decodes and checks the object.
func (a *EstimateArgs) UnmarshalJSON(b []byte) error {
	var raw struct {
		estimateArgsJSON
		From *types.Address `json:"from"`
	}
	if err := decodeStrict(b, &raw); err != nil {
		return err
	}
	if raw.From == nil {
		return errors.New(`missing "from"`)
	}
	out := EstimateArgs(raw.estimateArgsJSON)
	out.From = *raw.From
	if _, err := out.TxKind(); err != nil {
		return err
	}
	*a = out
	return nil
}

// TxKind returns the kind of the transaction, given or inferred, and
// checks that the fields fit it.
func (a *EstimateArgs) TxKind() (types.TxKind, error) {
	var kind types.TxKind
	switch a.Kind {
	case "transfer":
		kind = types.TxTransfer
	case "deploy":
		kind = types.TxDeploy
	case "call":
		kind = types.TxCall
	case "":
		switch {
		case len(a.Code) > 0:
			kind = types.TxDeploy
		case a.Method != "":
			kind = types.TxCall
		default:
			kind = types.TxTransfer
		}
	default:
		return 0, fmt.Errorf(`"kind" must be "transfer", "deploy" or "call", got %q`, a.Kind)
	}
	bad := func(msg string) (types.TxKind, error) { return 0, fmt.Errorf("%s %s", kind, msg) }
	switch kind {
	case types.TxTransfer:
		if a.To == nil {
			return bad(`needs "to"`)
		}
		if a.Method != "" || len(a.Code) > 0 || len(a.Input) > 0 {
			return bad("carries no method, code or input")
		}
	case types.TxDeploy:
		if a.To != nil {
			return bad(`has no "to": the contract's address follows from the sender and nonce`)
		}
		if a.Method != "" {
			return bad(`has no "method"`)
		}
		if len(a.Code) == 0 {
			return bad(`needs "code"`)
		}
	case types.TxCall:
		if a.To == nil || a.Method == "" {
			return bad(`needs "to" and "method"`)
		}
		if len(a.Code) > 0 {
			return bad(`carries no "code"`)
		}
	}
	if err := checkMethod(a.Method); err != nil {
		return 0, err
	}
	if err := checkInput(a.Input); err != nil {
		return 0, err
	}
	if len(a.Code) > types.MaxCodeSize {
		return 0, fmt.Errorf(`"code" is %d bytes, at most %d`, len(a.Code), types.MaxCodeSize)
	}
	return kind, nil
}

// Tx returns the unsigned transaction the arguments describe, for chainID,
// with the maximum gas limit and nonce 0 (Estimate sets the account's).
func (a *EstimateArgs) Tx(chainID string) (*types.Tx, error) {
	kind, err := a.TxKind()
	if err != nil {
		return nil, err
	}
	tx := &types.Tx{ChainID: chainID, Kind: kind, Method: a.Method, Input: a.Input, Code: a.Code, GasLimit: chain.MaxTxGas}
	if a.To != nil {
		tx.To = *a.To
	}
	if a.Value != nil {
		tx.Amount = types.Amount(*a.Value)
	}
	if a.GasPrice != nil {
		tx.GasPrice = uint64(*a.GasPrice)
	}
	return tx, nil
}

// EventFilter selects events by the contract that emitted them and by
// topic; an absent field matches every event. It is the parameter of
// chain_subscribe "events".
type EventFilter struct {
	Address *types.Address `json:"address,omitempty"`
	Topic   *string        `json:"topic,omitempty"`
}

type eventFilterJSON EventFilter

// UnmarshalJSON decodes the object strictly.
func (f *EventFilter) UnmarshalJSON(b []byte) error {
	var raw eventFilterJSON
	if err := decodeStrict(b, &raw); err != nil {
		return err
	}
	out := EventFilter(raw)
	if err := out.check(); err != nil {
		return err
	}
	*f = out
	return nil
}

func (f *EventFilter) check() error {
	if f.Topic != nil && len(*f.Topic) > types.MaxEventTopicLen {
		return fmt.Errorf(`"topic" is %d bytes, at most %d`, len(*f.Topic), types.MaxEventTopicLen)
	}
	return nil
}

// Match reports whether ev, emitted by the contract ev.Address, passes
// the filter.
func (f *EventFilter) Match(ev *types.Event) bool {
	return (f.Address == nil || *f.Address == ev.Address) && (f.Topic == nil || *f.Topic == ev.Topic)
}

// EventQueryArgs are the parameter of chain_getEvents: a range of blocks,
// both ends required, and an optional filter.
type EventQueryArgs struct {
	FromBlock BlockNumber    `json:"fromBlock"`
	ToBlock   BlockNumber    `json:"toBlock"`
	Address   *types.Address `json:"address,omitempty"`
	Topic     *string        `json:"topic,omitempty"`
}

// UnmarshalJSON decodes the object strictly.
func (q *EventQueryArgs) UnmarshalJSON(b []byte) error {
	var raw struct {
		FromBlock *BlockNumber   `json:"fromBlock"`
		ToBlock   *BlockNumber   `json:"toBlock"`
		Address   *types.Address `json:"address"`
		Topic     *string        `json:"topic"`
	}
	if err := decodeStrict(b, &raw); err != nil {
		return err
	}
	if raw.FromBlock == nil || raw.ToBlock == nil {
		return errors.New(`"fromBlock" and "toBlock" are required`)
	}
	out := EventQueryArgs{FromBlock: *raw.FromBlock, ToBlock: *raw.ToBlock, Address: raw.Address, Topic: raw.Topic}
	f := out.Filter()
	if err := f.check(); err != nil {
		return err
	}
	*q = out
	return nil
}

// Filter returns the query's filter.
func (q *EventQueryArgs) Filter() EventFilter {
	return EventFilter{Address: q.Address, Topic: q.Topic}
}
