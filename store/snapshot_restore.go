package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Restoring a snapshot into a fresh database (its head is the genesis):
//
//	done, err := db.BeginRestore(m)    // synced marker; the state is cleared unless resuming m
//	for each chunk i not done:         // any order, from several goroutines
//	    c, err := VerifyChunk(m, i, data)
//	    db.RestoreChunk(m, c)          // entries, buckets and a done mark, in one batch
//	db.FinishRestore(block)            // block m.Height becomes the head, in one synced batch
//	// or, to give up: db.AbortRestore(genesisBlock, genesisResult)
//
// From BeginRestore until FinishRestore or AbortRestore the database holds a
// marker (metadata "restore") and its state is incomplete: state reads
// (Get, HeadState, StateAt, LoadRoot, ...) and block commits fail with
// ErrRestoring, and the marker survives a crash and a restart, where
// Restoring reports it. Chunk batches are not synced: a crash loses a suffix
// of them together with their done marks (pebble recovers its log as a
// prefix), so a restore resumed with the same manifest refetches exactly
// the chunks that are missing, and one begun with another manifest starts
// from an empty state. FinishRestore checks that the buckets written give
// the block's state root before it moves the head.
//
// A restored database has no blocks between the genesis and the snapshot's
// block: HistoryBase returns that height, below which there are no blocks,
// receipts or states.

var (
	// ErrRestoring: a snapshot restore is in progress; the state is
	// incomplete.
	ErrRestoring = errors.New("a snapshot restore is in progress")
	// ErrNotFresh: a restore was begun on a database with blocks beyond
	// the genesis.
	ErrNotFresh = errors.New("the database has blocks beyond the genesis")
	// ErrRestoreIncomplete: FinishRestore before every chunk was written,
	// or the buckets written do not give the snapshot's state root.
	ErrRestoreIncomplete = errors.New("snapshot restore incomplete")
)

var (
	keyRestore      = []byte{prefixMeta, 'r', 'e', 's', 't', 'o', 'r', 'e'}
	keyRestoreChunk = []byte{prefixMeta, 'r', 'e', 's', 't', 'o', 'r', 'e', '/'} // + index u16
	keyHistoryBase  = []byte{prefixMeta, 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '-', 'b', 'a', 's', 'e'}
)

const restoreVersion = 1

// RestoreState describes a restore in progress.
type RestoreState struct {
	Height    uint64
	BlockHash types.Hash
	StateRoot types.Hash
	Manifest  types.Hash // Manifest.Hash of the snapshot
	Chunks    int
}

func (r *RestoreState) encode() []byte {
	b := make([]byte, 0, 1+8+3*32+2)
	b = append(b, restoreVersion)
	b = binary.BigEndian.AppendUint64(b, r.Height)
	b = append(b, r.BlockHash[:]...)
	b = append(b, r.StateRoot[:]...)
	b = append(b, r.Manifest[:]...)
	return binary.BigEndian.AppendUint16(b, uint16(r.Chunks))
}

func decodeRestoreState(b []byte) (*RestoreState, error) {
	if len(b) != 1+8+3*32+2 || b[0] != restoreVersion {
		return nil, corruptf("restore marker of %d bytes (version %d)", len(b), b[0])
	}
	r := &RestoreState{Height: binary.BigEndian.Uint64(b[1:])}
	copy(r.BlockHash[:], b[9:])
	copy(r.StateRoot[:], b[41:])
	copy(r.Manifest[:], b[73:])
	r.Chunks = int(binary.BigEndian.Uint16(b[105:]))
	return r, nil
}

func restoreChunkKey(i int) []byte {
	return binary.BigEndian.AppendUint16(append([]byte(nil), keyRestoreChunk...), uint16(i))
}

// restoreChunkEnd is the end of the done marks' key range.
func restoreChunkEnd() []byte {
	k := append([]byte(nil), keyRestoreChunk...)
	k[len(k)-1]++
	return k
}

// loadRestore reads the restore marker at Open.
func (db *DB) loadRestore() error {
	raw, ok, err := get(db.pdb, keyRestore)
	if err != nil || !ok {
		return err
	}
	r, err := decodeRestoreState(raw)
	if err != nil {
		return err
	}
	db.restoring.Store(r)
	return nil
}

// Restoring reports the restore in progress, if any.
func (db *DB) Restoring() (RestoreState, bool) {
	if r := db.restoring.Load(); r != nil {
		return *r, true
	}
	return RestoreState{}, false
}

// checkNotRestoring fails with ErrRestoring while a restore is in progress.
func (db *DB) checkNotRestoring() error {
	if r := db.restoring.Load(); r != nil {
		return fmt.Errorf("store: %w (snapshot of block %d)", ErrRestoring, r.Height)
	}
	return nil
}

