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
// The tree's nodes are kept, so a new root rehashes only the paths of the
// buckets that changed (10 hashes each, fewer where paths share nodes)
// instead of all 2,047 nodes: small blocks come cheap. It is the tree of
// types.MerkleRoot over the bucket digests (NumBuckets is a power of two).
//
// A Root is not safe for concurrent use.
type Root struct {
	buckets [NumBuckets]crypto.LtHash
	// tree[1] is the root, tree[i]'s children are tree[2i] and tree[2i+1],
	// and tree[NumBuckets+b] is bucket b's leaf hash. tree[0] is unused.
	tree  [2 * NumBuckets]types.Hash
	dirty bool // some leaves changed since the inner nodes were computed
}

// The tree layout above needs a power of two.
var _ [0]struct{} = [NumBuckets & (NumBuckets - 1)]struct{}{}

// BucketUpdate is the new value of one bucket.
type BucketUpdate struct {
	Index uint16
	Hash  crypto.LtHash

	// leaf is the bucket's leaf hash in the tree, if hasLeaf: Updates
	// computes it with the bucket, on its workers (so the Hash of an
	// update it returned must not be changed). An update made elsewhere
	// gets its leaf computed when applied.
	leaf    types.Hash
	hasLeaf bool
}

// NewRoot returns the root of the empty state.
func NewRoot() *Root {
	r := new(Root)
	leaf := leafHash(r.buckets[0].Sum())
	for i := range NumBuckets {
		r.tree[NumBuckets+i] = leaf
	}
	r.rehashAll()
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
	r.tree[NumBuckets+int(i)] = leafHash(h.Sum())
	r.dirty = true
}

// Apply sets the buckets in ups.
func (r *Root) Apply(ups []BucketUpdate) {
	if len(ups) == 0 {
		return
	}
	for i := range ups {
		r.buckets[ups[i].Index] = ups[i].Hash
	}
	r.update(r.leaves(ups), &r.tree)
	// The tree is now current if it was before; a pending SetBucket
	// still needs a full rehash.
}

// Hash returns the state root.
func (r *Root) Hash() types.Hash {
	if r.dirty {
		r.rehashAll()
	}
	return r.tree[1]
}

// HashWith returns the state root r would have after Apply(ups), without
// changing r.
func (r *Root) HashWith(ups []BucketUpdate) types.Hash {
	if r.dirty {
		r.rehashAll()
	}
	if len(ups) == 0 {
		return r.tree[1]
	}
	leaves := r.leaves(ups)
	if len(leaves) > NumBuckets/8 {
		// Most of the tree changes: rehash a copy (64 KiB) rather than
		// keep a map of the changed nodes.
		tree := r.tree
		r.update(leaves, &tree)
		return tree[1]
	}
	changed := make(map[int]types.Hash, 2*len(leaves)+16)
	for _, l := range leaves {
		changed[l.node] = l.hash
	}
	get := func(i int) types.Hash {
		if h, ok := changed[i]; ok {
			return h
		}
		return r.tree[i]
	}
	rehashPaths(nodesOf(leaves), get, func(i int, h types.Hash) { changed[i] = h })
	return get(1)
}

type leafUpdate struct {
	node int // index in Root.tree
	hash types.Hash
}

// leaves returns the new leaf hashes of ups, one per bucket (the last
// update of a bucket wins), sorted by bucket.
func (r *Root) leaves(ups []BucketUpdate) []leafUpdate {
	out := make([]leafUpdate, 0, len(ups))
	for i := range ups {
		leaf := ups[i].leaf
		if !ups[i].hasLeaf {
			leaf = leafHash(ups[i].Hash.Sum())
		}
		out = append(out, leafUpdate{NumBuckets + int(ups[i].Index), leaf})
	}
	slices.SortStableFunc(out, func(a, b leafUpdate) int { return a.node - b.node })
	// Keep the last of equal nodes.
	w := 0
	for i := range out {
		if w > 0 && out[w-1].node == out[i].node {
			out[w-1] = out[i]
			continue
		}
		out[w] = out[i]
		w++
	}
	return out[:w]
}

