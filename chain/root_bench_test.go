package chain

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/noded/noded/types"
)

// rootChanges returns the state changes of a block of n transfers between
// existing accounts: 2n accounts change balance (and the senders' nonce).
func rootChanges(n int) []Change {
	chs := make([]Change, 0, 2*n)
	for i := range 2 * n {
		h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
		var a types.Address
		copy(a[:], h[:])
		old := types.Account{Balance: types.NewAmount(1_000_000), Nonce: 7}
		acc := types.Account{Balance: types.NewAmount(999_000), Nonce: 8}
		chs = append(chs, Change{Key: AccountKey(a), Old: old.Encode(), New: acc.Encode()})
	}
	return chs
}

// BenchmarkStateRootUpdate measures the state root's work per block: the
// new LtHash of every bucket the changes touch (Updates), applying them
// and hashing the Merkle tree over the 1,024 buckets. Its cost grows with
// the changes, not with the size of the state.
func BenchmarkStateRootUpdate(b *testing.B) {
	for _, n := range []int{100, 5000} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("transfers=%d/workers=%d", n, workers), func(b *testing.B) {
				chs := rootChanges(n)
				r := NewRoot()
				b.ReportAllocs()
				for b.Loop() {
					r.Apply(r.Updates(chs, workers))
					r.Hash()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(chs)), "ns/change")
			})
		}
	}
}
