package types

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/noded/noded/crypto"
)

// Fixtures shared by the tests of this package. Everything is derived from
// fixed seeds so that encodings, hashes and signatures are the same on every
// run and every machine.

// testKey returns the key whose seed is 32 copies of i.
func testKey(t testing.TB, i byte) crypto.PrivateKey {
	t.Helper()
	k, err := crypto.NewKeyFromSeed(bytes.Repeat([]byte{i}, crypto.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testHash(tag byte) Hash {
	return crypto.Sum256([]byte("fixture"), []byte{tag})
}

func testAddr(tag byte) Address {
	h := testHash(tag)
	var a Address
	copy(a[:], h[:])
	return a
}

// maxAmount is 2^256 - 1, the largest amount: 32 bytes, all 0xff.
func maxAmount() Amount {
	var a Amount
	a.SetAllOne()
	return a
}

// sampleTxs returns signed transactions of every kind, with empty, small
// and boundary values in their fields. The keys are in name order.
func sampleTxs(t testing.TB) []struct {
	name string
	tx   *Tx
} {
	t.Helper()
	k := testKey(t, 1)
	big := NewAmount(1)
	big.Lsh(&big, 200)
	cases := []struct {
		name string
		tx   *Tx
	}{
		{"transfer", &Tx{ChainID: "devnet", Nonce: 0, Kind: TxTransfer, To: testAddr(1),
			Amount: NewAmount(1_000), GasLimit: 21_000, GasPrice: 1}},
		{"transfer zero amount", &Tx{ChainID: "d", Nonce: 1, Kind: TxTransfer, To: testAddr(2),
			GasLimit: 1}},
		{"transfer max amount and nonce", &Tx{ChainID: "devnet", Nonce: ^uint64(0), Kind: TxTransfer,
			To: testAddr(3), Amount: maxAmount(), GasLimit: ^uint64(0), GasPrice: ^uint64(0)}},
		{"transfer 2^200", &Tx{ChainID: "devnet", Nonce: 7, Kind: TxTransfer, To: testAddr(3),
			Amount: big, GasLimit: 5, GasPrice: 2}},
		{"deploy", &Tx{ChainID: "devnet", Nonce: 2, Kind: TxDeploy, Amount: NewAmount(5),
			GasLimit: 1_000_000, GasPrice: 3, Code: []byte("\x00asm\x01\x00\x00\x00"), Input: []byte("init")}},
		{"deploy no input", &Tx{ChainID: "devnet", Nonce: 3, Kind: TxDeploy, GasLimit: 1,
			Code: []byte{0}}},
		{"call", &Tx{ChainID: "devnet", Nonce: 4, Kind: TxCall, To: testAddr(4), Amount: NewAmount(256),
			GasLimit: 50_000, GasPrice: 1, Method: "transfer", Input: []byte{1, 2, 3}}},
		{"call no input", &Tx{ChainID: "devnet", Nonce: 5, Kind: TxCall, To: testAddr(4),
			GasLimit: 50_000, Method: "get"}},
		{"call limits", &Tx{ChainID: string(bytes.Repeat([]byte("c"), MaxChainIDLen)), Nonce: 6,
			Kind: TxCall, To: testAddr(5), GasLimit: 1, Method: string(bytes.Repeat([]byte("m"), MaxMethodLen)),
			Input: bytes.Repeat([]byte{0xab}, MaxInputSize)}},
		// The decoder checks encoding, not content: an unknown kind
		// decodes and round-trips, and CheckBasic rejects it.
		{"unknown kind", &Tx{ChainID: "devnet", Kind: TxKind(200), GasLimit: 1}},
	}
	for _, c := range cases {
		c.tx.Sign(k)
	}
	return cases
}

func sampleHeader(t testing.TB) Header {
	t.Helper()
	h := Header{
		Height:       42,
		Parent:       testHash(10),
		Slot:         99,
		Time:         1_700_000_000_000,
		TxRoot:       testHash(11),
		StateRoot:    testHash(12),
		ReceiptsRoot: testHash(13),
		GasUsed:      21_000,
		GasLimit:     30_000_000,
	}
	h.Sign(testKey(t, 9))
	return h
}

func sampleBlocks(t testing.TB) []struct {
	name string
	blk  *Block
} {
	t.Helper()
	var txs []*Tx
	for _, c := range sampleTxs(t) {
		txs = append(txs, c.tx)
	}
	genesis := &Block{Header: Header{}} // all zero, unsigned
	return []struct {
		name string
		blk  *Block
	}{
		{"zero header, no txs", genesis},
		{"no txs", &Block{Header: sampleHeader(t)}},
		{"one tx", &Block{Header: sampleHeader(t), Txs: txs[:1]}},
		{"many txs", &Block{Header: sampleHeader(t), Txs: txs}},
	}
}

func sampleReceipts() []Receipt {
	return []Receipt{
		{TxHash: testHash(20), Status: ReceiptSuccess, GasUsed: 21_000, Fee: NewAmount(21_000)},
		{TxHash: testHash(21), Status: ReceiptFailed, GasUsed: 7, Fee: maxAmount(),
			Error: "out of gas"},
		{TxHash: testHash(22), Status: ReceiptSuccess, GasUsed: 90_000, Fee: NewAmount(1),
			ContractAddress: testAddr(30), ReturnData: []byte("ok")},
		{TxHash: testHash(23), Status: ReceiptSuccess, GasUsed: 1, ReturnData: []byte{0},
			Events: []Event{
				{Address: testAddr(31), Topic: "Transfer", Data: []byte{1, 2, 3}},
				{Address: testAddr(32)},
				{Address: testAddr(31), Topic: string(bytes.Repeat([]byte("t"), MaxEventTopicLen)),
					Data: bytes.Repeat([]byte{9}, 300)},
			}},
	}
}

func sampleAccounts() []struct {
	name string
	acct Account
} {
	return []struct {
		name string
		acct Account
	}{
		{"empty", Account{}},
		{"balance", Account{Balance: NewAmount(1), Nonce: 1}},
		{"contract", Account{Balance: NewAmount(0x1234), CodeHash: testHash(40)}},
		{"max", Account{Balance: maxAmount(), Nonce: ^uint64(0), CodeHash: testHash(41)}},
	}
}

// rawTx is a transaction encoding kept as one byte string per field, built
// independently of the package's encoder from the layout in the DecodeTx
// documentation. Tests change one field and join the parts to get
// encodings the encoder would never produce.
type rawTx struct {
	version, chainID, nonce, from, kind, to, amount, gasLimit, gasPrice, method, code, input, sig []byte
}

func u32be(n int) []byte    { return binary.BigEndian.AppendUint32(nil, uint32(n)) }
func u64be(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// lp returns v with a 4-byte length prefix.
func lp(v []byte) []byte { return append(u32be(len(v)), v...) }

func newRawTx(tx *Tx) rawTx {
	amt := tx.Amount.Bytes() // minimal big-endian, empty for zero
	return rawTx{
		version:  []byte{1},
		chainID:  lp([]byte(tx.ChainID)),
		nonce:    u64be(tx.Nonce),
		from:     tx.From[:],
		kind:     []byte{byte(tx.Kind)},
		to:       tx.To[:],
		amount:   append([]byte{byte(len(amt))}, amt...),
		gasLimit: u64be(tx.GasLimit),
		gasPrice: u64be(tx.GasPrice),
		method:   lp([]byte(tx.Method)),
		code:     lp(tx.Code),
		input:    lp(tx.Input),
		sig:      tx.Sig[:],
	}
}

func (r rawTx) bytes() []byte {
	return bytes.Join([][]byte{r.version, r.chainID, r.nonce, r.from, r.kind, r.to, r.amount,
		r.gasLimit, r.gasPrice, r.method, r.code, r.input, r.sig}, nil)
}
