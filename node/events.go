package node

import (
	"context"
	"sync"

	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// Events of contracts: the scan of stored receipts behind chain_getEvents
// and the feed behind chain_subscribe "events". There is no index yet: a
// query reads the receipts of every block in its range (at most
// rpc.MaxEventBlocks).

// blockEvents appends to dst the events of a block's receipts that f
// matches, and stops once dst holds more than limit (limit < 0: no limit).
func blockEvents(dst []rpc.EventLog, height uint64, hash types.Hash, receipts []types.Receipt, f *rpc.EventFilter, limit int) []rpc.EventLog {
	for i := range receipts {
		rc := &receipts[i]
		for j := range rc.Events {
			if !f.Match(&rc.Events[j]) {
				continue
			}
			dst = append(dst, rpc.EventLog{Height: height, BlockHash: hash, TxHash: rc.TxHash, TxIndex: i, EventIndex: j, Event: rc.Events[j]})
			if limit >= 0 && len(dst) > limit {
				return dst
			}
		}
	}
	return dst
}

func (b backend) Events(ctx context.Context, q rpc.EventQuery) ([]rpc.EventLog, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	if err := b.n.checkHistory(q.From); err != nil {
		return nil, err
	}
	var out []rpc.EventLog
	for h := q.From; h <= q.To && (limit < 0 || len(out) <= limit); h++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hash, err := b.n.db.HashByHeight(h)
		if err != nil {
			return nil, notFound(err)
		}
		rs, err := b.n.db.Receipts(hash)
		if err != nil {
			return nil, err
		}
		out = blockEvents(out, h, hash, rs, &q.Filter, limit)
		if h == q.To { // q.To may be the largest uint64
			break
		}
	}
	return out, nil
}

func (b backend) SubscribeEvents(fn func([]rpc.EventLog)) func() { return b.n.events.subscribe(fn) }

// eventFeed delivers the events of each new head block to subscribers.
// Subscribers must not block.
type eventFeed struct {
	mu   sync.Mutex
	next int
	subs map[int]func([]rpc.EventLog)
}

func (f *eventFeed) subscribe(fn func([]rpc.EventLog)) (cancel func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = make(map[int]func([]rpc.EventLog))
	}
	id := f.next
	f.next++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

// publish delivers the events of a committed block, if it has any and
// anyone listens. The block loop calls it after each commit.
func (f *eventFeed) publish(blk *types.Block, receipts []types.Receipt) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.subs) == 0 {
		return
	}
	logs := blockEvents(nil, blk.Header.Height, blk.Hash(), receipts, &rpc.EventFilter{}, -1)
	if len(logs) == 0 {
		return
	}
	for _, fn := range f.subs {
		fn(logs)
	}
}
