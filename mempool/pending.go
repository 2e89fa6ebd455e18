package mempool

import (
	"container/heap"

	"github.com/noded/noded/types"
)

// Pending returns up to maxTxs executable transactions (all of them if
// maxTxs < 1) in the order a block should try them: at each step the
// highest gas price among the senders' next transactions, the earlier
// arrival among equals, and each sender's transactions in nonce order.
// The transactions stay in the pool; Update drops them once included.
// The caller must not modify them.
func (p *Pool) Pending(maxTxs int) []*types.Tx {
	p.mu.Lock()
	defer p.mu.Unlock()
	if maxTxs < 1 || maxTxs > p.pending {
		maxTxs = p.pending
	}
	if maxTxs == 0 {
		return nil
	}
	h := make(priceHeap, 0, len(p.senders))
	for _, l := range p.senders {
		if l.pending > 0 {
			h = append(h, newCursor(l, 0))
		}
	}
	heap.Init(&h)
	out := make([]*types.Tx, 0, maxTxs)
	for len(out) < maxTxs {
		c := &h[0]
		out = append(out, c.l.txs[c.i].tx)
		if c.i+1 < c.l.pending {
			*c = newCursor(c.l, c.i+1)
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return out
}

// cursor is a sender's next executable transaction not yet taken, with a
// copy of what orders it, so that the heap compares without chasing
// pointers.
type cursor struct {
	price uint64
	seq   uint64
	l     *txList
	i     int
}

func newCursor(l *txList, i int) cursor {
	e := l.txs[i]
	return cursor{price: e.tx.GasPrice, seq: e.seq, l: l, i: i}
}

// priceHeap orders cursors by gas price, highest first, then by arrival.
type priceHeap []cursor

func (h priceHeap) Len() int { return len(h) }

func (h priceHeap) Less(i, j int) bool {
	a, b := &h[i], &h[j]
	if a.price != b.price {
		return a.price > b.price
	}
	return a.seq < b.seq
}

func (h priceHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

func (h *priceHeap) Push(x any) { *h = append(*h, x.(cursor)) }

func (h *priceHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
