package types

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/noded/noded/crypto"
)

// txTampers changes one field of a transaction each. Every field of Tx must
// be listed (TestTxTamperCoversEveryField), so a field added to Tx but
// left out of the hash fails TestTxSignatureCoversEveryField.
var txTampers = map[string]func(tx *Tx){
	"ChainID":  func(tx *Tx) { tx.ChainID += "x" },
	"Nonce":    func(tx *Tx) { tx.Nonce++ },
	"From":     func(tx *Tx) { tx.From[0] ^= 1 },
	"Kind":     func(tx *Tx) { tx.Kind++ },
	"To":       func(tx *Tx) { tx.To[19] ^= 1 },
	"Amount":   func(tx *Tx) { one := NewAmount(1); tx.Amount.Add(&tx.Amount, &one) },
	"GasLimit": func(tx *Tx) { tx.GasLimit ^= 1 },
	"GasPrice": func(tx *Tx) { tx.GasPrice ^= 1 },
	"Method":   func(tx *Tx) { tx.Method += "x" },
	"Code":     func(tx *Tx) { tx.Code = append(tx.Code, 0) },
	"Input":    func(tx *Tx) { tx.Input = append(tx.Input, 0) },
	"Sig":      func(tx *Tx) { tx.Sig[63] ^= 0x10 },
}

var headerTampers = map[string]func(h *Header){
	"Height":       func(h *Header) { h.Height++ },
	"Parent":       func(h *Header) { h.Parent[0] ^= 1 },
	"Slot":         func(h *Header) { h.Slot++ },
	"Time":         func(h *Header) { h.Time++ },
	"Proposer":     func(h *Header) { h.Proposer[31] ^= 1 },
	"TxRoot":       func(h *Header) { h.TxRoot[5] ^= 1 },
	"StateRoot":    func(h *Header) { h.StateRoot[6] ^= 1 },
	"ReceiptsRoot": func(h *Header) { h.ReceiptsRoot[7] ^= 1 },
	"GasUsed":      func(h *Header) { h.GasUsed++ },
	"GasLimit":     func(h *Header) { h.GasLimit++ },
	"Sig":          func(h *Header) { h.Sig[0] ^= 1 },
}

func fieldNames(v any) []string {
	var names []string
	typ := reflect.TypeOf(v)
	for i := range typ.NumField() {
		names = append(names, typ.Field(i).Name)
	}
	return names
}

func TestTamperTablesCoverEveryField(t *testing.T) {
	for _, f := range fieldNames(Tx{}) {
		if txTampers[f] == nil {
			t.Errorf("txTampers has no entry for Tx.%s: is the new field covered by Tx.Hash?", f)
		}
	}
	for _, f := range fieldNames(Header{}) {
		if headerTampers[f] == nil {
			t.Errorf("headerTampers has no entry for Header.%s: is the new field covered by Header.Hash?", f)
		}
	}
}

func TestTxSignatureCoversEveryField(t *testing.T) {
	for _, c := range sampleTxs(t) {
		if !c.tx.VerifySig() {
			t.Fatalf("%s: valid signature rejected", c.name)
		}
		for field, tamper := range txTampers {
			tx := *c.tx
			tx.Code = append([]byte(nil), c.tx.Code...)
			tx.Input = append([]byte(nil), c.tx.Input...)
			tamper(&tx)
			if tx.VerifySig() {
				t.Errorf("%s: signature still valid after changing %s", c.name, field)
			}
			if field != "Sig" && tx.Hash() == c.tx.Hash() {
				t.Errorf("%s: hash unchanged after changing %s", c.name, field)
			}
			if field == "Sig" && tx.Hash() != c.tx.Hash() {
				t.Errorf("%s: the hash covers the signature", c.name)
			}
			// The original is untouched.
			if !c.tx.VerifySig() {
				t.Fatalf("%s: tampering with a copy changed the original (%s)", c.name, field)
			}
		}
	}
}

