package types

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/noded/noded/crypto"
)

// TestParseHex records what the hex parsers of Hash and Address accept:
//
//   - the "0x" prefix is required, lower-case only ("0X" is rejected);
//   - exactly 2 digits per byte: no odd length, no dropped leading zeros;
//   - digits in either case, or mixed (there is no checksum casing); the
//     output (String, MarshalText) is always lower-case, so parsing
//     followed by formatting normalises to lower case;
//   - nothing else: no whitespace, sign or separators.
func TestParseHex(t *testing.T) {
	const h64 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	const a40 = "00112233445566778899aabbccddeeff00112233"
	cases := []struct {
		in string
		ok bool
	}{
		{"0x" + h64, true},
		{"0x" + strings.ToUpper(h64), true},
		{"0x" + h64[:10] + strings.ToUpper(h64[10:]), true},
		{"0x" + strings.Repeat("0", 64), true},
		{h64, false},                           // no prefix
		{"0X" + h64, false},                    // upper-case prefix
		{"0x", false},                          // empty
		{"", false},                            // empty
		{"0x" + h64[:62], false},               // one byte short
		{"0x" + h64[:63], false},               // odd length
		{"0x" + h64 + "0", false},              // odd length
		{"0x" + h64 + "00", false},             // one byte long
		{"0x" + h64[:62] + "zz", false},        // non-hex
		{"0x" + h64[:62] + "g0", false},        // non-hex
		{"0x" + h64[:63] + " ", false},         // whitespace
		{" 0x" + h64, false},                   // whitespace
		{"0x" + h64 + "\n", false},             // newline
		{"0x-" + h64[1:], false},               // sign
		{"0x0x" + h64[4:], false},              // double prefix
		{"0x" + h64[:62] + "\u00e9", false},    // non-ASCII
		{"0x" + strings.Repeat("f", 64), true}, // all ones
	}
	for _, c := range cases {
		h, err := ParseHash(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseHash(%q): err = %v, want ok = %v", c.in, err, c.ok)
			continue
		}
		if err != nil && !errors.Is(err, ErrBadHex) {
			t.Errorf("ParseHash(%q): error %q does not wrap ErrBadHex", c.in, err)
		}
		if err == nil && h.String() != strings.ToLower(c.in) {
			t.Errorf("ParseHash(%q).String() = %s", c.in, h)
		}
	}
	addrCases := []struct {
		in string
		ok bool
	}{
		{"0x" + a40, true},
		{"0x" + strings.ToUpper(a40), true},
		{a40, false},
		{"0X" + a40, false},
		{"0x" + a40[:38], false},
		{"0x" + a40 + "00", false},
		{"0x" + h64, false}, // a hash is not an address
		{"0x" + a40[:39], false},
		{"0x" + a40[:38] + "zz", false},
		{"0x", false},
	}
	for _, c := range addrCases {
		a, err := ParseAddress(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseAddress(%q): err = %v, want ok = %v", c.in, err, c.ok)
			continue
		}
		if err != nil && !errors.Is(err, ErrBadHex) {
			t.Errorf("ParseAddress(%q): error %q does not wrap ErrBadHex", c.in, err)
		}
		if err == nil && a.String() != strings.ToLower(c.in) {
			t.Errorf("ParseAddress(%q).String() = %s", c.in, a)
		}
	}
}

