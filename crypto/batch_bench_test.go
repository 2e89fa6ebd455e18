package crypto

import (
	"fmt"
	"math/rand"
	"testing"
)

// BenchmarkVerifyCached is what tx_send pays per transaction: one
// signature verified alone, the sender's key decompressed once and kept
// (KeyCache).
func BenchmarkVerifyCached(b *testing.B) {
	k := testKey(b, 1)
	msg := []byte("a transaction hash of 32 bytes..")
	sig := k.Sign(msg)
	c := NewKeyCache(1024)
	c.Verify(k.Public(), msg, sig)
	for b.Loop() {
		if !c.Verify(k.Public(), msg, sig) {
			b.Fatal("bad signature")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
}

// BenchmarkVerifyBatchSize is batch verification of small batches, with
// cached keys: the cost per signature if the node verified what
// concurrent tx_send calls (or one JSON-RPC batch) bring together,
// against BenchmarkVerifyCached.
func BenchmarkVerifyBatchSize(b *testing.B) {
	const senders = 100
	keys := make([]PrivateKey, senders)
	for i := range keys {
		keys[i] = testKey(b, byte(i+1))
	}
	c := NewKeyCache(1024)
	for _, n := range []int{4, 16, 64, 256} {
		items := make([]SigItem, n)
		for i := range items {
			k := keys[i%senders]
			msg := []byte(fmt.Sprintf("transaction hash number %8d", i))
			items[i] = SigItem{PublicKey: k.Public(), Message: msg, Signature: k.Sign(msg)}
		}
		VerifyBatchCached(items, 1, rand.New(rand.NewSource(1)), c)
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewSource(1))
			for b.Loop() {
				for _, ok := range VerifyBatchCached(items, 1, rng, c) {
					if !ok {
						b.Fatal("bad signature")
					}
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "sigs/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e3, "us/sig")
		})
	}
}