// update writes leaves (sorted, distinct) into tree and rehashes their
// ancestors.
func (r *Root) update(leaves []leafUpdate, tree *[2 * NumBuckets]types.Hash) {
	for _, l := range leaves {
		tree[l.node] = l.hash
	}
	rehashPaths(nodesOf(leaves), func(i int) types.Hash { return tree[i] }, func(i int, h types.Hash) { tree[i] = h })
}

func nodesOf(leaves []leafUpdate) []int {
	level := make([]int, len(leaves))
	for i, l := range leaves {
		level[i] = l.node
	}
	return level
}

// rehashPaths recomputes the ancestors of the nodes in level (sorted,
// distinct, all at one depth), reading nodes with get and writing with set.
func rehashPaths(level []int, get func(int) types.Hash, set func(int, types.Hash)) {
	for len(level) > 0 && level[0] > 1 {
		next := level[:0]
		for _, i := range level {
			p := i / 2
			if len(next) > 0 && next[len(next)-1] == p {
				continue // the sibling of a node already done
			}
			l, r := get(2*p), get(2*p+1)
			set(p, crypto.Sum256(innerPrefix, l[:], r[:]))
			next = append(next, p)
		}
		level = next
	}
}

// rehashAll computes every inner node from the leaves.
func (r *Root) rehashAll() {
	for p := NumBuckets - 1; p >= 1; p-- {
		r.tree[p] = crypto.Sum256(innerPrefix, r.tree[2*p][:], r.tree[2*p+1][:])
	}
	r.dirty = false
}

// The domain prefixes of types.MerkleRoot.
var (
	leafPrefix  = []byte{0}
	innerPrefix = []byte{1}
)

func leafHash(digest types.Hash) types.Hash { return crypto.Sum256(leafPrefix, digest[:]) }

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
//
// The changes are grouped by bucket and each worker computes whole buckets
// from their current values, with the buckets' leaf hashes for the tree:
// nothing to merge afterwards, and no 2 KiB delta per bucket and worker.
func (r *Root) Updates(changes []Change, workers int) []BucketUpdate {
	n := len(changes)
	if n == 0 {
		return nil
	}
	workers = max(1, min(workers, n/256+1))
	bucket := make([]uint16, n)
	parallel(workers, n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			bucket[i] = BucketOf(changes[i].Key)
		}
	})
	// Counting sort of the changes by bucket: start[b] is where bucket b's
	// changes begin in order.
	var start [NumBuckets + 1]int32
	for _, b := range bucket {
		start[b+1]++
	}
	touched := 0
	for b := range NumBuckets {
		if start[b+1] > 0 {
			touched++
		}
		start[b+1] += start[b]
	}
	order := make([]int32, n)
	next := start
	for i, b := range bucket {
		order[next[b]] = int32(i)
		next[b]++
	}
	ups := make([]BucketUpdate, 0, touched)
	for b := range NumBuckets {
		if start[b+1] > start[b] {
			ups = append(ups, BucketUpdate{Index: uint16(b)})
		}
	}
	// Buckets hold about n/touched changes each, so splitting the buckets
	// evenly splits the work.
	parallel(workers, len(ups), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			u := &ups[k]
			u.Hash = r.buckets[u.Index]
			for _, i := range order[start[u.Index]:start[u.Index+1]] {
				c := &changes[i]
				if c.Old != nil {
					u.Hash.Remove(EntryElement(c.Key, c.Old))
				}
				if c.New != nil {
					u.Hash.Add(EntryElement(c.Key, c.New))
				}
			}
			u.leaf, u.hasLeaf = leafHash(u.Hash.Sum()), true
		}
	})
	return ups
}

// parallel calls f on up to workers contiguous parts of [0, n), each on its
// own goroutine (the last on the caller's), and waits for them.
func parallel(workers, n int, f func(lo, hi int)) {
	workers = max(1, min(workers, n))
	per := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := per; lo < n; lo += per {
		wg.Go(func() { f(lo, min(lo+per, n)) })
	}
	f(0, min(per, n))
	wg.Wait()
}
