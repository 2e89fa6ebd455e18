package loadgen

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
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

func newTracker(start time.Time) *tracker {
	return &tracker{start: start, pending: make(map[types.Hash]pendingTx)}
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

// onBlock records the transactions of a block whose head arrived at. The
// caller hands over each block once.
func (t *tracker) onBlock(hashes []types.Hash, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
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

// latencies returns the latencies recorded from index from on, and the
// index to continue from.
func (t *tracker) latencies(from int) ([]time.Duration, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]time.Duration(nil), t.lat[from:]...), len(t.lat)
}

// follower watches the chain on one node and hands the transaction hashes
// of every new block to the tracker. It follows blocks by hash, from each
// new head back to a block it has seen, so that after a reorganisation
// (on a devnet) the blocks of the new branch are examined too; a
// transaction counts as included at the first block that has it.
type follower struct {
	url   string // the node's URL as configured
	conn  *rpcConn
	t     *tracker
	start uint64 // blocks at or below this height are not examined
	seen  map[types.Hash]bool

	mu      sync.Mutex
	polling string // why it fell back from WebSocket to polling
}

// pollInterval is how often the follower asks for the head without
// WebSocket.
const pollInterval = 20 * time.Millisecond

// run follows the chain until ctx is done: newHeads over WebSocket, or
// polling the head if that is not possible.
func (f *follower) run(ctx context.Context) {
	f.seen = make(map[types.Hash]bool)
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
			if err := f.follow(ctx, h.Hash, uint64(h.Number), time.Now()); err != nil {
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

// blockHashes is the part of a block the follower reads.
type blockHashes struct {
	Hash         types.Hash     `json:"hash"`
	Number       hexutil.Uint64 `json:"number"`
	ParentHash   types.Hash     `json:"parentHash"`
	Transactions []types.Hash   `json:"transactions"`
}

// catchUp follows the node's current head.
func (f *follower) catchUp(ctx context.Context, at time.Time) error {
	var head *blockHashes
	if err := f.conn.callOne(ctx, &head, "chain_getBlockByNumber", "latest", false); err != nil {
		return err
	}
	if head == nil {
		return errors.New("no head block")
	}
	return f.follow(ctx, head.Hash, uint64(head.Number), at)
}

// follow examines the blocks from the head (hash, number) back to the
// first one already seen, oldest first.
func (f *follower) follow(ctx context.Context, hash types.Hash, number uint64, at time.Time) error {
	var todo []*blockHashes
	for number > f.start && !f.seen[hash] {
		blk, err := f.conn.blockHashes(ctx, hash)
		if err != nil {
			return fmt.Errorf("block %s: %w", hash, err)
		}
		if blk == nil {
			return nil // reorganised away before we asked: the next head comes
		}
		todo = append(todo, blk)
		hash, number = blk.ParentHash, number-1
	}
	for i := len(todo) - 1; i >= 0; i-- {
		f.seen[todo[i].Hash] = true
		f.t.onBlock(todo[i].Transactions, at)
	}
	return nil
}

// fellBack says why the follower polls instead of subscribing, or "".
func (f *follower) fellBack() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polling
}

// blockHashes returns the block with hash and its transaction hashes, or
// nil if the node does not have it. Blocks of thousands of transactions
// are read by scanning the hashes (decodeBlockHashes): decoding them as
// JSON would cost the generator several times more.
func (c *rpcConn) blockHashes(ctx context.Context, hash types.Hash) (*blockHashes, error) {
	body := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":0,"method":"chain_getBlockByHash","params":["%s",false]}`, hash)
	out, err := c.post(ctx, body)
	if err != nil {
		return nil, err
	}
	if i := bytes.Index(out, []byte(`"result":`)); i >= 0 && !bytes.Contains(out[:i], []byte(`"error"`)) {
		res := bytes.TrimSpace(out[i+9:])
		res = bytes.TrimSuffix(res, []byte("}"))
		if bytes.Equal(bytes.TrimSpace(res), []byte("null")) {
			return nil, nil
		}
		var blk blockHashes
		if decodeBlockHashes(res, &blk) == nil {
			return &blk, nil
		}
	}
	rs, err := matchResponses(out, 1)
	if err != nil {
		return nil, err
	}
	if rs[0].Error != nil {
		return nil, rs[0].Error
	}
	var blk *blockHashes
	return blk, json.Unmarshal(rs[0].Result, &blk)
}

// decodeBlockHashes decodes a block object whose transactions are hashes:
// the hashes by scanning, the rest of the object as JSON.
func decodeBlockHashes(b []byte, blk *blockHashes) error {
	key := []byte(`"transactions":[`)
	i := bytes.Index(b, key)
	if i < 0 {
		return errors.New("no transactions")
	}
	rest := b[i+len(key):]
	var hashes []types.Hash
	for {
		rest = bytes.TrimLeft(rest, " \n\t,")
		if len(rest) > 0 && rest[0] == ']' {
			break
		}
		// "0x" + 64 hex digits, quoted.
		if len(rest) < 68 || rest[0] != '"' || rest[1] != '0' || rest[2] != 'x' || rest[67] != '"' {
			return errors.New("not a list of hashes")
		}
		var h types.Hash
		if _, err := hex.Decode(h[:], rest[3:67]); err != nil {
			return err
		}
		hashes = append(hashes, h)
		rest = rest[68:]
	}
	end := len(b) - len(rest) + 1 // past the ']'
	other := make([]byte, 0, i+len(b)-end+16)
	other = append(other, b[:i]...)
	other = append(other, `"transactions":[]`...)
	other = append(other, b[end:]...)
	if err := json.Unmarshal(other, blk); err != nil {
		return err
	}
	blk.Transactions = hashes
	return nil
}
