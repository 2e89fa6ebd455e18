package types

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/noded/noded/crypto"
)

// The golden vectors pin the canonical encoding: hashes and signatures
// cover these bytes, so a change to any of them forks the chain. If a test
// here fails, the encoding changed. That is only ever right together with a
// new version byte and a plan for the blocks already written; then update
// testdata/golden.txt by hand from the failure messages.

// goldenKey is the key of RFC 8032's first Ed25519 test vector, so that
// its public key can be checked against a published value.
func goldenKey(t *testing.T) crypto.PrivateKey {
	t.Helper()
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	k, err := crypto.NewKeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	const wantPub = "0xd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	if got := k.Public().String(); got != wantPub {
		t.Fatalf("RFC 8032 key: public key %s, want %s", got, wantPub)
	}
	return k
}

// goldenValues builds the values whose encodings and hashes are recorded in
// testdata/golden.txt, keyed by the names used there.
func goldenValues(t *testing.T) map[string][]byte {
	t.Helper()
	k := goldenKey(t)
	to, err := ParseAddress("0x00112233445566778899aabbccddeeff00112233")
	if err != nil {
		t.Fatal(err)
	}
	transfer := &Tx{ChainID: "noded-golden", Nonce: 7, Kind: TxTransfer, To: to,
		Amount: NewAmount(1_000_000_000_000_000_000), GasLimit: 21_000, GasPrice: 2}
	deploy := &Tx{ChainID: "noded-golden", Nonce: 8, Kind: TxDeploy, Amount: NewAmount(1),
		GasLimit: 2_000_000, GasPrice: 1, Code: []byte("\x00asm\x01\x00\x00\x00"), Input: []byte("init-args")}
	call := &Tx{ChainID: "noded-golden", Nonce: 9, Kind: TxCall, To: ContractAddress(AddressOf(k.Public()), 8),
		GasLimit: 100_000, GasPrice: 1, Method: "increment", Input: []byte{0, 1, 2}}
	for _, tx := range []*Tx{transfer, deploy, call} {
		tx.Sign(k)
	}
	var parent Hash
	parent[0], parent[31] = 0xaa, 0xbb
	hdr := Header{Height: 1, Parent: parent, Slot: 3, Time: 1_750_000_000_000,
		TxRoot:  TxRoot([]Hash{transfer.Hash(), deploy.Hash(), call.Hash()}),
		GasUsed: 1234, GasLimit: 30_000_000}
	rs := []Receipt{
		{TxHash: transfer.Hash(), Status: ReceiptSuccess, GasUsed: 21_000, Fee: NewAmount(42_000)},
		{TxHash: call.Hash(), Status: ReceiptFailed, GasUsed: 100_000, Fee: NewAmount(100_000),
			ReturnData: []byte{0xde, 0xad}, Error: "reverted",
			Events: []Event{{Address: call.To, Topic: "Incremented", Data: []byte{0, 0, 0, 1}}}},
	}
	hdr.ReceiptsRoot = ReceiptsRoot(rs)
	hdr.Sign(k)
	blk := &Block{Header: hdr, Txs: []*Tx{transfer, deploy, call}}
	acct := Account{Balance: NewAmount(1 << 40), Nonce: 10, CodeHash: crypto.Sum256([]byte("code"))}

	th, dh, ch := transfer.Hash(), deploy.Hash(), call.Hash()
	hh := hdr.Hash()
	rh := rs[1].Hash()
	rr := ReceiptsRoot(rs)
	sender := AddressOf(k.Public())
	contract := ContractAddress(sender, 8)
	return map[string][]byte{
		"tx.transfer":       transfer.Encode(),
		"tx.transfer.hash":  th[:],
		"tx.deploy":         deploy.Encode(),
		"tx.deploy.hash":    dh[:],
		"tx.call":           call.Encode(),
		"tx.call.hash":      ch[:],
		"header":            hdr.AppendEncoding(nil),
		"header.hash":       hh[:],
		"block":             blk.Encode(),
		"receipts":          EncodeReceipts(rs),
		"receipt.1.hash":    rh[:],
		"receipts.root":     rr[:],
		"account":           acct.Encode(),
		"address.sender":    sender[:],
		"address.contract":  contract[:],
		"merkle.root.5":     merkle5(),
		"merkle.root.empty": emptyRoot(),
		"tx.transfer.sig":   transfer.Sig[:],
	}
}

func merkle5() []byte {
	leaves := make([]Hash, 5)
	for i := range leaves {
		leaves[i][0] = byte(i + 1)
	}
	r := MerkleRoot(leaves)
	return r[:]
}

func emptyRoot() []byte {
	r := MerkleRoot(nil)
	return r[:]
}

// readGolden reads "name hex" lines; blank lines and lines starting with #
// are skipped.
func readGolden(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		name, hx, ok := strings.Cut(s, " ")
		if !ok {
			t.Fatalf("%s:%d: want \"name hex\"", path, line)
		}
		b, err := hex.DecodeString(strings.TrimSpace(hx))
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		if _, dup := out[name]; dup {
			t.Fatalf("%s:%d: %s listed twice", path, line, name)
		}
		out[name] = b
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGoldenEncodings(t *testing.T) {
	want := readGolden(t, "testdata/golden.txt")
	got := goldenValues(t)
	for name, g := range got {
		w, ok := want[name]
		if !ok {
			t.Errorf("testdata/golden.txt has no %s; add:\n%s %x", name, name, g)
			continue
		}
		if hex.EncodeToString(g) != hex.EncodeToString(w) {
			t.Errorf("%s changed: the canonical encoding is consensus-critical.\n got %x\nwant %x", name, g, w)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("testdata/golden.txt lists %s, which the test does not build", name)
		}
	}
	// The recorded bytes also decode to the recorded values.
	for _, name := range []string{"tx.transfer", "tx.deploy", "tx.call"} {
		tx, err := DecodeTx(want[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h := tx.Hash(); hex.EncodeToString(h[:]) != hex.EncodeToString(want[name+".hash"]) {
			t.Errorf("%s: decoded hash %x, recorded %x", name, h, want[name+".hash"])
		}
		if !tx.VerifySig() {
			t.Errorf("%s: recorded signature does not verify", name)
		}
		if err := tx.CheckBasic(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := DecodeBlock(want["block"]); err != nil {
		t.Errorf("block: %v", err)
	}
	if h, err := DecodeHeader(want["header"]); err != nil || !h.VerifySig() {
		t.Errorf("header: %v (signature ok: %v)", err, err == nil && h.VerifySig())
	}
}
