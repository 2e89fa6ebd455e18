package chain

import (
	"math/rand/v2"
	"testing"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// The kept Merkle tree gives the root that types.MerkleRoot computes over
// all the bucket digests, whatever the mix of HashWith, Apply and
// SetBucket, and for updates of one bucket to all of them.
func TestRootTreeMatchesMerkleRoot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	want := func(r *Root) types.Hash {
		var d [NumBuckets]types.Hash
		for i := range d {
			d[i] = r.buckets[i].Sum()
		}
		return types.MerkleRoot(d[:])
	}
	randomLt := func() crypto.LtHash {
		var h crypto.LtHash
		var e [8]byte
		for range 1 + rng.IntN(3) {
			for i := range e {
				e[i] = byte(rng.Uint32())
			}
			h.Add(e[:])
		}
		return h
	}
	r := NewRoot()
	if got, w := r.Hash(), want(r); got != w {
		t.Fatalf("empty root %s, want %s", got, w)
	}
	for round := range 200 {
		var n int
		switch round % 4 {
		case 0:
			n = 1
		case 1:
			n = rng.IntN(20)
		case 2:
			n = NumBuckets/8 + rng.IntN(NumBuckets) // the copy path, with repeats
		default:
			n = rng.IntN(NumBuckets / 8)
		}
		ups := make([]BucketUpdate, n)
		for i := range ups {
			ups[i] = BucketUpdate{Index: uint16(rng.IntN(NumBuckets)), Hash: randomLt()}
		}
		if rng.IntN(2) == 0 && n > 1 {
			ups[n-1].Index = ups[0].Index // the last update of a bucket wins
		}
		after := r.Clone()
		for _, u := range ups {
			after.buckets[u.Index] = u.Hash
		}
		w := want(after)
		if got := r.HashWith(ups); got != w {
			t.Fatalf("round %d: HashWith(%d updates) = %s, want %s", round, n, got, w)
		}
		r.Apply(ups)
		if got := r.Hash(); got != w {
			t.Fatalf("round %d: Hash after Apply(%d updates) = %s, want %s", round, n, got, w)
		}
		if round%10 == 0 { // as the store loads buckets
			i := uint16(rng.IntN(NumBuckets))
			r.SetBucket(i, randomLt())
			r.Apply([]BucketUpdate{{Index: uint16(rng.IntN(NumBuckets)), Hash: randomLt()}})
			if got, w := r.Hash(), want(r); got != w {
				t.Fatalf("round %d: after SetBucket %s, want %s", round, got, w)
			}
		}
	}
}