func TestTxSign(t *testing.T) {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	tx := &Tx{ChainID: "devnet", Kind: TxTransfer, To: testAddr(1), GasLimit: 1}
	tx.Sign(k1)
	unsigned := *tx
	unsigned.Sig = crypto.Signature{}
	if unsigned.VerifySig() {
		t.Fatal("transaction with a zero signature verifies")
	}
	if tx.From != k1.Public() || tx.Sender() != AddressOf(k1.Public()) {
		t.Fatal("Sign did not set From to the signer")
	}
	sig1 := tx.Sig
	tx.Sign(k1)
	if tx.Sig != sig1 {
		t.Fatal("signing twice gave different signatures (ed25519 is deterministic)")
	}
	// A signature by another key over the same body does not verify
	// under the original sender.
	other := *tx
	other.Sign(k2)
	other.From = k1.Public()
	if other.VerifySig() {
		t.Fatal("signature by another key accepted")
	}
	// Re-signing by k2 makes k2 the sender and changes the hash.
	other.Sign(k2)
	if !other.VerifySig() || other.Hash() == tx.Hash() || other.Sender() == tx.Sender() {
		t.Fatal("re-signing by another key")
	}
	// The batch item checks the same thing as VerifySig.
	items := []crypto.SigItem{tx.SigItem(tx.Hash()), other.SigItem(other.Hash()), tx.SigItem(other.Hash())}
	got := crypto.VerifyBatch(items, 1, strings.NewReader(strings.Repeat("seed", 64)))
	if !got[0] || !got[1] || got[2] {
		t.Fatalf("batch results %v, want [true true false]", got)
	}
}

func TestHeaderSignatureCoversEveryField(t *testing.T) {
	h := sampleHeader(t)
	if !h.VerifySig() {
		t.Fatal("valid header signature rejected")
	}
	if h.Proposer != testKey(t, 9).Public() {
		t.Fatal("Sign did not set the proposer")
	}
	blk := Block{Header: h}
	if blk.Hash() != h.Hash() {
		t.Fatal("block hash is not the header hash")
	}
	for field, tamper := range headerTampers {
		c := h
		tamper(&c)
		if c.VerifySig() {
			t.Errorf("header signature still valid after changing %s", field)
		}
		if (c.Hash() == h.Hash()) != (field == "Sig") {
			t.Errorf("changing %s: hash changed = %v", field, c.Hash() != h.Hash())
		}
	}
	unsigned := h
	unsigned.Sig = crypto.Signature{}
	if unsigned.VerifySig() {
		t.Fatal("header with a zero signature verifies")
	}
}

// TestZeroValuesVerify documents a consequence of ZIP-215 that callers
// must know: the all-zero public key is a valid encoding of a point of
// small order, and with the all-zero signature (R of small order, S = 0)
// it verifies for every message. So a zero Tx or Header "verifies":
// VerifySig says the signature is valid for From/Proposer, never that
// someone holds a key. The chain trusts a proposer only if it is in the
// validator set (which must hold no small-order key), and a transaction's
// From only spends from AddressOf(From), an address nobody can fund by
// accident of key generation. If this test fails, the verification rules
// changed (see crypto's ZIP-215 tests).
func TestZeroValuesVerify(t *testing.T) {
	tx := &Tx{ChainID: "devnet", Kind: TxTransfer, GasLimit: 1, Nonce: 12345}
	if !tx.VerifySig() {
		t.Fatal("zero key and zero signature rejected: ZIP-215 accepts small-order keys")
	}
	if !(&Header{Height: 7}).VerifySig() {
		t.Fatal("zero key and zero signature rejected for a header")
	}
}

// TestDomainSeparation checks that a transaction signature cannot be
// replayed as a header signature: the hashes carry different tags.
func TestDomainSeparation(t *testing.T) {
	tx := sampleTxs(t)[0].tx
	body := tx.appendBody(nil)
	if tx.Hash() == crypto.Sum256(body) {
		t.Fatal("tx hash has no domain tag")
	}
	h := sampleHeader(t)
	if h.Hash() == crypto.Sum256(h.appendBody(nil)) {
		t.Fatal("header hash has no domain tag")
	}
	r := sampleReceipts()[0]
	if r.Hash() == crypto.Sum256(r.AppendEncoding(nil)) {
		t.Fatal("receipt hash has no domain tag")
	}
}

