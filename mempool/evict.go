package mempool

import (
	"container/heap"
	"fmt"
)

// worth is what a transaction is worth to the pool when it is full: an
// executable transaction is worth more than a queued one, and then the
// higher its floor (the lowest gas price on its way to execution), the
// more.
type worth struct {
	executable bool
	floor      uint64
}

func (w worth) less(o worth) bool {
	if w.executable != o.executable {
		return !w.executable
	}
	return w.floor < o.floor
}

func (w worth) String() string {
	if w.executable {
		return fmt.Sprintf("%d (executable)", w.floor)
	}
	return fmt.Sprintf("%d (queued)", w.floor)
}

// evictKey places a sender in the eviction order: the worth of its last
// transaction, the one eviction takes (taking the highest nonce never
// opens a gap), and that transaction's arrival. The last transaction is
// worth the least of the sender's.
type evictKey struct {
	worth worth
	seq   uint64
}

func tailKey(l *txList) evictKey {
	t := l.tail()
	return evictKey{worth: worth{executable: l.queued() == 0, floor: t.floor}, seq: t.seq}
}

// evictHeap orders the senders by the worth of their last transaction,
// least first; among equals, the later arrival goes first.
type evictHeap []*txList

func (h evictHeap) Len() int { return len(h) }

func (h evictHeap) Less(i, j int) bool {
	a, b := &h[i].evictKey, &h[j].evictKey
	if a.worth != b.worth {
		return a.worth.less(b.worth)
	}
	return a.seq > b.seq
}

func (h evictHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

func (h *evictHeap) Push(x any) {
	l := x.(*txList)
	l.heapIdx = len(*h)
	*h = append(*h, l)
}

func (h *evictHeap) Pop() any {
	old := *h
	l := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	l.heapIdx = -1
	return l
}

func (h *evictHeap) push(l *txList)   { heap.Push(h, l) }
func (h *evictHeap) fix(l *txList)    { heap.Fix(h, l.heapIdx) }
func (h *evictHeap) remove(l *txList) { heap.Remove(h, l.heapIdx) }

// cheapest returns the sender whose last transaction is worth the least.
func (h evictHeap) cheapest() *txList { return h[0] }
