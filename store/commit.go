package store

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// CommitBlock makes blk, executed with result res, the new head. It writes
// in one batch, synced before it returns: the block, its header and
// receipts, the height and transaction indexes, the state changes, the
// bucket updates, the block's undo record, the head pointer, and the
// pruning of undo records older than Options.KeepUndo. A crash leaves
// either all of it or none.
//
// blk must extend the head (ErrNotHeadChild otherwise), and res must be
// its result: CommitBlock checks the shape (hashes, receipts and state
// root agree with the block) but does not re-execute it.
func (db *DB) CommitBlock(blk *types.Block, res *chain.BlockResult) error {
	if err := db.enterWrite(); err != nil {
		return err
	}
	defer db.leaveWrite()
	head := db.head.Load()
	if head == nil {
		return ErrNotInitialized
	}
	if err := db.checkNotRestoring(); err != nil {
		return err
	}
	h := &blk.Header
	if h.Height != head.header.Height+1 || h.Parent != head.hash {
		return fmt.Errorf("store: %w: block %d on %s, head is %d %s", ErrNotHeadChild, h.Height, h.Parent, head.header.Height, head.hash)
	}
	if err := checkResult(blk, res); err != nil {
		return err
	}
	w := prepareBlock(blk, res)
	undoLen := undoSize(res.Changes)
	b := db.pdb.NewBatchWithSize(w.size() + undoLen + 4*(9+batchOverhead) + 64)
	defer b.Close()

	floor := db.undoFloor
	if keep := db.opts.KeepUndo; h.Height+1 > floor+keep {
		floor = h.Height + 1 - keep
	}
	meta := func() error {
		return errors.Join(putHead(b, w.hash, h.Height), setUndoFloor(b, db.undoFloor, floor))
	}
	undo := func() error {
		if err := pruneUndo(b, db.undoFloor, floor); err != nil {
			return err
		}
		op := b.SetDeferred(9, undoLen)
		op.Key[0] = prefixUndo
		copy(op.Key[1:], encodeU64(h.Height))
		appendUndo(op.Value[:0], w.hash, res.Changes)
		return op.Finish()
	}
	err := w.put(b, meta, undo)
	if err != nil {
		return fmt.Errorf("store: build batch of block %d: %w", h.Height, err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return wrapErr(err, "commit block %d", h.Height)
	}
	if db.afterBatch != nil {
		db.afterBatch(h.Height)
	}
	db.cache.apply(res.Changes)
	db.cacheKept = true
	db.undoFloor = floor
	db.head.Store(&headState{header: *h, hash: w.hash})
	return nil
}

// pruneUndo deletes the undo records of heights [from, to).
func pruneUndo(b *pebble.Batch, from, to uint64) error {
	if to <= from {
		return nil
	}
	if to-from > 16 {
		return b.DeleteRange(undoKey(from), undoKey(to), nil)
	}
	for h := from; h < to; h++ {
		if err := b.Delete(undoKey(h), nil); err != nil {
			return err
		}
	}
	return nil
}

// setUndoFloor records the new undo floor if it moved.
func setUndoFloor(b *pebble.Batch, old, floor uint64) error {
	if floor == old {
		return nil
	}
	return b.Set(keyUndoFloor, encodeU64(floor), nil)
}

// checkResult checks that res has the shape of blk's result.
func checkResult(blk *types.Block, res *chain.BlockResult) error {
	if len(res.TxHashes) != len(blk.Txs) || len(res.Receipts) != len(blk.Txs) {
		return fmt.Errorf("store: block %d has %d transactions, result has %d hashes and %d receipts",
			blk.Header.Height, len(blk.Txs), len(res.TxHashes), len(res.Receipts))
	}
	if res.StateRoot != blk.Header.StateRoot {
		return fmt.Errorf("store: block %d: result state root %s, header says %s", blk.Header.Height, res.StateRoot, blk.Header.StateRoot)
	}
	for i := range res.Changes {
		if len(res.Changes[i].Key) == 0 {
			return fmt.Errorf("store: block %d: change %d has an empty key", blk.Header.Height, i)
		}
	}
	return checkBuckets(res.Buckets)
}
