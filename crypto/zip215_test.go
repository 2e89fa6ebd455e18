package crypto

import (
	stded25519 "crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"math/big"
	"math/rand"
	"testing"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// These tests pin the signature rules at their edges. A node that accepted
// a signature its peers reject would fork, so single verification
// (Verify) and batch verification (VerifyBatch) must agree on every input,
// in particular on the cases where Ed25519 implementations differ: small-
// and mixed-order points, non-canonical encodings and non-canonical S.
// ZIP-215 (https://zips.z.cash/zip-0215) fixes the answers: encodings of A
// and R may be non-canonical, S must be canonical (S < L), and the check is
// the cofactored equation [8][S]B = [8]R + [8][k]A.

// smallOrderEncodings are the 14 encodings of points of small order
// (order 1, 2, 4 or 8) that ZIP-215 accepts, canonical and not (y >= p, or
// the sign bit set with x = 0), as in the ZIP-215 test vectors.
var smallOrderEncodings = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"0100000000000000000000000000000000000000000000000000000000000080", // identity, sign bit set
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // identity, y = p+1
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // identity, y = p+1, sign bit
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2 (y = -1)
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 2, sign bit set
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4 (y = 0)
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4, other x
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 4, y = p
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 4, y = p, sign bit
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
}

// groupOrder is L, the order of the base point.
var groupOrder, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

func mustHex32(t testing.TB, s string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad test constant %q", s)
	}
	return [32]byte(b)
}

func decodePoint(t testing.TB, enc [32]byte) *curve.EdwardsPoint {
	t.Helper()
	var c curve.CompressedEdwardsY
	if _, err := c.SetBytes(enc[:]); err != nil {
		t.Fatal(err)
	}
	var p curve.EdwardsPoint
	if _, err := p.SetCompressedY(&c); err != nil {
		t.Fatalf("%x does not decode: %v", enc, err)
	}
	return &p
}

func encodePoint(p *curve.EdwardsPoint) [32]byte {
	var c curve.CompressedEdwardsY
	c.SetEdwardsPoint(p)
	return c
}

// leToBig and bigToLE convert between little-endian 32-byte scalars and
// big.Int.
func leToBig(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(be)
}

func bigToLE(t testing.TB, x *big.Int) [32]byte {
	t.Helper()
	be := x.Bytes()
	if len(be) > 32 {
		t.Fatalf("%v does not fit in 32 bytes", x)
	}
	var out [32]byte
	for i := range be {
		out[i] = be[len(be)-1-i]
	}
	return out
}