func TestHexJSON(t *testing.T) {
	type doc struct {
		Hash Hash    `json:"hash"`
		Addr Address `json:"addr"`
	}
	in := doc{Hash: testHash(1), Addr: testAddr(2)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"hash":"` + in.Hash.String() + `","addr":"` + in.Addr.String() + `"}`
	if string(b) != want {
		t.Fatalf("JSON %s, want %s", b, want)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("JSON round trip: %+v, %v", out, err)
	}
	for _, bad := range []string{`{"hash":"` + in.Hash.String()[2:] + `"}`, `{"addr":"0x12"}`, `{"hash":12}`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("JSON %s accepted", bad)
		}
	}
}

func TestZeroValues(t *testing.T) {
	if !(Hash{}).IsZero() || testHash(0).IsZero() || !(Address{}).IsZero() || testAddr(0).IsZero() {
		t.Fatal("IsZero")
	}
	if (Hash{}).String() != "0x"+strings.Repeat("00", 32) || (Address{}).String() != "0x"+strings.Repeat("00", 20) {
		t.Fatal("zero values do not print as full-width hex")
	}
}

func TestAddresses(t *testing.T) {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	a1 := AddressOf(k1.Public())
	if a1 == AddressOf(k2.Public()) || a1.IsZero() {
		t.Fatal("AddressOf does not separate keys")
	}
	pk := k1.Public()
	h := crypto.Sum256([]byte("noded/address/v1"), pk[:])
	if string(a1[:]) != string(h[:AddressSize]) {
		t.Fatal("AddressOf is not the first 20 bytes of SHA-256(tag, key)")
	}
	seen := map[Address]bool{a1: true}
	for _, n := range []uint64{0, 1, 255, 256, 1 << 32, ^uint64(0)} {
		c := ContractAddress(a1, n)
		if seen[c] {
			t.Fatalf("ContractAddress(a1, %d) repeats an address", n)
		}
		seen[c] = true
	}
	if ContractAddress(a1, 0) == ContractAddress(AddressOf(k2.Public()), 0) {
		t.Fatal("ContractAddress does not depend on the creator")
	}
}

// rfc6962Root is the Merkle tree hash of RFC 6962 section 2.1, written
// recursively: split at the largest power of two below n.
func rfc6962Root(leaves []Hash) Hash {
	switch len(leaves) {
	case 0:
		return crypto.Sum256()
	case 1:
		return crypto.Sum256([]byte{0}, leaves[0][:])
	}
	k := 1
	for 2*k < len(leaves) {
		k *= 2
	}
	l, r := rfc6962Root(leaves[:k]), rfc6962Root(leaves[k:])
	return crypto.Sum256([]byte{1}, l[:], r[:])
}

func TestMerkleRoot(t *testing.T) {
	leaves := make([]Hash, 70)
	for i := range leaves {
		leaves[i] = testHash(byte(i))
	}
	// Empty: SHA-256 of nothing.
	if got := MerkleRoot(nil); got.String() != "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty root %s", got)
	}
	if MerkleRoot([]Hash{}) != MerkleRoot(nil) {
		t.Fatal("empty and nil leaves differ")
	}
	// One leaf: hashed with the leaf tag, not the leaf itself.
	one := MerkleRoot(leaves[:1])
	if one == leaves[0] || one != crypto.Sum256([]byte{0}, leaves[0][:]) {
		t.Fatal("one-leaf root is not H(0x00 || leaf)")
	}
	// The level-by-level tree with promotion of the odd node is the
	// RFC 6962 tree, for every size.
	for n := range len(leaves) + 1 {
		if got, want := MerkleRoot(leaves[:n]), rfc6962Root(leaves[:n]); got != want {
			t.Fatalf("n=%d: root %s, RFC 6962 gives %s", n, got, want)
		}
	}
	// Three leaves: ((a b) c), c promoted.
	la := crypto.Sum256([]byte{0}, leaves[0][:])
	lb := crypto.Sum256([]byte{0}, leaves[1][:])
	lc := crypto.Sum256([]byte{0}, leaves[2][:])
	ab := crypto.Sum256([]byte{1}, la[:], lb[:])
	if MerkleRoot(leaves[:3]) != crypto.Sum256([]byte{1}, ab[:], lc[:]) {
		t.Fatal("three-leaf root is not H(1, H(1, La, Lb), Lc)")
	}
	// Every prefix has a distinct root, and so has each odd count with
	// its last leaf duplicated (the Bitcoin CVE-2012-2459 shape).
	roots := map[Hash]int{}
	for n := range len(leaves) + 1 {
		r := MerkleRoot(leaves[:n])
		if m, dup := roots[r]; dup {
			t.Fatalf("roots of %d and %d leaves are equal", m, n)
		}
		roots[r] = n
		if n%2 == 1 {
			dupd := append(append([]Hash(nil), leaves[:n]...), leaves[n-1])
			if MerkleRoot(dupd) == r {
				t.Fatalf("n=%d: duplicating the last leaf keeps the root", n)
			}
		}
	}
	// Order matters.
	for _, n := range []int{2, 3, 5, 8} {
		sw := append([]Hash(nil), leaves[:n]...)
		sw[0], sw[n-1] = sw[n-1], sw[0]
		if MerkleRoot(sw) == MerkleRoot(leaves[:n]) {
			t.Fatalf("n=%d: swapping leaves keeps the root", n)
		}
	}
	// Inner nodes cannot pose as leaves: the root of four leaves is not
	// the root of their two inner nodes taken as leaves.
	cd := crypto.Sum256([]byte{1},
		hashPtr(crypto.Sum256([]byte{0}, leaves[2][:]))[:], hashPtr(crypto.Sum256([]byte{0}, leaves[3][:]))[:])
	if MerkleRoot(leaves[:4]) == MerkleRoot([]Hash{ab, cd}) {
		t.Fatal("inner nodes taken as leaves give the same root")
	}
	if MerkleRoot(leaves[:4]) != crypto.Sum256([]byte{1}, ab[:], cd[:]) {
		t.Fatal("four-leaf root")
	}
	// MerkleRoot does not modify its input.
	in := append([]Hash(nil), leaves[:9]...)
	MerkleRoot(in)
	for i := range in {
		if in[i] != leaves[i] {
			t.Fatal("MerkleRoot modified its input")
		}
	}
	if TxRoot(leaves[:5]) != MerkleRoot(leaves[:5]) {
		t.Fatal("TxRoot is not the Merkle root of the hashes")
	}
	rs := sampleReceipts()
	var rh []Hash
	for i := range rs {
		rh = append(rh, rs[i].Hash())
	}
	if ReceiptsRoot(rs) != MerkleRoot(rh) {
		t.Fatal("ReceiptsRoot is not the Merkle root of the receipt hashes")
	}
}

func hashPtr(h Hash) *Hash { return &h }

func TestParseAmount(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want uint64
	}{
		{"0", true, 0},
		{"12345", true, 12345},
		{"0x0", true, 0},
		{"0x3039", true, 12345},
		{"0X3039", true, 12345},
		{"", false, 0},
		{"-1", false, 0},
		{"0x", false, 0},
		{"1e3", false, 0},
		{"0xzz", false, 0},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639936", false, 0}, // 2^256
	}
	for _, c := range cases {
		a, err := ParseAmount(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseAmount(%q): err = %v, want ok = %v", c.in, err, c.ok)
			continue
		}
		if c.ok && !a.Eq(ptrAmount(NewAmount(c.want))) {
			t.Errorf("ParseAmount(%q) = %v, want %d", c.in, &a, c.want)
		}
	}
	max, err := ParseAmount("115792089237316195423570985008687907853269984665640564039457584007913129639935")
	if err != nil || max != maxAmount() {
		t.Fatalf("2^256-1: %v %v", &max, err)
	}
}

func ptrAmount(a Amount) *Amount { return &a }
