package mempool

import (
	"sync"

	"github.com/noded/noded/types"
)

// AccountReader reads accounts from the state at the chain's head.
type AccountReader interface {
	Account(types.Address) (types.Account, error)
}

// Checker checks a transaction against its sender's account the way block
// execution will. *chain.Executor satisfies it.
type Checker interface {
	CheckTx(tx *types.Tx, acc *types.Account) error
}

// Pool holds transactions waiting to be included in a block. It is safe
// for concurrent use.
type Pool struct {
	cfg Config
	chk Checker

	ready chan struct{}

	mu      sync.Mutex
	byHash  map[types.Hash]*entry
	senders map[types.Address]*txList
	evict   evictHeap
	pending int    // executable transactions, over all senders
	seq     uint64 // arrival counter
	updates uint64 // Update calls applied: Add's account read is current if none came since
}

// New returns an empty pool. cfg's zero fields take their defaults. chk
// checks transactions against state; Add and Update call it.
func New(cfg Config, chk Checker) (*Pool, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Pool{
		cfg:     cfg,
		chk:     chk,
		ready:   make(chan struct{}, 1),
		byHash:  make(map[types.Hash]*entry),
		senders: make(map[types.Address]*txList),
	}, nil
}

// Config returns the pool's configuration, defaults applied.
func (p *Pool) Config() Config { return p.cfg }

// Ready returns a channel that receives a value whenever a transaction
// becomes executable, and after an Update that leaves executable
// transactions in the pool. Signals do not queue up: one value stands for
// any number of events, so a receiver should take everything Pending
// offers. A dev node waits on it to build blocks on demand.
func (p *Pool) Ready() <-chan struct{} { return p.ready }

// Get returns the pooled transaction with hash.
func (p *Pool) Get(hash types.Hash) (*types.Tx, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.byHash[hash]
	if !ok {
		return nil, false
	}
	return e.tx, true
}

// Len returns the number of transactions in the pool.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.byHash)
}

// Stats counts the pool's transactions.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{
		Pending:  p.pending,
		Queued:   len(p.byHash) - p.pending,
		Senders:  len(p.senders),
		Capacity: p.cfg.MaxTxs,
	}
}

// Inspect returns the nonces of addr's pending and queued transactions,
// in increasing order.
func (p *Pool) Inspect(addr types.Address) (pending, queued []uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.senders[addr]
	if l == nil {
		return nil, nil
	}
	for i, e := range l.txs {
		if i < l.pending {
			pending = append(pending, e.tx.Nonce)
		} else {
			queued = append(queued, e.tx.Nonce)
		}
	}
	return pending, queued
}

// signal wakes a waiter on Ready without blocking.
func (p *Pool) signal() {
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

// forget removes e from the hash index.
func (p *Pool) forget(e *entry) {
	delete(p.byHash, e.hash)
	e.list = nil
}

// settle restores l's invariants after it changed at index lo and above
// (see txList.recount) and brings the pool's counters, eviction heap and
// sender index up to date with it.
func (p *Pool) settle(l *txList, lo int, exhaustive bool) {
	before := l.pending
	l.recount(lo, exhaustive)
	p.pending += l.pending - before
	switch {
	case len(l.txs) == 0:
		if l.heapIdx >= 0 {
			p.evict.remove(l)
		}
		delete(p.senders, l.addr)
	case l.heapIdx < 0:
		l.evictKey = tailKey(l)
		p.senders[l.addr] = l
		p.evict.push(l)
	default:
		if k := tailKey(l); k != l.evictKey {
			l.evictKey = k
			p.evict.fix(l)
		}
	}
	if l.pending > before {
		p.signal()
	}
}
