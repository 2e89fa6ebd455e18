package store

import (
	"context"
	"fmt"
	"runtime"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
)

// ManifestOptions tune how BuildManifest cuts the state into chunks.
type ManifestOptions struct {
	// ChunkTarget: a chunk is closed once it holds at least this many
	// bytes. Default DefaultChunkTarget (2 MiB).
	ChunkTarget int
	// ChunkBuckets: a chunk is closed once it holds this many buckets.
	// Default DefaultChunkBuckets (64).
	ChunkBuckets int
}

func (o *ManifestOptions) ensureDefaults() {
	if o.ChunkTarget <= 0 {
		o.ChunkTarget = DefaultChunkTarget
	}
	if o.ChunkBuckets <= 0 {
		o.ChunkBuckets = DefaultChunkBuckets
	}
}

// Root returns the state root's buckets as they were after the view's
// block, checked against its state root. For a view below the head it
// starts from the stored buckets and takes back the changes of the blocks
// above (the same work as the view's undo overlay).
func (v *StateView) Root() (*chain.Root, error) {
	if err := v.enter(); err != nil {
		return nil, err
	}
	defer v.db.leave()
	root, err := loadBuckets(v.snap)
	if err != nil {
		return nil, err
	}
	if len(v.undo) > 0 {
		changes := make([]chain.Change, 0, len(v.undo))
		for k, old := range v.undo {
			cur, err := getState(v.snap, []byte(k))
			if err != nil {
				return nil, err
			}
			changes = append(changes, chain.Change{Key: []byte(k), Old: cur, New: old})
		}
		root.Apply(root.Updates(changes, runtime.GOMAXPROCS(0)))
	}
	if got := root.Hash(); got != v.header.StateRoot {
		return nil, corruptf("buckets at block %d give state root %s, its header has %s", v.header.Height, got, v.header.StateRoot)
	}
	return root, nil
}

// BuildManifest reads the whole state of the view and cuts it into chunks
// (see ManifestOptions): the manifest of a snapshot of the view. It costs
// one scan of the state and a SHA-256 of its encoding; ctx stops it.
// The same state gives the same manifest on every node with the same
// options.
func (v *StateView) BuildManifest(ctx context.Context, o ManifestOptions) (*Manifest, error) {
	o.ensureDefaults()
	root, err := v.Root()
	if err != nil {
		return nil, err
	}
	m := &Manifest{Height: v.header.Height, BlockHash: v.header.Hash(), StateRoot: v.header.StateRoot}
	for i := range m.Digests {
		h := root.Bucket(uint16(i))
		m.Digests[i] = h.Sum()
	}
	var e chunkEncoder
	lo := uint16(0)
	e.begin(0, 0)
	for b := uint16(0); b < chain.NumBuckets; b++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := v.IterateState(b, b+1, func(key, value []byte) error {
			e.add(key, value)
			return nil
		}); err != nil {
			return nil, err
		}
		e.endBucket()
		if len(e.buf) > MaxChunkSize {
			return nil, fmt.Errorf("store: snapshot of block %d: buckets [%d, %d] hold %d bytes, over the chunk limit of %d",
				m.Height, lo, b, len(e.buf), MaxChunkSize)
		}
		if len(e.buf) >= o.ChunkTarget || int(b+1-lo) >= o.ChunkBuckets || b+1 == chain.NumBuckets {
			e.setHi(b + 1)
			m.Chunks = append(m.Chunks, ChunkInfo{Lo: lo, Hi: b + 1, Entries: e.entries, Size: uint32(len(e.buf)),
				Hash: crypto.Sum256(e.buf)})
			lo = b + 1
			e.begin(lo, lo)
		}
	}
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("store: snapshot of block %d: %w", m.Height, err)
	}
	return m, nil
}

// Chunk returns the encoding of the chunk info (of a manifest that
// BuildManifest made from this view), appended to dst.
func (v *StateView) Chunk(dst []byte, info ChunkInfo) ([]byte, error) {
	if info.Hi <= info.Lo || int(info.Hi) > chain.NumBuckets {
		return nil, fmt.Errorf("store: chunk of buckets [%d, %d)", info.Lo, info.Hi)
	}
	if err := v.enter(); err != nil {
		return nil, err
	}
	defer v.db.leave()
	e := chunkEncoder{buf: dst[:0]}
	if cap(e.buf) < int(info.Size) {
		e.buf = make([]byte, 0, info.Size)
	}
	e.begin(info.Lo, info.Hi)
	// One pass over the chunk's key range; buckets end where the bucket
	// in the key changes (empty buckets in between get a zero count).
	b := info.Lo
	err := scanState(v.snap, info.Lo, info.Hi, v.overlay(), false, func(dbKey, value []byte) error {
		for kb := stateKeyBucket(dbKey); b < kb; b++ {
			e.endBucket()
		}
		e.add(dbKey[3:], value)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for ; b < info.Hi; b++ {
		e.endBucket()
	}
	if len(e.buf) != int(info.Size) || e.entries != info.Entries {
		return nil, fmt.Errorf("store: chunk of buckets [%d, %d) is %d bytes and %d entries, the manifest says %d and %d",
			info.Lo, info.Hi, len(e.buf), e.entries, info.Size, info.Entries)
	}
	return e.buf, nil
}

// CopyState is the baseline that snapshot sync is measured against: it
// copies every state entry of the head of src into dst's state key space
// with batched writes, as a plain scan and write would. It does not touch
// buckets or metadata, so dst must be a scratch database. It returns the
// entries and bytes copied.
func CopyState(dst, src *DB, batchBytes int) (entries, bytes int, err error) {
	if err := src.enter(); err != nil {
		return 0, 0, err
	}
	defer src.leave()
	if err := dst.enterWrite(); err != nil {
		return 0, 0, err
	}
	defer dst.leaveWrite()
	snap := src.pdb.NewSnapshot()
	defer snap.Close()
	it, err := snap.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixState}, UpperBound: prefixEnd(prefixState)})
	if err != nil {
		return 0, 0, wrapErr(err, "iterate state")
	}
	defer it.Close()
	b := dst.pdb.NewBatch()
	defer func() { b.Close() }()
	for valid := it.First(); valid; valid = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return 0, 0, wrapErr(err, "iterate state")
		}
		if err := b.Set(it.Key(), v, nil); err != nil {
			return 0, 0, err
		}
		entries++
		bytes += len(it.Key()) + len(v)
		if b.Len() >= batchBytes {
			if err := b.Commit(pebble.NoSync); err != nil {
				return 0, 0, wrapErr(err, "copy state")
			}
			b.Close()
			b = dst.pdb.NewBatch()
		}
	}
	if err := it.Error(); err != nil {
		return 0, 0, wrapErr(err, "iterate state")
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, 0, wrapErr(err, "copy state")
	}
	return entries, bytes, nil
}