func scalarFromBig(t testing.TB, x *big.Int) *scalar.Scalar {
	t.Helper()
	le := bigToLE(t, new(big.Int).Mod(x, groupOrder))
	s, err := scalar.NewFromCanonicalBytes(le[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// secretScalar returns the signing scalar a of k (A = [a]B), reduced
// modulo L.
func secretScalar(k PrivateKey) *big.Int {
	h := sha512.Sum512(k.Seed())
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	return new(big.Int).Mod(leToBig(h[:32]), groupOrder)
}

// challenge returns k = SHA-512(R || A || msg) mod L.
func challenge(r, a [32]byte, msg []byte) *big.Int {
	h := sha512.New()
	h.Write(r[:])
	h.Write(a[:])
	h.Write(msg)
	return new(big.Int).Mod(leToBig(h.Sum(nil)), groupOrder)
}

// nonce derives a signing nonce r from msg.
func nonce(tag string, msg []byte) *big.Int {
	h := sha512.Sum512(append([]byte("test nonce "+tag), msg...))
	return new(big.Int).Mod(leToBig(h[:]), groupOrder)
}

// torsion returns a point of order 8.
func torsion(t testing.TB) *curve.EdwardsPoint {
	return decodePoint(t, mustHex32(t, smallOrderEncodings[10]))
}

// mixedOrderR signs msg with k but adds a point of order 8 to R: the
// signature satisfies the cofactored equation but not the cofactorless
// one, the classic case where batch and single verification used to
// disagree.
func mixedOrderR(t testing.TB, k PrivateKey, msg []byte) SigItem {
	t.Helper()
	a := secretScalar(k)
	r := nonce("R", msg)
	var R curve.EdwardsPoint
	R.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, scalarFromBig(t, r))
	R.Add(&R, torsion(t))
	rEnc := encodePoint(&R)
	pk := k.Public()
	c := challenge(rEnc, pk, msg)
	s := new(big.Int).Add(r, new(big.Int).Mul(c, a))
	s.Mod(s, groupOrder)
	var sig Signature
	copy(sig[:32], rEnc[:])
	sEnc := bigToLE(t, s)
	copy(sig[32:], sEnc[:])
	return SigItem{PublicKey: pk, Message: msg, Signature: sig}
}

// mixedOrderA signs msg under A' = A + T, T of order 8, with the secret
// scalar of A. It holds under the cofactored equation only.
func mixedOrderA(t testing.TB, k PrivateKey, msg []byte) SigItem {
	t.Helper()
	a := secretScalar(k)
	pk := k.Public()
	A := decodePoint(t, pk)
	A.Add(A, torsion(t))
	aEnc := encodePoint(A)
	r := nonce("A", msg)
	var R curve.EdwardsPoint
	R.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, scalarFromBig(t, r))
	rEnc := encodePoint(&R)
	c := challenge(rEnc, aEnc, msg)
	if new(big.Int).Mod(c, big.NewInt(8)).Sign() == 0 {
		t.Fatal("k is a multiple of 8: pick another message") // cofactorless would pass too
	}
	s := new(big.Int).Add(r, new(big.Int).Mul(c, a))
	s.Mod(s, groupOrder)
	var sig Signature
	copy(sig[:32], rEnc[:])
	sEnc := bigToLE(t, s)
	copy(sig[32:], sEnc[:])
	return SigItem{PublicKey: aEnc, Message: msg, Signature: sig}
}

// withS returns it with S replaced by s (which may be >= L).
func withS(t testing.TB, it SigItem, s *big.Int) SigItem {
	enc := bigToLE(t, s)
	copy(it.Signature[32:], enc[:])
	return it
}

// offCurveEncoding returns a y coordinate that decodes to no point.
func offCurveEncoding(t testing.TB) [32]byte {
	t.Helper()
	for y := byte(2); y < 100; y++ {
		var enc curve.CompressedEdwardsY
		enc[0] = y
		var p curve.EdwardsPoint
		if _, err := p.SetCompressedY(&enc); err != nil {
			return enc
		}
	}
	t.Fatal("no invalid y below 100")
	return [32]byte{}
}

type edgeCase struct {
	name string
	item SigItem
	want bool
}

// edgeCases returns signatures on both sides of the ZIP-215 rules.
func edgeCases(t testing.TB) []edgeCase {
	t.Helper()
	k := testKey(t, 7)
	msg := []byte("edge case")
	good := SigItem{PublicKey: k.Public(), Message: msg, Signature: k.Sign(msg)}
	goodS := leToBig(good.Signature[32:])

	var cases []edgeCase
	cases = append(cases, edgeCase{"valid", good, true})

	// Every small-order A with every small-order R and S = 0: the
	// cofactored equation holds for any message.
	for i, a := range smallOrderEncodings {
		for j, r := range smallOrderEncodings {
			var sig Signature
			rb := mustHex32(t, r)
			copy(sig[:32], rb[:])
			cases = append(cases, edgeCase{fmt.Sprintf("small order A%d R%d", i, j),
				SigItem{PublicKey: mustHex32(t, a), Message: []byte("Zcash"), Signature: sig}, true})
		}
	}
	// ... but S must be canonical: S = L is rejected even there.
	var sig Signature
	id := mustHex32(t, smallOrderEncodings[0])
	copy(sig[:32], id[:])
	lEnc := bigToLE(t, groupOrder)
	copy(sig[32:], lEnc[:])
	cases = append(cases, edgeCase{"small order, S = L",
		SigItem{PublicKey: mustHex32(t, smallOrderEncodings[0]), Message: msg, Signature: sig}, false})

	cases = append(cases,
		edgeCase{"mixed-order R", mixedOrderR(t, k, msg), true},
		edgeCase{"mixed-order R, other message", mixedOrderR(t, testKey(t, 8), []byte("another")), true},
		edgeCase{"mixed-order A", mixedOrderA(t, k, msg), true},
		edgeCase{"non-canonical S = S + L", withS(t, good, new(big.Int).Add(goodS, groupOrder)), false},
		edgeCase{"non-canonical S = S + 2L", withS(t, good, new(big.Int).Add(goodS, new(big.Int).Lsh(groupOrder, 1))), false},
		edgeCase{"S with the top bit set", withS(t, good, new(big.Int).SetBit(goodS, 255, 1)), false},
		edgeCase{"mixed-order R, S + L", func() SigItem {
			it := mixedOrderR(t, k, msg)
			return withS(t, it, new(big.Int).Add(leToBig(it.Signature[32:]), groupOrder))
		}(), false},
		edgeCase{"A off the curve", SigItem{PublicKey: offCurveEncoding(t), Message: msg, Signature: good.Signature}, false},
		edgeCase{"R off the curve", func() SigItem {
			it := good
			enc := offCurveEncoding(t)
			copy(it.Signature[:32], enc[:])
			return it
		}(), false},
		edgeCase{"small-order A, valid signature of another key", SigItem{
			PublicKey: mustHex32(t, smallOrderEncodings[10]), Message: msg, Signature: good.Signature}, false},
		edgeCase{"other message", SigItem{PublicKey: good.PublicKey, Message: []byte("edge casE"), Signature: good.Signature}, false},
		edgeCase{"zero signature", SigItem{PublicKey: good.PublicKey, Message: msg}, false},
	)
	return cases
}

func TestZIP215Single(t *testing.T) {
	for _, c := range edgeCases(t) {
		if got := Verify(c.item.PublicKey, c.item.Message, c.item.Signature); got != c.want {
			t.Errorf("%s: Verify = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestZIP215CasesAreEdgeCases checks that the constructed cases really are
// where implementations differ: the Go standard library verifies with the
// cofactorless equation and canonical A and R, and rejects what ZIP-215
// accepts here.
func TestZIP215CasesAreEdgeCases(t *testing.T) {
	for _, c := range edgeCases(t) {
		std := stded25519.Verify(c.item.PublicKey[:], c.item.Message, c.item.Signature[:])
		switch {
		case c.name == "valid":
			if !std {
				t.Errorf("%s: rejected by crypto/ed25519", c.name)
			}
		case c.want && std && (c.name == "mixed-order R" || c.name == "mixed-order A"):
			t.Errorf("%s: accepted by crypto/ed25519 too, so it is no edge case", c.name)
		case !c.want && std:
			t.Errorf("%s: accepted by crypto/ed25519 but invalid under ZIP-215", c.name)
		}
	}
}

// TestZIP215BatchAgrees verifies the edge cases in batches of every shape
// and requires the answers of single verification.
func TestZIP215BatchAgrees(t *testing.T) {
	cases := edgeCases(t)
	items := make([]SigItem, len(cases))
	want := make([]bool, len(cases))
	for i, c := range cases {
		items[i], want[i] = c.item, c.want
	}
	k := testKey(t, 3)
	pad := make([]SigItem, 5)
	for i := range pad {
		m := []byte{byte(i)}
		pad[i] = SigItem{PublicKey: k.Public(), Message: m, Signature: k.Sign(m)}
	}
	rng := rand.New(rand.NewSource(1))
	// All together, on one and on several workers.
	for _, workers := range []int{1, 2, 4} {
		got := VerifyBatch(items, workers, rng)
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("all together, workers=%d: %s: %v, want %v", workers, cases[i].name, got[i], want[i])
			}
		}
	}
	// Each alone (verified singly inside VerifyBatch) and each among
	// valid signatures (in a batch equation).
	for _, c := range cases {
		if got := VerifyBatch([]SigItem{c.item}, 1, rng); got[0] != c.want {
			t.Errorf("%s alone: %v, want %v", c.name, got[0], c.want)
		}
		batch := append(append([]SigItem{pad[0], pad[1]}, c.item), pad[2:]...)
		got := VerifyBatch(batch, 1, rng)
		for i, ok := range got {
			if wantOK := i != 2 || c.want; ok != wantOK {
				t.Errorf("%s among valid signatures: item %d %v, want %v", c.name, i, ok, wantOK)
			}
		}
	}
}

// TestZIP215BatchEquation checks the batch equation itself, not only
// VerifyBatch's answers (a failing batch falls back to single
// verification, which would hide a batch equation that rejects valid
// signatures): with the options VerifyBatch uses, a batch of the valid
// edge cases passes as a whole, and adding any invalid one fails it.
func TestZIP215BatchEquation(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	var valid, invalid []edgeCase
	for _, c := range edgeCases(t) {
		if c.want {
			valid = append(valid, c)
		} else {
			invalid = append(invalid, c)
		}
	}
	v := ed25519.NewBatchVerifier()
	for _, c := range valid {
		v.AddWithOptions(c.item.PublicKey[:], c.item.Message, c.item.Signature[:], verifyOptions)
	}
	if !v.VerifyBatchOnly(rng) {
		t.Fatalf("the batch equation rejects %d signatures that ZIP-215 accepts", len(valid))
	}
	for _, bad := range invalid {
		v := ed25519.NewBatchVerifier()
		for _, c := range valid[:20] {
			v.AddWithOptions(c.item.PublicKey[:], c.item.Message, c.item.Signature[:], verifyOptions)
		}
		v.AddWithOptions(bad.item.PublicKey[:], bad.item.Message, bad.item.Signature[:], verifyOptions)
		if v.VerifyBatchOnly(rng) {
			t.Errorf("the batch equation accepts %s", bad.name)
		}
	}
}
