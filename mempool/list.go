package mempool

import (
	"sort"

	"github.com/noded/noded/types"
)

// entry is one transaction in the pool.
type entry struct {
	tx   *types.Tx
	hash types.Hash
	list *txList
	seq  uint64 // arrival order: breaks every tie
	// floor is the lowest gas price among this transaction and its
	// sender's lower-nonce transactions in the pool. A transaction cannot
	// be included before those, so floor is what it is worth to the pool.
	// It never rises along a sender's list.
	floor uint64
}

// txList is one sender's transactions.
type txList struct {
	addr types.Address
	// base is the sender's account nonce as the pool last learned it: the
	// nonce of its next executable transaction.
	base uint64
	// txs is sorted by nonce; every nonce is at least base and below
	// base + Config.MaxPerSender.
	txs []*entry
	// pending is the length of the executable run: txs[:pending] carry the
	// nonces base, base+1, ... without a gap. The rest are queued.
	pending int
	// heapIdx is the list's position in the pool's eviction heap, and
	// evictKey its key there (kept up to date by Pool.settle).
	heapIdx  int
	evictKey evictKey
}

func newTxList(addr types.Address, base uint64) *txList {
	return &txList{addr: addr, base: base, heapIdx: -1}
}

func (l *txList) queued() int { return len(l.txs) - l.pending }

func (l *txList) tail() *entry { return l.txs[len(l.txs)-1] }

// search returns the index of the transaction with nonce, or where it
// would go, and whether it is there.
func (l *txList) search(nonce uint64) (int, bool) {
	n := len(l.txs)
	// The common cases are the next nonce (append) and a pending one.
	if n == 0 || l.txs[n-1].tx.Nonce < nonce {
		return n, false
	}
	if nonce >= l.base && nonce-l.base < uint64(l.pending) {
		return int(nonce - l.base), true
	}
	i := sort.Search(n, func(i int) bool { return l.txs[i].tx.Nonce >= nonce })
	return i, i < n && l.txs[i].tx.Nonce == nonce
}

func (l *txList) insert(i int, e *entry) {
	l.txs = append(l.txs, nil)
	copy(l.txs[i+1:], l.txs[i:])
	l.txs[i] = e
}

func (l *txList) removeAt(i int) *entry {
	e := l.txs[i]
	copy(l.txs[i:], l.txs[i+1:])
	l.txs[len(l.txs)-1] = nil
	l.txs = l.txs[:len(l.txs)-1]
	return e
}

// trimFront removes the first n transactions.
func (l *txList) trimFront(n int) {
	clear(l.txs[:n])
	l.txs = l.txs[n:]
}

// trimBack removes the transactions from index i on.
func (l *txList) trimBack(i int) {
	clear(l.txs[i:])
	l.txs = l.txs[:i]
}

// recount restores pending and the floors after the list changed at index
// lo and above (lo = 0 after base changed). If only one transaction was
// inserted, replaced or removed at lo, the floors above it are updated
// only as far as they change; exhaustive recomputes them all.
func (l *txList) recount(lo int, exhaustive bool) {
	l.pending = min(l.pending, lo)
	for l.pending < len(l.txs) && l.txs[l.pending].tx.Nonce == l.base+uint64(l.pending) {
		l.pending++
	}
	for j := lo; j < len(l.txs); j++ {
		f := l.txs[j].tx.GasPrice
		if j > 0 {
			f = min(f, l.txs[j-1].floor)
		}
		if j > lo && !exhaustive && f == l.txs[j].floor {
			break
		}
		l.txs[j].floor = f
	}
}

// missing returns up to limit nonces below nonce that the list lacks,
// lowest first.
func (l *txList) missing(nonce uint64, limit int) []uint64 {
	var out []uint64
	next := l.base + uint64(l.pending)
	for _, e := range l.txs[l.pending:] {
		if e.tx.Nonce >= nonce {
			break
		}
		for ; next < e.tx.Nonce && len(out) < limit; next++ {
			out = append(out, next)
		}
		next = e.tx.Nonce + 1
	}
	for ; next < nonce && len(out) < limit; next++ {
		out = append(out, next)
	}
	return out
}
