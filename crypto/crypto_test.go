package crypto

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand"
	"testing"
)

func testKey(t testing.TB, i byte) PrivateKey {
	t.Helper()
	seed := bytes.Repeat([]byte{i}, SeedSize)
	k, err := NewKeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignVerify(t *testing.T) {
	k := testKey(t, 1)
	msg := []byte("hello")
	sig := k.Sign(msg)
	if !Verify(k.Public(), msg, sig) {
		t.Fatal("valid signature rejected")
	}
	if Verify(k.Public(), []byte("hellO"), sig) {
		t.Fatal("signature over another message accepted")
	}
	if Verify(testKey(t, 2).Public(), msg, sig) {
		t.Fatal("signature under another key accepted")
	}
	sig[5] ^= 1
	if Verify(k.Public(), msg, sig) {
		t.Fatal("corrupted signature accepted")
	}
}

func TestVerifyBatchFindsBadOnes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{1, 2, 127, 128, 129, 600} {
		items := make([]SigItem, n)
		want := make([]bool, n)
		for i := range items {
			k := testKey(t, byte(i%7+1))
			msg := []byte(fmt.Sprintf("msg %d", i))
			items[i] = SigItem{PublicKey: k.Public(), Message: msg, Signature: k.Sign(msg)}
			want[i] = true
			if rng.Intn(50) == 0 {
				items[i].Message = []byte("tampered")
				want[i] = false
			}
		}
		for _, workers := range []int{1, 3} {
			got := VerifyBatch(items, workers, rng)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("n=%d workers=%d: item %d valid=%v, want %v", n, workers, i, got[i], want[i])
				}
			}
		}
	}
}

func TestKeyHexRoundTrip(t *testing.T) {
	pk := testKey(t, 3).Public()
	got, err := ParsePublicKey(pk.String())
	if err != nil || got != pk {
		t.Fatalf("round trip: %v %v", got, err)
	}
	for _, bad := range []string{"", "0x", pk.String()[2:], pk.String() + "00", "0x" + string(bytes.Repeat([]byte("zz"), 32))} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}
}

// laneRef is the obvious lane-by-lane version of the SWAR arithmetic.
func laneRef(a, b [ltWords]uint64, sub bool) [ltWords]uint64 {
	var out [ltWords]uint64
	for i := range a {
		var w uint64
		for l := 0; l < 4; l++ {
			x, y := uint16(a[i]>>(16*l)), uint16(b[i]>>(16*l))
			r := x + y
			if sub {
				r = x - y
			}
			w |= uint64(r) << (16 * l)
		}
		out[i] = w
	}
	return out
}

func TestLtHashLaneArithmetic(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for range 100 {
		var a, b LtHash
		for i := range a.w {
			a.w[i], b.w[i] = rng.Uint64(), rng.Uint64()
			if rng.Intn(4) == 0 {
				b.w[i] = 0xffffffffffffffff
			}
		}
		sum := a
		sum.Combine(&b)
		if sum.w != laneRef(a.w, b.w, false) {
			t.Fatal("lane addition differs from reference")
		}
		diff := a
		diff.Uncombine(&b)
		if diff.w != laneRef(a.w, b.w, true) {
			t.Fatal("lane subtraction differs from reference")
		}
	}
}

func TestLtHashSetSemantics(t *testing.T) {
	elems := make([][]byte, 50)
	for i := range elems {
		elems[i] = binary.BigEndian.AppendUint32(nil, uint32(i))
	}
	var fwd, rev LtHash
	for i := range elems {
		fwd.Add(elems[i])
		rev.Add(elems[len(elems)-1-i])
	}
	if fwd.Sum() != rev.Sum() {
		t.Fatal("order of additions changes the hash")
	}
	h := fwd
	h.Add([]byte("extra"))
	if h.Sum() == fwd.Sum() {
		t.Fatal("adding an element did not change the hash")
	}
	h.Remove([]byte("extra"))
	if h.Sum() != fwd.Sum() {
		t.Fatal("add then remove is not the identity")
	}
	for _, e := range elems {
		h.Remove(e)
	}
	if !h.IsZero() {
		t.Fatal("removing every element does not give the empty hash")
	}
	var dec LtHash
	if err := dec.UnmarshalBinary(fwd.AppendBinary(nil)); err != nil || dec != fwd {
		t.Fatalf("encoding round trip failed: %v", err)
	}
	if err := dec.UnmarshalBinary(make([]byte, 10)); err == nil {
		t.Fatal("short encoding accepted")
	}
}

