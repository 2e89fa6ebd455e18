package store

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// RevertHead undoes the head block and makes its parent the head, in one
// synced batch: the state entries the block changed get their old values
// back from its undo record, the buckets it touched are recomputed from
// those entries (removing the block's values, adding the old ones), and its
// height index, transaction index and undo record are deleted. The block,
// its header and receipts stay stored by hash. It returns the new head.
//
// It fails with ErrNoUndo at the genesis or when the head's undo record was
// pruned (see Options.KeepUndo). The buckets it computes are checked
// against the parent's state root before anything is written.
func (db *DB) RevertHead() (types.Header, error) {
	if err := db.enterWrite(); err != nil {
		return types.Header{}, err
	}
	defer db.leaveWrite()
	head := db.head.Load()
	if head == nil {
		return types.Header{}, ErrNotInitialized
	}
	if err := db.checkNotRestoring(); err != nil {
		return types.Header{}, err
	}
	height := head.header.Height
	if height == 0 {
		return types.Header{}, fmt.Errorf("store: %w: the head is the genesis", ErrNoUndo)
	}
	if height < db.undoFloor {
		return types.Header{}, fmt.Errorf("store: %w: block %d is older than the kept undo records (from %d)", ErrNoUndo, height, db.undoFloor)
	}
	rec, err := readUndo(db.pdb, height, head.hash)
	if err != nil {
		return types.Header{}, err
	}
	parent, err := readHeader(db.pdb, head.header.Parent)
	if err != nil {
		return types.Header{}, mustExist(err, "parent of the head")
	}
	blk, err := readBlock(db.pdb, head.hash)
	if err != nil {
		return types.Header{}, mustExist(err, "head block")
	}

	// The inverse of the block: each entry goes from its current value
	// (the block's) back to the one in the record.
	ws, inverse, err := readInverse(db.pdb, rec)
	if err != nil {
		return types.Header{}, err
	}
	root, err := loadBuckets(db.pdb)
	if err != nil {
		return types.Header{}, err
	}
	ups := root.Updates(inverse, runtime.GOMAXPROCS(0))
	if got := root.HashWith(ups); got != parent.StateRoot {
		return types.Header{}, corruptf("reverting block %d gives state root %s, its parent has %s", height, got, parent.StateRoot)
	}
	txs := make([][]byte, len(blk.Txs))
	for i, tx := range blk.Txs {
		txs[i] = txKey(tx.Hash())
	}
	slices.SortFunc(txs, bytes.Compare)

	// In key order (see write.go).
	size := stateSize(ws) + len(ups)*(3+crypto.LtHashSize+batchOverhead) + len(txs)*(33+batchOverhead) + 256
	b := db.pdb.NewBatchWithSize(size)
	defer b.Close()
	err = errors.Join(
		putBuckets(b, ups),
		putHead(b, head.header.Parent, parent.Height),
		b.Delete(numberKey(height), nil),
		putState(b, ws),
	)
	for _, k := range txs {
		err = errors.Join(err, b.Delete(k, nil))
	}
	err = errors.Join(err, b.Delete(undoKey(height), nil))
	if err != nil {
		return types.Header{}, fmt.Errorf("store: build revert batch of block %d: %w", height, err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return types.Header{}, wrapErr(err, "revert block %d", height)
	}
	db.head.Store(&headState{header: parent, hash: head.header.Parent})
	return parent, nil
}

// readInverse returns the writes that restore the entries of rec, sorted
// by database key, and the changes they make (from the current values to
// the recorded ones).
func readInverse(r pebble.Reader, rec undoRecord) ([]stateWrite, []chain.Change, error) {
	old := make([]chain.Change, len(rec.entries))
	for i, e := range rec.entries {
		old[i] = chain.Change{Key: e.key, Old: e.old}
	}
	ws := stateWrites(old, true)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixState}, UpperBound: prefixEnd(prefixState)})
	if err != nil {
		return nil, nil, wrapErr(err, "iterate state")
	}
	defer it.Close()
	inverse := make([]chain.Change, len(ws))
	for i, w := range ws {
		var cur []byte
		// Seeking in ascending order lets pebble step instead of search.
		if it.SeekGE(w.key) && bytes.Equal(it.Key(), w.key) {
			v, err := it.ValueAndErr()
			if err != nil {
				return nil, nil, wrapErr(err, "read state")
			}
			cur = bytes.Clone(v)
		}
		if err := it.Error(); err != nil {
			return nil, nil, wrapErr(err, "read state")
		}
		inverse[i] = chain.Change{Key: w.key[3:], Old: cur, New: w.value}
	}
	return ws, inverse, nil
}

// readUndo reads the undo record of the block at height, which must be
// block.
func readUndo(r pebble.Reader, height uint64, block types.Hash) (undoRecord, error) {
	raw, ok, err := get(r, undoKey(height))
	if err != nil {
		return undoRecord{}, err
	}
	if !ok {
		return undoRecord{}, corruptf("undo record of block %d is missing", height)
	}
	rec, err := decodeUndo(raw)
	if err != nil {
		return undoRecord{}, err
	}
	if rec.block != block {
		return undoRecord{}, corruptf("undo record at height %d is for block %s, not %s", height, rec.block, block)
	}
	return rec, nil
}

// mustExist turns ErrNotFound for something the database must hold into
// corruption.
func mustExist(err error, what string) error {
	if errors.Is(err, ErrNotFound) {
		return corruptf("%s is missing: %v", what, err)
	}
	return err
}
