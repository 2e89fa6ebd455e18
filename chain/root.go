package chain

import (
	"encoding/binary"
	"slices"
	"sync"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Root holds the state root's buckets: an LtHash of the (key, value)
// entries in each bucket. The root is a Merkle tree over the SHA-256 of the
// buckets, so a block's update costs what it changed, and a snapshot chunk
// (a run of whole buckets) can be checked against the root on arrival.
//
// A Root is not safe for concurrent use.
type Root struct {
	buckets [NumBuckets]crypto.LtHash
	digests [NumBuckets]types.Hash
}

// BucketUpdate is the new value of one bucket.
type BucketUpdate struct {
	Index uint16
	Hash  crypto.LtHash
}

// NewRoot returns the root of the empty state.
func NewRoot() *Root {
	r := new(Root)
	empty := r.buckets[0].Sum()
	for i := range r.digests {
		r.digests[i] = empty
	}
	return r
}

// Clone returns a deep copy of r.
func (r *Root) Clone() *Root {
	c := *r
	return &c
}

// Bucket returns the current value of bucket i.
func (r *Root) Bucket(i uint16) crypto.LtHash { return r.buckets[i] }

// SetBucket sets bucket i (used when loading from disk).
func (r *Root) SetBucket(i uint16, h crypto.LtHash) {
	r.buckets[i] = h
	r.digests[i] = h.Sum()
}

// Apply sets the buckets in ups.
func (r *Root) Apply(ups []BucketUpdate) {
	for i := range ups {
		r.SetBucket(ups[i].Index, ups[i].Hash)
	}
}

// Hash returns the state root.
func (r *Root) Hash() types.Hash { return types.MerkleRoot(r.digests[:]) }

// HashWith returns the state root r would have after Apply(ups), without
// changing r.
func (r *Root) HashWith(ups []BucketUpdate) types.Hash {
	digests := r.digests
	for i := range ups {
		digests[ups[i].Index] = ups[i].Hash.Sum()
	}
	return types.MerkleRoot(digests[:])
}

// EntryElement is the element that the entry (key, value) contributes to
// its bucket's LtHash.
func EntryElement(key, value []byte) []byte {
	e := make([]byte, 0, 4+len(key)+len(value))
	e = binary.BigEndian.AppendUint32(e, uint32(len(key)))
	e = append(e, key...)
	return append(e, value...)
}

// Updates computes the new value of every bucket that changes touch,
// spreading the hashing over up to workers goroutines. The result is sorted
// by bucket and does not depend on workers.
func (r *Root) Updates(changes []Change, workers int) []BucketUpdate {
	if len(changes) == 0 {
		return nil
	}
	workers = max(1, min(workers, len(changes)/256+1))
	deltas := make([]map[uint16]*crypto.LtHash, workers)
	var wg sync.WaitGroup
	per := (len(changes) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, len(changes))
		m := make(map[uint16]*crypto.LtHash)
		deltas[w] = m
		wg.Go(func() {
			for _, c := range changes[lo:hi] {
				b := BucketOf(c.Key)
				d := m[b]
				if d == nil {
					d = new(crypto.LtHash)
					m[b] = d
				}
				if c.Old != nil {
					d.Remove(EntryElement(c.Key, c.Old))
				}
				if c.New != nil {
					d.Add(EntryElement(c.Key, c.New))
				}
			}
		})
	}
	wg.Wait()
	merged := make(map[uint16]crypto.LtHash)
	for _, m := range deltas {
		for b, d := range m {
			h, ok := merged[b]
			if !ok {
				h = r.buckets[b]
			}
			h.Combine(d)
			merged[b] = h
		}
	}
	ups := make([]BucketUpdate, 0, len(merged))
	for b, h := range merged {
		ups = append(ups, BucketUpdate{Index: b, Hash: h})
	}
	slices.SortFunc(ups, func(a, b BucketUpdate) int { return int(a.Index) - int(b.Index) })
	return ups
}
