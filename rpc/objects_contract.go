package rpc

import (
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// RPCCallResult is the outcome of contract_call. A call that failed in the
// VM is a result, not an error: Error holds the reason ("reverted: ...",
// "out of gas", ...) and ReturnData the revert data, if any.
type RPCCallResult struct {
	ReturnData hexutil.Bytes  `json:"returnData"`
	GasUsed    hexutil.Uint64 `json:"gasUsed"` // the execution's, without a transaction's intrinsic cost
	Events     []RPCEvent     `json:"events"`  // [] when the call failed
	Error      string         `json:"error"`   // "" on success
}

// NewRPCCallResult returns the JSON form of a VM result.
func NewRPCCallResult(r *vm.Result) *RPCCallResult {
	out := &RPCCallResult{ReturnData: r.ReturnData, GasUsed: hexutil.Uint64(r.GasUsed), Events: newRPCEvents(r.Events)}
	if out.ReturnData == nil {
		out.ReturnData = hexutil.Bytes{}
	}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return out
}

func newRPCEvents(evs []types.Event) []RPCEvent {
	out := make([]RPCEvent, len(evs))
	for i, ev := range evs {
		out[i] = RPCEvent{Address: ev.Address, Topic: ev.Topic, Data: ev.Data}
	}
	return out
}

// RPCEstimate is the result of tx_estimateGas.
type RPCEstimate struct {
	// Gas is what the transaction used, intrinsic cost included: the
	// gas limit it needs (the receipt's gasUsed for the same state).
	Gas    hexutil.Uint64 `json:"gas"`
	Status string         `json:"status"` // ReceiptStatusSuccess or ReceiptStatusFailed
	Error  string         `json:"error"`  // why it failed; "" on success
	// Warning is set when the transaction needs more gas than a
	// transaction may have: it fails whatever its gas limit.
	Warning string `json:"warning"`
}

// RPCEventLog is an event with its place in the chain (chain_getEvents,
// chain_subscribe "events").
type RPCEventLog struct {
	BlockNumber hexutil.Uint64 `json:"blockNumber"`
	BlockHash   types.Hash     `json:"blockHash"`
	TxHash      types.Hash     `json:"txHash"`
	TxIndex     hexutil.Uint64 `json:"txIndex"`    // in the block
	EventIndex  hexutil.Uint64 `json:"eventIndex"` // in the transaction's receipt
	Address     types.Address  `json:"address"`
	Topic       string         `json:"topic"`
	Data        hexutil.Bytes  `json:"data"`
}

// NewRPCEventLog returns the JSON form of l.
func NewRPCEventLog(l *EventLog) *RPCEventLog {
	data := l.Event.Data
	if data == nil {
		data = []byte{}
	}
	return &RPCEventLog{
		BlockNumber: hexutil.Uint64(l.Height),
		BlockHash:   l.BlockHash,
		TxHash:      l.TxHash,
		TxIndex:     hexutil.Uint64(l.TxIndex),
		EventIndex:  hexutil.Uint64(l.EventIndex),
		Address:     l.Event.Address,
		Topic:       l.Event.Topic,
		Data:        data,
	}
}

// RPCVMInfo describes the contract engine (vm_info).
type RPCVMInfo struct {
	Engine          string         `json:"engine"`
	ABIVersion      hexutil.Uint64 `json:"abiVersion"`
	ScheduleVersion hexutil.Uint64 `json:"scheduleVersion"`
	MaxGas          hexutil.Uint64 `json:"maxGas"`
	TimeoutMs       hexutil.Uint64 `json:"timeoutMs"`
}

// NewRPCVMInfo returns the JSON form of i.
func NewRPCVMInfo(i *VMInfo) *RPCVMInfo {
	return &RPCVMInfo{
		Engine:          i.Engine,
		ABIVersion:      hexutil.Uint64(i.ABIVersion),
		ScheduleVersion: hexutil.Uint64(i.Schedule.Version),
		MaxGas:          hexutil.Uint64(i.MaxGas),
		TimeoutMs:       hexutil.Uint64(i.Timeout.Milliseconds()),
	}
}