func BenchmarkVerify(b *testing.B) {
	k := testKey(b, 1)
	msg := bytes.Repeat([]byte{1}, 150)
	sig := k.Sign(msg)
	for b.Loop() {
		Verify(k.Public(), msg, sig)
	}
}

func BenchmarkVerifyBatch(b *testing.B) {
	items := make([]SigItem, 1024)
	for i := range items {
		k := testKey(b, byte(i))
		msg := []byte(fmt.Sprintf("message number %d of the batch", i))
		items[i] = SigItem{PublicKey: k.Public(), Message: msg, Signature: k.Sign(msg)}
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			rng := rand.New(rand.NewSource(1))
			for b.Loop() {
				VerifyBatch(items, workers, rng)
			}
			b.ReportMetric(float64(b.N*len(items))/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}

// The expansion of elements is a consensus rule: this pins it.
func TestLtHashGolden(t *testing.T) {
	var h LtHash
	for i := range 40 {
		elem := make([]byte, i*9) // up to 351 bytes: past the pooled input buffer
		for j := range elem {
			elem[j] = byte(i + j)
		}
		h.Add(elem)
	}
	h.Remove([]byte{})
	if got := h.Sum(); hex.EncodeToString(got[:]) != "dcaf8d00a6ef10c8e0ad1a41f6f6752d5f52a1494c37686ec2dfac931d2c10a1" {
		t.Fatalf("LtHash of the golden elements is %x", got)
	}
}

func BenchmarkLtHashAdd(b *testing.B) {
	var h LtHash
	elem := bytes.Repeat([]byte{7}, 80)
	for b.Loop() {
		h.Add(elem)
	}
}

func TestWeakKeys(t *testing.T) {
	if testKey(t, 1).Public().IsWeak() {
		t.Fatal("a generated key is reported weak")
	}
	// The set is exactly the 14 ZIP-215 small-order encodings.
	if len(weakKeyEncodings) != len(smallOrderEncodings) {
		t.Fatalf("%d weak encodings, want %d", len(weakKeyEncodings), len(smallOrderEncodings))
	}
	for _, s := range smallOrderEncodings {
		if !PublicKey(mustHex32(t, s)).IsWeak() {
			t.Errorf("%s (small order) is not reported weak", s)
		}
	}
	// The forgery the rule exists to stop.
	if !Verify(PublicKey{}, []byte("any message"), Signature{}) {
		t.Fatal("expected the zero key and signature to verify under ZIP-215")
	}
}

func TestZeroPrivateKey(t *testing.T) {
	var k PrivateKey
	if !k.IsZero() || k.Public() != (PublicKey{}) {
		t.Fatal("the zero private key must report itself and have the zero public key")
	}
}

// TestKeyCacheAgrees checks that verifying through the key cache gives the
// same answers as without it, for valid, invalid and weak-key signatures,
// cold and warm.
func TestKeyCacheAgrees(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	items := make([]SigItem, 700)
	for i := range items {
		k := testKey(t, byte(i%13+1))
		msg := []byte(fmt.Sprintf("m%d", i))
		items[i] = SigItem{PublicKey: k.Public(), Message: msg, Signature: k.Sign(msg)}
		switch rng.Intn(20) {
		case 0:
			items[i].Signature[3] ^= 1
		case 1:
			items[i].PublicKey = PublicKey{} // small order: verifies only the zero signature
		case 2:
			items[i].PublicKey = PublicKey{2} // not a curve point
		}
	}
	want := VerifyBatch(items, 2, rng)
	cache := NewKeyCache(8)
	for round := range 3 {
		got := VerifyBatchCached(items, 2, rng, cache)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("round %d item %d: cached %v, plain %v", round, i, got[i], want[i])
			}
			if single := cache.Verify(items[i].PublicKey, items[i].Message, items[i].Signature); single != want[i] {
				t.Fatalf("round %d item %d: cached single %v, batch %v", round, i, single, want[i])
			}
		}
	}
}
