package store

import (
	"bytes"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// batchOverhead bounds what a batch adds to a record besides its key and
// value (kind byte and two varint lengths).
const batchOverhead = 11

// Batches are written in ascending key order: pebble's memtable inserts a
// sorted batch several times faster than a shuffled one (each insert
// starts from the previous one's position in the skiplist). The prefixes
// sort as 'B' < 'H' < 'K' < 'M' < 'N' < 'R' < 'S' < 'T' < 'U'.

// blockWrite is one block's encoded data, prepared before the batch is
// built so the batch can be sized exactly.
type blockWrite struct {
	blk      *types.Block
	res      *chain.BlockResult
	hash     types.Hash
	header   []byte
	body     []byte
	receipts []byte
	state    []stateWrite
	txs      []types.Hash // sorted
}

// prepareBlock encodes blk and res; the block and receipts are encoded on
// a second goroutine while this one sorts the state writes.
func prepareBlock(blk *types.Block, res *chain.BlockResult) *blockWrite {
	w := &blockWrite{
		blk:    blk,
		res:    res,
		hash:   blk.Hash(),
		header: blk.Header.AppendEncoding(make([]byte, 0, 272)),
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		w.body = blk.Encode()
		w.receipts = types.EncodeReceipts(res.Receipts)
	})
	w.state = stateWrites(res.Changes, false)
	w.txs = slices.Clone(res.TxHashes)
	slices.SortFunc(w.txs, func(a, b types.Hash) int { return bytes.Compare(a[:], b[:]) })
	wg.Wait()
	return w
}

// size returns the batch bytes that put needs.
func (w *blockWrite) size() int {
	n := 4*(33+batchOverhead) + 9 + 32 + len(w.header) + len(w.body) + len(w.receipts)
	n += len(w.txs) * (33 + txLocationSize + batchOverhead)
	n += stateSize(w.state)
	n += len(w.res.Buckets) * (3 + crypto.LtHashSize + batchOverhead)
	return n
}

// put writes to b, in key order: the block and its header, the bucket
// updates, meta (the 'M' keys), the height index, the receipts, the state
// changes, the transaction index, then undo (the 'U' keys).
func (w *blockWrite) put(b *pebble.Batch, meta, undo func() error) error {
	h := w.blk.Header.Height
	if err := b.Set(blockKey(w.hash), w.body, nil); err != nil {
		return err
	}
	if err := b.Set(headerKey(w.hash), w.header, nil); err != nil {
		return err
	}
	if err := putBuckets(b, w.res.Buckets); err != nil {
		return err
	}
	if err := meta(); err != nil {
		return err
	}
	if err := b.Set(numberKey(h), w.hash[:], nil); err != nil {
		return err
	}
	if err := b.Set(receiptsKey(w.hash), w.receipts, nil); err != nil {
		return err
	}
	if err := putState(b, w.state); err != nil {
		return err
	}
	index := make(map[types.Hash]uint32, len(w.res.TxHashes))
	for i, th := range w.res.TxHashes {
		index[th] = uint32(i)
	}
	for _, th := range w.txs {
		op := b.SetDeferred(33, txLocationSize)
		op.Key[0] = prefixTx
		copy(op.Key[1:], th[:])
		loc := TxLocation{BlockHash: w.hash, Height: h, Index: index[th]}
		loc.appendEncoding(op.Value[:0])
		if err := op.Finish(); err != nil {
			return err
		}
	}
	return undo()
}

// stateWrite is one state entry to write: its database key and its new
// value (nil: delete).
type stateWrite struct {
	key   []byte
	value []byte
}

// stateWrites returns the writes of changes (New values, or Old if
// reverse), sorted by database key.
func stateWrites(changes []chain.Change, reverse bool) []stateWrite {
	size := 0
	for i := range changes {
		size += stateKeyLen(changes[i].Key)
	}
	buf := make([]byte, 0, size)
	ws := make([]stateWrite, len(changes))
	for i := range changes {
		c := &changes[i]
		at := len(buf)
		buf = appendStateKey(buf, c.Key)
		v := c.New
		if reverse {
			v = c.Old
		}
		if len(v) == 0 {
			v = nil
		}
		ws[i] = stateWrite{key: buf[at:len(buf):len(buf)], value: v}
	}
	slices.SortFunc(ws, func(a, b stateWrite) int { return bytes.Compare(a.key, b.key) })
	return ws
}

func stateSize(ws []stateWrite) int {
	n := 0
	for i := range ws {
		n += len(ws[i].key) + len(ws[i].value) + batchOverhead
	}
	return n
}

// putState writes ws; a nil value deletes the entry.
func putState(b *pebble.Batch, ws []stateWrite) error {
	for i := range ws {
		var err error
		if ws[i].value == nil {
			err = b.Delete(ws[i].key, nil)
		} else {
			err = b.Set(ws[i].key, ws[i].value, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// putBuckets writes bucket updates, which must be sorted by index (as
// chain.Root.Updates returns them).
func putBuckets(b *pebble.Batch, ups []chain.BucketUpdate) error {
	for i := range ups {
		op := b.SetDeferred(3, crypto.LtHashSize)
		op.Key[0], op.Key[1], op.Key[2] = prefixBucket, byte(ups[i].Index>>8), byte(ups[i].Index)
		ups[i].Hash.AppendBinary(op.Value[:0])
		if err := op.Finish(); err != nil {
			return err
		}
	}
	return nil
}

func putHead(b *pebble.Batch, hash types.Hash, height uint64) error {
	return b.Set(keyHead, headPointer{hash: hash, height: height}.encode(), nil)
}
