package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/client"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// tracker knows the transactions sent and not yet included, and records
// when blocks include them. It is safe for concurrent use.
type tracker struct {
	start time.Time

	mu       sync.Mutex
	pending  map[types.Hash]pendingTx
	lat      []time.Duration // confirmation latencies, in order of inclusion
	included int64
	firstAt  time.Time // first and last inclusion
	lastAt   time.Time
	perSec   []int64 // inclusions per second since start
	blocks   int     // blocks seen since start
	blockTxs int64   // transactions in them, ours or not
	maxTxs   int
	height   uint64 // highest block examined
	// A sample of included transactions whose receipts the report
	// checks: the first sampleHalf, and the last sampleHalf.
	firstIncl []types.Hash
	lastIncl  []types.Hash
	lastNext  int
}

const sampleHalf = 500

type pendingTx struct {
	a  *account
	at time.Time // submission: the scheduled time in rate mode
}

func newTracker(start time.Time, height uint64) *tracker {
	return &tracker{start: start, pending: make(map[types.Hash]pendingTx), height: height}
}

// add records a transaction about to be sent.
func (t *tracker) add(h types.Hash, a *account, at time.Time) {
	t.mu.Lock()
	t.pending[h] = pendingTx{a, at}
	t.mu.Unlock()
}

// remove forgets a refused transaction. It returns false if a block has
// already included it (so it was accepted after all).
func (t *tracker) remove(h types.Hash) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pending[h]; !ok {
		return false
	}
	delete(t.pending, h)
	return true
}

// onBlock records the transactions of block height, whose head arrived at.
func (t *tracker) onBlock(height uint64, hashes []types.Hash, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if height <= t.height {
		return
	}
	t.height = height
	t.blocks++
	t.blockTxs += int64(len(hashes))
	t.maxTxs = max(t.maxTxs, len(hashes))
	sec := int(at.Sub(t.start) / time.Second)
	for _, h := range hashes {
		p, ok := t.pending[h]
		if !ok {
			continue
		}
		delete(t.pending, h)
		p.a.inflight.Add(-1)
		if len(t.firstIncl) < sampleHalf {
			t.firstIncl = append(t.firstIncl, h)
		} else if len(t.lastIncl) < sampleHalf {
			t.lastIncl = append(t.lastIncl, h)
		} else {
			t.lastIncl[t.lastNext] = h
			t.lastNext = (t.lastNext + 1) % sampleHalf
		}
		t.lat = append(t.lat, at.Sub(p.at))
		t.included++
		if t.firstAt.IsZero() {
			t.firstAt = at
		}
		t.lastAt = at
		for len(t.perSec) <= sec {
			t.perSec = append(t.perSec, 0)
		}
		if sec >= 0 {
			t.perSec[sec]++
		}
	}
}

// sample returns the included transactions whose receipts to check.
func (t *tracker) sample() []types.Hash {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append(append([]types.Hash(nil), t.firstIncl...), t.lastIncl...)
}

// pendingCount returns the transactions sent and not included.
func (t *tracker) pendingCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// headHeight returns the highest block examined.
func (t *tracker) headHeight() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.height
}

// latencies returns the latencies recorded from index from on, and the
// index to continue from.
func (t *tracker) latencies(from int) ([]time.Duration, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]time.Duration(nil), t.lat[from:]...), len(t.lat)
}

// follower watches the chain on one node and hands every new block's
// transaction hashes to the tracker.
type follower struct {
	url  string // the node's URL as configured
	conn *rpcConn
	t    *tracker
	// polling is set when it fell back from WebSocket to polling.
	mu      sync.Mutex
	polling string
}

// pollInterval is how often the follower asks for the head without
// WebSocket.
const pollInterval = 20 * time.Millisecond

// run follows the chain until ctx is done: newHeads over WebSocket, or
// polling chain_blockNumber if that is not possible.
func (f *follower) run(ctx context.Context) {
	err := f.subscribe(ctx)
	if ctx.Err() != nil {
		return
	}
	f.mu.Lock()
	f.polling = fmt.Sprint(err)
	f.mu.Unlock()
	f.poll(ctx)
}

func (f *follower) subscribe(ctx context.Context) error {
	c, err := client.Dial(ctx, wsURL(f.url))
	if err != nil {
		return err
	}
	defer c.Close()
	ch := make(chan *rpc.RPCBlock, 1024)
	sub, err := c.SubscribeNewHeads(ctx, ch)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	// Blocks that came before the subscription.
	if err := f.catchUp(ctx, time.Now()); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-sub.Err():
			if err == nil {
				err = errors.New("subscription ended")
			}
			return err
		case h := <-ch:
			at := time.Now()
			if err := f.fetch(ctx, uint64(h.Number), at); err != nil {
				return err
			}
		}
	}
}

func (f *follower) poll(ctx context.Context) {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.catchUp(ctx, time.Now()) // a failure is retried at the next tick
		}
	}
}

func (f *follower) catchUp(ctx context.Context, at time.Time) error {
	var n hexutil.Uint64
	if err := f.conn.callOne(ctx, &n, "chain_blockNumber"); err != nil {
		return err
	}
	return f.fetch(ctx, uint64(n), at)
}

// fetch examines the blocks above the tracker's height up to head.
func (f *follower) fetch(ctx context.Context, head uint64, at time.Time) error {
	const chunk = 16
	for lo := f.t.headHeight() + 1; lo <= head; lo += chunk {
		hi := min(head, lo+chunk-1)
		calls := make([]call, 0, hi-lo+1)
		for n := lo; n <= hi; n++ {
			calls = append(calls, call{"chain_getBlockByNumber", []any{hexutil.Uint64(n), false}})
		}
		rs, err := f.conn.batch(ctx, calls)
		if err != nil {
			return err
		}
		for i, r := range rs {
			if r.Error != nil {
				return fmt.Errorf("block %d: %w", lo+uint64(i), r.Error)
			}
			var blk struct {
				Transactions []types.Hash `json:"transactions"`
			}
			if err := decodeJSON(r.Result, &blk); err != nil {
				return fmt.Errorf("block %d: %w", lo+uint64(i), err)
			}
			f.t.onBlock(lo+uint64(i), blk.Transactions, at)
		}
	}
	return nil
}

// fellBack says why the follower polls instead of subscribing, or "".
func (f *follower) fellBack() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polling
}
