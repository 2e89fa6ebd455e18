package clienttest

import (
	"context"
	"fmt"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// The fake runs no contracts: contract_call and the estimates of deploys
// and calls are refused as by a node without a contract engine. It keeps
// code and storage that a test sets, and the events of its receipts
// (Options.Events).

// contracts is the Backend's contract state, guarded by Backend.mu.
type contracts struct {
	code      map[types.Address][]byte
	storage   map[types.Address]map[string][]byte
	eventSubs map[int]func([]rpc.EventLog)
	nextEvSub int
}

// SetCode sets the code of the contract at addr (nil removes it).
func (b *Backend) SetCode(addr types.Address, code []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.code == nil {
		b.code = make(map[types.Address][]byte)
	}
	b.code[addr] = code
}

// SetStorage sets a value in the storage of the contract at addr.
func (b *Backend) SetStorage(addr types.Address, key, value []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.storage == nil {
		b.storage = make(map[types.Address]map[string][]byte)
	}
	if b.storage[addr] == nil {
		b.storage[addr] = make(map[string][]byte)
	}
	b.storage[addr][string(key)] = value
}

// headOnly refuses a height other than the head's; the caller holds b.mu.
func (b *Backend) headOnly(height *uint64) error {
	if height != nil && *height != uint64(len(b.blocks)-1) {
		return fmt.Errorf("%w: the fake keeps the head state only", rpc.ErrStateUnavailable)
	}
	return nil
}

var errNoContracts = fmt.Errorf("%w: the fake chain runs no contracts", chain.ErrContractsDisabled)

// Query implements rpc.Backend: the fake runs no contracts.
func (b *Backend) Query(ctx context.Context, req vm.CallRequest, height *uint64) (vm.Result, error) {
	return vm.Result{}, errNoContracts
}

// Estimate implements rpc.Backend for transfers, which cost their
// intrinsic gas.
func (b *Backend) Estimate(ctx context.Context, tx *types.Tx, sender types.Address) (types.Receipt, error) {
	if tx.Kind != types.TxTransfer {
		return types.Receipt{}, errNoContracts
	}
	b.mu.Lock()
	acct := b.accounts[sender]
	b.mu.Unlock()
	t := *tx
	t.GasLimit = chain.MaxTxGas
	if c, overflow := cost(&t); overflow || c.Cmp(&acct.Balance) > 0 {
		return types.Receipt{}, fmt.Errorf("%w: balance %s, cost %s", chain.ErrInsufficientFunds, acct.Balance.Dec(), c.Dec())
	}
	return types.Receipt{Status: types.ReceiptSuccess, GasUsed: chain.IntrinsicGas(tx)}, nil
}

// Code implements rpc.Backend.
func (b *Backend) Code(addr types.Address, height *uint64) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.headOnly(height); err != nil {
		return nil, err
	}
	return b.code[addr], nil
}

// Storage implements rpc.Backend.
func (b *Backend) Storage(addr types.Address, key []byte, height *uint64) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.headOnly(height); err != nil {
		return nil, err
	}
	return b.storage[addr][string(key)], nil
}

// Events implements rpc.Backend.
func (b *Backend) Events(ctx context.Context, q rpc.EventQuery) ([]rpc.EventLog, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []rpc.EventLog
	for h := q.From; h <= q.To && h < uint64(len(b.blocks)); h++ {
		blk := b.blocks[h]
		for i, tx := range blk.Txs {
			rc := b.receipts[tx.Hash()]
			for j := range rc.Events {
				if q.Filter.Match(&rc.Events[j]) {
					out = append(out, eventLog(blk, i, j, &rc))
				}
			}
		}
	}
	return out, nil
}

func eventLog(blk *types.Block, txIndex, eventIndex int, rc *types.Receipt) rpc.EventLog {
	return rpc.EventLog{Height: blk.Header.Height, BlockHash: blk.Hash(), TxHash: rc.TxHash, TxIndex: txIndex,
		EventIndex: eventIndex, Event: rc.Events[eventIndex]}
}

// SubscribeEvents implements rpc.Backend.
func (b *Backend) SubscribeEvents(fn func([]rpc.EventLog)) (cancel func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.eventSubs == nil {
		b.eventSubs = make(map[int]func([]rpc.EventLog))
	}
	id := b.nextEvSub
	b.nextEvSub++
	b.eventSubs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.eventSubs, id)
	}
}

// blockEvents returns the events subscribers and the events of a new
// block; the caller holds b.mu.
func (b *Backend) blockEvents(blk *types.Block, receipts []types.Receipt) ([]func([]rpc.EventLog), []rpc.EventLog) {
	var logs []rpc.EventLog
	for i := range receipts {
		for j := range receipts[i].Events {
			logs = append(logs, eventLog(blk, i, j, &receipts[i]))
		}
	}
	if len(logs) == 0 {
		return nil, nil
	}
	subs := make([]func([]rpc.EventLog), 0, len(b.eventSubs))
	for _, fn := range b.eventSubs {
		subs = append(subs, fn)
	}
	return subs, logs
}

// VMInfo implements rpc.Backend: the fake reports the default schedule
// and limits, and no engine.
func (b *Backend) VMInfo() rpc.VMInfo {
	return rpc.VMInfo{Engine: "none", ABIVersion: 1, Schedule: vm.DefaultSchedule(), MaxGas: chain.MaxTxGas, Timeout: 5 * time.Second}
}
