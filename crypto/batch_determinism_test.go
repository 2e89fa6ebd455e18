package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"slices"
	"testing"
)

// mixedItems returns n signature checks mixing valid signatures, the ZIP-215
// edge cases and plain invalid ones, spread over several batches, with the
// answer of single verification for each.
func mixedItems(t testing.TB, n int) ([]SigItem, []bool) {
	t.Helper()
	edges := edgeCases(t)
	rng := rand.New(rand.NewSource(99))
	items := make([]SigItem, n)
	want := make([]bool, n)
	for i := range items {
		switch rng.Intn(4) {
		case 0: // an edge case, valid or not
			items[i] = edges[rng.Intn(len(edges))].item
		case 1: // a tampered signature
			k := testKey(t, byte(i%5+1))
			msg := fmt.Appendf(nil, "item %d", i)
			items[i] = SigItem{PublicKey: k.Public(), Message: msg, Signature: k.Sign(msg)}
			items[i].Signature[rng.Intn(SignatureSize)] ^= 1 << rng.Intn(8)
		default:
			k := testKey(t, byte(i%5+1))
			msg := fmt.Appendf(nil, "item %d", i)
			items[i] = SigItem{PublicKey: k.Public(), Message: msg, Signature: k.Sign(msg)}
		}
		want[i] = Verify(items[i].PublicKey, items[i].Message, items[i].Signature)
	}
	return items, want
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type errReader struct{}

func (errReader) Read(p []byte) (int, error) { return 0, errors.New("entropy source broken") }

// TestVerifyBatchIgnoresRandomness checks that VerifyBatch's answers are
// those of single verification whatever the source of its blinding
// scalars: two seeded sources, a source of zeros, no source (nil), and
// sources that fail at once or part way through (then the batches that
// could not be blinded are verified one signature at a time; before, the
// ed25519 package panicked in a worker goroutine and took the process down).
func TestVerifyBatchIgnoresRandomness(t *testing.T) {
	items, want := mixedItems(t, 3*batchSize+17)
	if !slices.Contains(want, false) || !slices.Contains(want, true) {
		t.Fatal("the items should mix valid and invalid signatures")
	}
	sources := map[string]func() io.Reader{
		"seed 1":             func() io.Reader { return rand.New(rand.NewSource(1)) },
		"seed 2":             func() io.Reader { return rand.New(rand.NewSource(2)) },
		"zeros":              func() io.Reader { return zeroReader{} },
		"nil":                func() io.Reader { return nil },
		"failing":            func() io.Reader { return errReader{} },
		"32 bytes, then EOF": func() io.Reader { return bytes.NewReader(bytes.Repeat([]byte{7}, 32)) },
	}
	for name, src := range sources {
		for _, workers := range []int{1, 2, 3} {
			got := VerifyBatch(items, workers, src())
			if !slices.Equal(got, want) {
				for i := range got {
					if got[i] != want[i] {
						t.Errorf("%s, workers=%d: item %d: %v, single verification says %v", name, workers, i, got[i], want[i])
					}
				}
			}
		}
	}
	// And once more with all the valid items only, so that every batch
	// equation holds and the blinding is actually used.
	var valid []SigItem
	for i, ok := range want {
		if ok {
			valid = append(valid, items[i])
		}
	}
	for name, src := range sources {
		got := VerifyBatch(valid, 2, src())
		if slices.Contains(got, false) {
			t.Errorf("%s: a valid signature rejected", name)
		}
	}
}

// TestVerifyBatchEdges covers the empty input and worker counts below one.
func TestVerifyBatchEdges(t *testing.T) {
	if got := VerifyBatch(nil, 4, errReader{}); len(got) != 0 {
		t.Fatalf("empty input gave %v", got)
	}
	items, want := mixedItems(t, 10)
	for _, workers := range []int{-1, 0, 100} {
		if got := VerifyBatch(items, workers, rand.New(rand.NewSource(3))); !slices.Equal(got, want) {
			t.Fatalf("workers=%d: %v, want %v", workers, got, want)
		}
	}
}

// TestVerifyAll checks VerifyAllCached against single verification: -1
// when every signature is valid, and an invalid one's index otherwise,
// whatever the workers, the source of randomness and the position of the
// bad signature (first, last, in either worker's batch).
func TestVerifyAll(t *testing.T) {
	if got := VerifyAllCached(nil, 2, zeroReader{}, nil); got != -1 {
		t.Fatalf("no items: %d, want -1", got)
	}
	items, want := mixedItems(t, 2*batchSize+40)
	var valid []SigItem
	for i, ok := range want {
		if ok {
			valid = append(valid, items[i])
		}
	}
	cache := NewKeyCache(64)
	for _, workers := range []int{0, 1, 2, 3} {
		for _, src := range []io.Reader{rand.New(rand.NewSource(5)), nil, errReader{}} {
			if got := VerifyAllCached(valid, workers, src, cache); got != -1 {
				t.Fatalf("workers=%d: all valid, got %d", workers, got)
			}
			for _, bad := range []int{0, len(valid) / 2, len(valid) - 1} {
				tampered := slices.Clone(valid)
				tampered[bad].Signature[3] ^= 0x10
				if got := VerifyAllCached(tampered, workers, src, cache); got != bad {
					t.Fatalf("workers=%d: signature %d tampered, got %d", workers, bad, got)
				}
			}
			if got := VerifyAllCached(items, workers, src, nil); got < 0 || want[got] {
				t.Fatalf("workers=%d: mixed items gave %d", workers, got)
			}
		}
	}
}