// HistoryBase returns the height of the snapshot the database was restored
// from: it holds no blocks between the genesis and that height. 0 for a
// database that holds its whole chain.
func (db *DB) HistoryBase() (uint64, error) {
	if err := db.enter(); err != nil {
		return 0, err
	}
	defer db.leave()
	raw, ok, err := get(db.pdb, keyHistoryBase)
	if err != nil || !ok {
		return 0, err
	}
	return decodeU64(raw, "history base")
}

// BeginRestore starts restoring the snapshot m, or resumes it: if a restore
// of the same manifest is in progress, it returns which chunks are already
// written (done[i]); otherwise it clears the state and records m in a
// synced marker. The database's head must be its genesis (ErrNotFresh).
// m must have been checked against the signed header of its block.
func (db *DB) BeginRestore(m *Manifest) (done []bool, err error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	if err := db.enterWrite(); err != nil {
		return nil, err
	}
	defer db.leaveWrite()
	head := db.head.Load()
	if head == nil {
		return nil, ErrNotInitialized
	}
	done = make([]bool, len(m.Chunks))
	hash := m.Hash()
	cur := db.restoring.Load()
	if cur == nil && head.header.Height != 0 {
		return nil, fmt.Errorf("store: %w: head is block %d", ErrNotFresh, head.header.Height)
	}
	if cur != nil && cur.Manifest == hash {
		it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: keyRestoreChunk, UpperBound: restoreChunkEnd()})
		if err != nil {
			return nil, wrapErr(err, "read restore progress")
		}
		defer it.Close()
		for valid := it.First(); valid; valid = it.Next() {
			k := it.Key()
			if len(k) != len(keyRestoreChunk)+2 {
				return nil, corruptf("restore mark %x", k)
			}
			if i := int(binary.BigEndian.Uint16(k[len(keyRestoreChunk):])); i < len(done) {
				done[i] = true
			}
		}
		if err := it.Error(); err != nil {
			return nil, wrapErr(err, "read restore progress")
		}
		return done, nil
	}
	st := &RestoreState{Height: m.Height, BlockHash: m.BlockHash, StateRoot: m.StateRoot, Manifest: hash, Chunks: len(m.Chunks)}
	b := db.pdb.NewBatch()
	defer b.Close()
	err = errors.Join(
		b.Set(keyRestore, st.encode(), nil),
		b.DeleteRange(keyRestoreChunk, restoreChunkEnd(), nil),
		b.DeleteRange([]byte{prefixState}, prefixEnd(prefixState), nil),
	)
	if err != nil {
		return nil, fmt.Errorf("store: build restore batch: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return nil, wrapErr(err, "begin restore")
	}
	db.restoring.Store(st)
	return done, nil
}

// RestoreChunk writes a verified chunk of the restore in progress: its
// entries, its buckets and its done mark, in one batch (not synced; see
// above). It may be called from several goroutines at once, but not
// while FinishRestore or AbortRestore runs.
func (db *DB) RestoreChunk(m *Manifest, c *Chunk) error {
	cur := db.restoring.Load()
	if cur == nil || cur.Manifest != m.Hash() {
		return fmt.Errorf("store: no restore of this snapshot (block %d) in progress", m.Height)
	}
	if c.Index < 0 || c.Index >= len(m.Chunks) || m.Chunks[c.Index].Lo != c.Lo || m.Chunks[c.Index].Hi != c.Hi {
		return fmt.Errorf("store: chunk %d [%d, %d) is not in the manifest", c.Index, c.Lo, c.Hi)
	}
	if err := db.enter(); err != nil {
		return err
	}
	defer db.leave()
	if db.opts.ReadOnly {
		return ErrReadOnly
	}
	// In key order: buckets ('K'), the done mark ('M'), the entries ('S').
	size := len(c.Buckets)*(3+crypto.LtHashSize+batchOverhead) + len(keyRestoreChunk) + 2 + batchOverhead +
		c.size + len(c.entries)*batchOverhead
	b := db.pdb.NewBatchWithSize(size)
	defer b.Close()
	for i := range c.Buckets {
		op := b.SetDeferred(3, crypto.LtHashSize)
		bk := c.Lo + uint16(i)
		op.Key[0], op.Key[1], op.Key[2] = prefixBucket, byte(bk>>8), byte(bk)
		c.Buckets[i].AppendBinary(op.Value[:0])
		if err := op.Finish(); err != nil {
			return err
		}
	}
	if err := b.Set(restoreChunkKey(c.Index), nil, nil); err != nil {
		return err
	}
	for _, e := range c.entries {
		op := b.SetDeferred(3+len(e.key), len(e.value))
		op.Key[0], op.Key[1], op.Key[2] = prefixState, byte(e.bucket>>8), byte(e.bucket)
		copy(op.Key[3:], e.key)
		copy(op.Value, e.value)
		if err := op.Finish(); err != nil {
			return err
		}
	}
	// Chunks commit concurrently; the caller does not finish or abort the
	// restore while chunks are being written.
	if db.restoring.Load() != cur {
		return errors.New("store: the restore was finished or aborted")
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return wrapErr(err, "write snapshot chunk %d", c.Index)
	}
	return nil
}