func TestCheckBasic(t *testing.T) {
	valid := map[TxKind]Tx{
		TxTransfer: {ChainID: "c", Kind: TxTransfer, To: testAddr(1), GasLimit: 1},
		TxDeploy:   {ChainID: "c", Kind: TxDeploy, GasLimit: 1, Code: []byte{0}},
		TxCall:     {ChainID: "c", Kind: TxCall, To: testAddr(1), GasLimit: 1, Method: "m"},
	}
	cases := []struct {
		name string
		kind TxKind
		edit func(tx *Tx)
		want string // "" for valid, else a word of the error
	}{
		{"transfer", TxTransfer, func(*Tx) {}, ""},
		{"transfer to zero address", TxTransfer, func(tx *Tx) { tx.To = Address{} }, ""},
		{"transfer with amount and price", TxTransfer, func(tx *Tx) { tx.Amount = maxAmount(); tx.GasPrice = 9 }, ""},
		{"transfer with method", TxTransfer, func(tx *Tx) { tx.Method = "m" }, "transfer"},
		{"transfer with code", TxTransfer, func(tx *Tx) { tx.Code = []byte{0} }, "transfer"},
		{"transfer with input", TxTransfer, func(tx *Tx) { tx.Input = []byte{0} }, "transfer"},
		{"transfer empty chain id", TxTransfer, func(tx *Tx) { tx.ChainID = "" }, "chain id"},
		{"transfer zero gas", TxTransfer, func(tx *Tx) { tx.GasLimit = 0 }, "gas limit"},

		{"deploy", TxDeploy, func(*Tx) {}, ""},
		{"deploy with input and amount", TxDeploy, func(tx *Tx) { tx.Input = []byte{1}; tx.Amount = NewAmount(1) }, ""},
		{"deploy with recipient", TxDeploy, func(tx *Tx) { tx.To = testAddr(1) }, "recipient"},
		{"deploy with method", TxDeploy, func(tx *Tx) { tx.Method = "init" }, "method"},
		{"deploy without code", TxDeploy, func(tx *Tx) { tx.Code = nil }, "code"},
		{"deploy empty code", TxDeploy, func(tx *Tx) { tx.Code = []byte{} }, "code"},
		{"deploy empty chain id", TxDeploy, func(tx *Tx) { tx.ChainID = "" }, "chain id"},
		{"deploy zero gas", TxDeploy, func(tx *Tx) { tx.GasLimit = 0 }, "gas limit"},

		{"call", TxCall, func(*Tx) {}, ""},
		{"call with input and amount", TxCall, func(tx *Tx) { tx.Input = []byte{1}; tx.Amount = NewAmount(1) }, ""},
		{"call with code", TxCall, func(tx *Tx) { tx.Code = []byte{0} }, "code"},
		{"call without method", TxCall, func(tx *Tx) { tx.Method = "" }, "method"},
		{"call empty chain id", TxCall, func(tx *Tx) { tx.ChainID = "" }, "chain id"},
		{"call zero gas", TxCall, func(tx *Tx) { tx.GasLimit = 0 }, "gas limit"},

		{"kind 0", TxTransfer, func(tx *Tx) { tx.Kind = 0 }, "unknown kind 0"},
		{"kind 4", TxTransfer, func(tx *Tx) { tx.Kind = 4 }, "unknown kind 4"},
		{"kind 255", TxTransfer, func(tx *Tx) { tx.Kind = 255 }, "unknown kind 255"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := valid[c.kind]
			c.edit(&tx)
			tx.Sign(testKey(t, 3)) // the signature plays no part
			err := tx.CheckBasic()
			if c.want == "" {
				if err != nil {
					t.Fatalf("valid transaction rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrTxMalformed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q: want ErrTxMalformed mentioning %q", err, c.want)
			}
		})
	}
	// CheckBasic does not look at the signature.
	tx := valid[TxTransfer]
	tx.From = testKey(t, 3).Public()
	if err := tx.CheckBasic(); err != nil {
		t.Fatalf("unsigned transaction: %v", err)
	}
	// It refuses a sender key for which signatures can be forged.
	tx.From = crypto.PublicKey{}
	if err := tx.CheckBasic(); !errors.Is(err, ErrTxMalformed) {
		t.Fatalf("all-zero (small-order) sender key: got %v, want ErrTxMalformed", err)
	}
}

func TestTxKindString(t *testing.T) {
	for k, want := range map[TxKind]string{TxTransfer: "transfer", TxDeploy: "deploy", TxCall: "call", 9: "kind(9)"} {
		if k.String() != want {
			t.Errorf("TxKind(%d).String() = %q, want %q", uint8(k), k.String(), want)
		}
	}
}
