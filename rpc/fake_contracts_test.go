package rpc

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// fakeContracts is the fake's ContractBackend state. Tests set its fields
// before the server starts; calls are recorded under mu.
type fakeContracts struct {
	result   vm.Result     // returned by Query
	queryErr error         // returned by Query when set
	receipt  types.Receipt // returned by Estimate
	estErr   error         // returned by Estimate when set
	code     map[types.Address][]byte
	storage  map[types.Address]map[string][]byte
	events   []EventLog // every event of the chain, in order
	info     VMInfo

	mu        sync.Mutex
	queries   []fakeQuery
	estimates []fakeEstimate
	scans     []EventQuery
	eventSubs map[int]func([]EventLog)
	nextSub   int
	subbed    chan int // receives the id of each new events subscription
	unsubbed  chan int // receives the id of each cancelled one
}

type fakeQuery struct {
	req    vm.CallRequest
	height *uint64
}

type fakeEstimate struct {
	tx     *types.Tx
	sender types.Address
}

// state checks a height as the fake's Account does.
func (f *fakeBackend) state(height *uint64) error {
	if height != nil && *height < f.prunedBelow {
		return fmt.Errorf("%w: height %d pruned", ErrStateUnavailable, *height)
	}
	return nil
}

func (f *fakeBackend) Query(ctx context.Context, req vm.CallRequest, height *uint64) (vm.Result, error) {
	f.maybePanic()
	if err := f.state(height); err != nil {
		return vm.Result{}, err
	}
	c := &f.contracts
	c.mu.Lock()
	c.queries = append(c.queries, fakeQuery{req: req, height: height})
	c.mu.Unlock()
	return c.result, c.queryErr
}

func (f *fakeBackend) Estimate(ctx context.Context, tx *types.Tx, sender types.Address) (types.Receipt, error) {
	f.maybePanic()
	c := &f.contracts
	c.mu.Lock()
	c.estimates = append(c.estimates, fakeEstimate{tx: tx, sender: sender})
	c.mu.Unlock()
	return c.receipt, c.estErr
}

func (f *fakeBackend) Code(addr types.Address, height *uint64) ([]byte, error) {
	f.maybePanic()
	if err := f.state(height); err != nil {
		return nil, err
	}
	return f.contracts.code[addr], nil
}

func (f *fakeBackend) Storage(addr types.Address, key []byte, height *uint64) ([]byte, error) {
	f.maybePanic()
	if err := f.state(height); err != nil {
		return nil, err
	}
	return f.contracts.storage[addr][string(key)], nil
}

func (f *fakeBackend) Events(ctx context.Context, q EventQuery) ([]EventLog, error) {
	f.maybePanic()
	c := &f.contracts
	c.mu.Lock()
	c.scans = append(c.scans, q)
	c.mu.Unlock()
	var out []EventLog
	for _, l := range c.events {
		if l.Height >= q.From && l.Height <= q.To && q.Filter.Match(&l.Event) {
			out = append(out, l)
			if len(out) > q.Limit {
				break
			}
		}
	}
	return out, nil
}

func (f *fakeBackend) SubscribeEvents(fn func([]EventLog)) func() {
	f.maybePanic()
	c := &f.contracts
	c.mu.Lock()
	if c.eventSubs == nil {
		c.eventSubs = make(map[int]func([]EventLog))
	}
	id := c.nextSub
	c.nextSub++
	c.eventSubs[id] = fn
	c.mu.Unlock()
	if c.subbed != nil {
		c.subbed <- id
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			delete(c.eventSubs, id)
			c.mu.Unlock()
			if c.unsubbed != nil {
				c.unsubbed <- id
			}
		})
	}
}

// pushEvents delivers a block's events to every subscriber, as the node
// does when it commits the block.
func (f *fakeBackend) pushEvents(logs []EventLog) {
	c := &f.contracts
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, fn := range c.eventSubs {
		fn(logs)
	}
}

func (f *fakeBackend) VMInfo() VMInfo { f.maybePanic(); return f.contracts.info }

// withContracts gives f a contract with code and storage, events in
// blocks 1 and 2 and a VM.
func withContracts(f *fakeBackend) *fakeBackend {
	contract, other := types.Address{0xc0}, types.Address{0xc1}
	f.contracts.code = map[types.Address][]byte{contract: {0, 'a', 's', 'm', 1, 0, 0, 0}}
	f.contracts.storage = map[types.Address]map[string][]byte{contract: {"count": {42, 0, 0, 0, 0, 0, 0, 0}}}
	b1, b2 := f.blocks[1].Hash(), f.blocks[2].Hash()
	f.contracts.events = []EventLog{
		{Height: 1, BlockHash: b1, TxHash: types.Hash{1}, TxIndex: 0, EventIndex: 0, Event: types.Event{Address: contract, Topic: "incremented", Data: []byte{1}}},
		{Height: 1, BlockHash: b1, TxHash: types.Hash{1}, TxIndex: 0, EventIndex: 1, Event: types.Event{Address: other, Topic: "incremented", Data: []byte{2}}},
		{Height: 1, BlockHash: b1, TxHash: types.Hash{2}, TxIndex: 1, EventIndex: 0, Event: types.Event{Address: contract, Topic: "reset", Data: nil}},
		{Height: 2, BlockHash: b2, TxHash: types.Hash{3}, TxIndex: 0, EventIndex: 0, Event: types.Event{Address: contract, Topic: "incremented", Data: []byte{3}}},
	}
	f.contracts.info = VMInfo{Engine: "wasmer", ABIVersion: 1, Schedule: vm.DefaultSchedule(), MaxGas: vm.MaxGas, Timeout: 5 * time.Second}
	return f
}