// FinishRestore ends the restore in progress: blk, the snapshot's block,
// becomes the head, with the height index, the history base and an undo
// floor above it, in one synced batch. It fails with ErrRestoreIncomplete,
// writing nothing, if a chunk is missing or the stored buckets do not give
// the block's state root; AbortRestore then gives up.
func (db *DB) FinishRestore(blk *types.Block) error {
	if err := db.enterWrite(); err != nil {
		return err
	}
	defer db.leaveWrite()
	cur := db.restoring.Load()
	if cur == nil {
		return errors.New("store: no restore in progress")
	}
	h := &blk.Header
	hash := blk.Hash()
	if hash != cur.BlockHash || h.Height != cur.Height || h.StateRoot != cur.StateRoot {
		return fmt.Errorf("store: block %d %s is not the snapshot's block %d %s", h.Height, hash, cur.Height, cur.BlockHash)
	}
	snap := db.pdb.NewSnapshot()
	defer snap.Close()
	n := 0
	it, err := snap.NewIter(&pebble.IterOptions{LowerBound: keyRestoreChunk, UpperBound: restoreChunkEnd()})
	if err != nil {
		return wrapErr(err, "read restore progress")
	}
	for valid := it.First(); valid; valid = it.Next() {
		n++
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return wrapErr(err, "read restore progress")
	}
	if n != cur.Chunks {
		return fmt.Errorf("store: %w: %d of %d chunks written", ErrRestoreIncomplete, n, cur.Chunks)
	}
	root, err := loadBuckets(snap)
	if err != nil {
		return err
	}
	if got := root.Hash(); got != h.StateRoot {
		return fmt.Errorf("store: %w: the restored buckets give state root %s, block %d has %s", ErrRestoreIncomplete, got, h.Height, h.StateRoot)
	}
	body := blk.Encode()
	b := db.pdb.NewBatchWithSize(len(body) + 1024)
	defer b.Close()
	// In key order.
	err = errors.Join(
		b.Set(blockKey(hash), body, nil),
		b.Set(headerKey(hash), h.AppendEncoding(nil), nil),
		putHead(b, hash, h.Height),
		b.Delete(keyRestore, nil),
		b.DeleteRange(keyRestoreChunk, restoreChunkEnd(), nil),
		b.Set(keyHistoryBase, encodeU64(h.Height), nil),
		b.Set(keyUndoFloor, encodeU64(h.Height+1), nil),
		b.Set(numberKey(h.Height), hash[:], nil),
	)
	if err != nil {
		return fmt.Errorf("store: build restore batch: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return wrapErr(err, "finish restore")
	}
	db.undoFloor = h.Height + 1
	db.head.Store(&headState{header: *h, hash: hash})
	db.restoring.Store(nil)
	return nil
}

// AbortRestore gives up the restore in progress and puts the genesis state
// back (blk and res are the genesis block and its result, as given to
// InitGenesis), in one synced batch. Without a restore in progress it does
// nothing.
func (db *DB) AbortRestore(blk *types.Block, res *chain.BlockResult) error {
	if err := db.enterWrite(); err != nil {
		return err
	}
	defer db.leaveWrite()
	if db.restoring.Load() == nil {
		return nil
	}
	stored, err := readGenesisHash(db.pdb)
	if err != nil {
		return err
	}
	if hash := blk.Hash(); hash != stored {
		return fmt.Errorf("store: %w: database has %s, asked to restore %s", ErrGenesisMismatch, stored, hash)
	}
	root := chain.NewRoot()
	root.Apply(res.Buckets)
	if root.Hash() != blk.Header.StateRoot {
		return fmt.Errorf("store: genesis result gives state root %s, the block has %s", root.Hash(), blk.Header.StateRoot)
	}
	all := make([]chain.BucketUpdate, chain.NumBuckets)
	for i := range all {
		all[i] = chain.BucketUpdate{Index: uint16(i), Hash: root.Bucket(uint16(i))}
	}
	ws := stateWrites(res.Changes, false)
	b := db.pdb.NewBatchWithSize(stateSize(ws) + len(all)*(3+crypto.LtHashSize+batchOverhead) + 256)
	defer b.Close()
	err = errors.Join(
		putBuckets(b, all),
		b.Delete(keyRestore, nil),
		b.DeleteRange(keyRestoreChunk, restoreChunkEnd(), nil),
		b.DeleteRange([]byte{prefixState}, prefixEnd(prefixState), nil),
		putState(b, ws),
	)
	if err != nil {
		return fmt.Errorf("store: build abort batch: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return wrapErr(err, "abort restore")
	}
	db.restoring.Store(nil)
	return nil
}
