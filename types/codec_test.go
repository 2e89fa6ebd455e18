package types

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// encodings returns one valid encoding of every kind of value, with the
// function that decodes it, for the tests that apply to all decoders.
func encodings(t *testing.T) []struct {
	name   string
	enc    []byte
	decode func([]byte) error
} {
	t.Helper()
	type entry = struct {
		name   string
		enc    []byte
		decode func([]byte) error
	}
	decTx := func(b []byte) error { _, err := DecodeTx(b); return err }
	decBlock := func(b []byte) error { _, err := DecodeBlock(b); return err }
	decHeader := func(b []byte) error { _, err := DecodeHeader(b); return err }
	decReceipts := func(b []byte) error { _, err := DecodeReceipts(b); return err }
	decAccount := func(b []byte) error { _, err := DecodeAccount(b); return err }

	var out []entry
	for _, c := range sampleTxs(t) {
		out = append(out, entry{"tx/" + c.name, c.tx.Encode(), decTx})
	}
	for _, c := range sampleBlocks(t) {
		out = append(out, entry{"block/" + c.name, c.blk.Encode(), decBlock})
	}
	h := sampleHeader(t)
	out = append(out, entry{"header", h.AppendEncoding(nil), decHeader})
	rs := sampleReceipts()
	out = append(out,
		entry{"receipts/none", EncodeReceipts(nil), decReceipts},
		entry{"receipts/one", EncodeReceipts(rs[:1]), decReceipts},
		entry{"receipts/all", EncodeReceipts(rs), decReceipts},
	)
	for _, c := range sampleAccounts() {
		out = append(out, entry{"account/" + c.name, c.acct.Encode(), decAccount})
	}
	return out
}

// wantEncodingError fails unless err is a decoding error that mentions
// every one of the words.
func wantEncodingError(t *testing.T, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("decoded without error")
	}
	if !errors.Is(err, ErrEncoding) {
		t.Fatalf("error %q does not wrap ErrEncoding", err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not mention %q", err, w)
		}
	}
}

func TestTxRoundTrip(t *testing.T) {
	for _, c := range sampleTxs(t) {
		t.Run(c.name, func(t *testing.T) {
			enc := c.tx.Encode()
			// The encoder agrees with the layout written out field by
			// field in fixtures_test.go.
			if raw := newRawTx(c.tx).bytes(); !bytes.Equal(enc, raw) {
				t.Fatalf("encoding differs from the documented layout:\n got %x\nwant %x", enc, raw)
			}
			got, err := DecodeTx(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.tx) {
				t.Fatalf("round trip changed the transaction:\n got %+v\nwant %+v", got, c.tx)
			}
			if got.Hash() != c.tx.Hash() {
				t.Fatal("round trip changed the hash")
			}
			if !bytes.Equal(got.Encode(), enc) {
				t.Fatal("re-encoding differs")
			}
			prefix := []byte("prefix")
			if app := c.tx.AppendEncoding(prefix); !bytes.Equal(app, append(prefix, enc...)) {
				t.Fatal("AppendEncoding does not append the encoding")
			}
		})
	}
}

func TestBlockRoundTrip(t *testing.T) {
	for _, c := range sampleBlocks(t) {
		t.Run(c.name, func(t *testing.T) {
			enc := c.blk.Encode()
			got, err := DecodeBlock(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.blk) {
				t.Fatalf("round trip changed the block:\n got %+v\nwant %+v", got, c.blk)
			}
			if got.Hash() != c.blk.Hash() || !bytes.Equal(got.Encode(), enc) {
				t.Fatal("round trip changed the hash or the encoding")
			}
			// Layout: header, 4-byte count, then each transaction
			// with a 4-byte length.
			h := c.blk.Header.AppendEncoding(nil)
			want := append(h, u32be(len(c.blk.Txs))...)
			for _, tx := range c.blk.Txs {
				want = append(want, lp(tx.Encode())...)
			}
			if !bytes.Equal(enc, want) {
				t.Fatal("block encoding differs from header | count | length-prefixed txs")
			}
		})
	}
	// An empty, non-nil list encodes like a nil one.
	blk := &Block{Header: sampleHeader(t), Txs: []*Tx{}}
	if !bytes.Equal(blk.Encode(), (&Block{Header: blk.Header}).Encode()) {
		t.Fatal("empty and nil transaction lists encode differently")
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []Header{{}, sampleHeader(t), {
		Height: ^uint64(0), Slot: ^uint64(0), Time: ^uint64(0), GasUsed: ^uint64(0), GasLimit: ^uint64(0),
	}} {
		enc := h.AppendEncoding(nil)
		if len(enc) != 1+8+32+8+8+32+32*3+8+8+64 {
			t.Fatalf("header encoding is %d bytes", len(enc))
		}
		got, err := DecodeHeader(enc)
		if err != nil {
			t.Fatal(err)
		}
		if got != h {
			t.Fatalf("round trip changed the header:\n got %+v\nwant %+v", got, h)
		}
	}
}

func TestReceiptsRoundTrip(t *testing.T) {
	rs := sampleReceipts()
	for _, list := range [][]Receipt{rs[:1], rs[1:2], rs[2:3], rs[3:], rs} {
		enc := EncodeReceipts(list)
		got, err := DecodeReceipts(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, list) {
			t.Fatalf("round trip changed the receipts:\n got %+v\nwant %+v", got, list)
		}
		if ReceiptsRoot(got) != ReceiptsRoot(list) {
			t.Fatal("round trip changed the receipts root")
		}
	}
	got, err := DecodeReceipts(EncodeReceipts(nil))
	if err != nil || len(got) != 0 {
		t.Fatalf("empty list: %v, %v", got, err)
	}
	// Receipts with events at the limits.
	evs := make([]Event, MaxEvents)
	evs[0].Data = make([]byte, MaxEventDataLen)
	big := []Receipt{{Status: ReceiptSuccess, Events: evs, ReturnData: make([]byte, MaxReturnDataLen),
		Error: strings.Repeat("e", MaxReceiptError)}}
	got, err = DecodeReceipts(EncodeReceipts(big))
	if err != nil || !reflect.DeepEqual(got, big) {
		t.Fatalf("receipt at the limits: %v", err)
	}
}

func TestAccountRoundTrip(t *testing.T) {
	for _, c := range sampleAccounts() {
		enc := c.acct.Encode()
		got, err := DecodeAccount(enc)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.acct {
			t.Fatalf("%s: round trip gave %+v", c.name, got)
		}
		if got.IsEmpty() != (c.name == "empty") {
			t.Fatalf("%s: IsEmpty = %v", c.name, got.IsEmpty())
		}
	}
	// The empty account is its version byte, a zero-length balance, the
	// nonce and the code hash.
	if enc := (&Account{}).Encode(); !bytes.Equal(enc, append([]byte{1, 0}, make([]byte, 8+32)...)) {
		t.Fatalf("empty account encodes as %x", enc)
	}
}

// TestDecodedValuesDoNotAliasInput checks that a decoded value owns its
// bytes: callers reuse network and disk buffers.
func TestDecodedValuesDoNotAliasInput(t *testing.T) {
	var tx *Tx
	for _, c := range sampleTxs(t) {
		if c.name == "deploy" {
			tx = c.tx
		}
	}
	enc := tx.Encode()
	got, err := DecodeTx(enc)
	if err != nil {
		t.Fatal(err)
	}
	blkEnc := (&Block{Txs: []*Tx{tx}}).Encode()
	blk, err := DecodeBlock(blkEnc)
	if err != nil {
		t.Fatal(err)
	}
	rsEnc := EncodeReceipts(sampleReceipts())
	rs, err := DecodeReceipts(rsEnc)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{enc, blkEnc, rsEnc} {
		for i := range b {
			b[i] ^= 0xff
		}
	}
	if !reflect.DeepEqual(got, tx) || !reflect.DeepEqual(blk.Txs[0], tx) {
		t.Fatal("decoded transaction changed with its input buffer")
	}
	if !reflect.DeepEqual(rs, sampleReceipts()) {
		t.Fatal("decoded receipts changed with their input buffer")
	}
}

func TestDecodeRejectsTrailingBytes(t *testing.T) {
	for _, c := range encodings(t) {
		for _, extra := range [][]byte{{0}, {1}, bytes.Repeat([]byte{0}, 64)} {
			err := c.decode(append(c.enc[:len(c.enc):len(c.enc)], extra...))
			if err == nil {
				t.Fatalf("%s: accepted with %d trailing bytes", c.name, len(extra))
			}
			if !errors.Is(err, ErrEncoding) {
				t.Fatalf("%s: error %q does not wrap ErrEncoding", c.name, err)
			}
		}
	}
}

// TestDecodeRejectsTruncation cuts every encoding at every length. (Large
// encodings are cut at every length near their ends and at a stride in
// between, to keep the test fast.)
func TestDecodeRejectsTruncation(t *testing.T) {
	for _, c := range encodings(t) {
		for n := 0; n < len(c.enc); n++ {
			if len(c.enc) > 4096 && n > 2048 && n < len(c.enc)-2048 && n%61 != 0 {
				continue
			}
			err := c.decode(c.enc[:n:n])
			if err == nil {
				t.Fatalf("%s: accepted when cut to %d of %d bytes", c.name, n, len(c.enc))
			}
			if !errors.Is(err, ErrEncoding) {
				t.Fatalf("%s cut to %d: error %q does not wrap ErrEncoding", c.name, n, err)
			}
		}
	}
}

func TestDecodeRejectsUnknownVersions(t *testing.T) {
	for _, c := range encodings(t) {
		// The version is the first byte, except in a receipt list,
		// where it follows the 4-byte count.
		at := 0
		if strings.HasPrefix(c.name, "receipts/") {
			if c.name == "receipts/none" {
				continue
			}
			at = 4
		}
		if c.enc[at] != 1 {
			t.Fatalf("%s: byte %d is %d, want version 1", c.name, at, c.enc[at])
		}
		for _, v := range []byte{0, 2, 255} {
			b := bytes.Clone(c.enc)
			b[at] = v
			wantEncodingError(t, c.decode(b), "version", fmt.Sprint(v))
		}
	}
	// A transaction inside a block carries its own version.
	blk := sampleBlocks(t)[2].blk
	b := blk.Encode()
	hdr := len(blk.Header.AppendEncoding(nil))
	b[hdr+4+4] = 2 // after the count and the transaction's length
	_, err := DecodeBlock(b)
	wantEncodingError(t, err, "transaction 0", "version 2")
}

func TestDecodeAmounts(t *testing.T) {
	base := sampleTxs(t)[0].tx
	cases := []struct {
		name   string
		amount []byte // length byte and value bytes
		ok     bool
		want   Amount
	}{
		{"zero is empty", []byte{0}, true, NewAmount(0)},
		{"one byte", []byte{1, 5}, true, NewAmount(5)},
		{"two bytes", []byte{2, 1, 0}, true, NewAmount(256)},
		{"32 bytes", append([]byte{32}, bytes.Repeat([]byte{0xff}, 32)...), true, maxAmount()},
		{"zero as one byte", []byte{1, 0}, false, Amount{}},
		{"leading zero byte", []byte{2, 0, 5}, false, Amount{}},
		{"32 bytes with leading zero", append([]byte{32, 0}, bytes.Repeat([]byte{0xff}, 31)...), false, Amount{}},
		{"33 bytes", append([]byte{33, 1}, make([]byte, 32)...), false, Amount{}},
		{"255 bytes", append([]byte{255}, bytes.Repeat([]byte{1}, 255)...), false, Amount{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRawTx(base)
			r.amount = c.amount
			tx, err := DecodeTx(r.bytes())
			if !c.ok {
				wantEncodingError(t, err, "amount")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tx.Amount != c.want {
				t.Fatalf("amount %v, want %v", &tx.Amount, &c.want)
			}
			// The same rules hold for a receipt's fee and an
			// account's balance.
			acct := append(append([]byte{1}, c.amount...), make([]byte, 8+32)...)
			if _, err := DecodeAccount(acct); err != nil {
				t.Fatalf("account: %v", err)
			}
		})
	}
	for _, bad := range [][]byte{{1, 0}, {2, 0, 5}, append([]byte{33, 1}, make([]byte, 32)...)} {
		acct := append(append([]byte{1}, bad...), make([]byte, 8+32)...)
		_, err := DecodeAccount(acct)
		wantEncodingError(t, err, "balance")
		rb := EncodeReceipts([]Receipt{{}})
		// Receipt: count(4) version(1) txhash(32) status(1) gas(8) fee...
		at := 4 + 1 + 32 + 1 + 8
		rb = append(append(rb[:at:at], bad...), rb[at+1:]...)
		_, err = DecodeReceipts(rb)
		wantEncodingError(t, err, "fee")
	}
}

func TestDecodeTxRejectsOverlongFields(t *testing.T) {
	base := sampleTxs(t)[0].tx
	cases := []struct {
		name  string
		edit  func(r *rawTx)
		words []string
	}{
		{"chain id over limit", func(r *rawTx) { r.chainID = lp(make([]byte, MaxChainIDLen+1)) },
			[]string{"chain id", "exceeds limit"}},
		{"method over limit", func(r *rawTx) { r.method = lp(make([]byte, MaxMethodLen+1)) },
			[]string{"method", "exceeds limit"}},
		{"input over limit", func(r *rawTx) { r.input = lp(make([]byte, MaxInputSize+1)) },
			[]string{"input", "exceeds limit"}},
		{"code over limit", func(r *rawTx) { r.code = lp(make([]byte, MaxCodeSize+1)) },
			[]string{"code", "exceeds limit"}},
		{"chain id length 2^32-1", func(r *rawTx) { r.chainID = []byte{0xff, 0xff, 0xff, 0xff} },
			[]string{"chain id", "exceeds limit"}},
		{"code length 2^32-1", func(r *rawTx) { r.code = []byte{0xff, 0xff, 0xff, 0xff} },
			[]string{"code", "exceeds limit"}},
		{"chain id length past the end", func(r *rawTx) { r.chainID = append(u32be(40), "devnet"...) },
			nil},
		{"method length one too long", func(r *rawTx) { r.method = append(u32be(1), r.method[4:]...) },
			nil},
		{"input length points into the signature", func(r *rawTx) { r.input = u32be(10) },
			[]string{"signature"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRawTx(base)
			c.edit(&r)
			_, err := DecodeTx(r.bytes())
			wantEncodingError(t, err, c.words...)
		})
	}
	// At the limits, the same fields decode.
	r := newRawTx(&Tx{Kind: TxDeploy})
	r.chainID = lp(make([]byte, MaxChainIDLen))
	r.method = lp(make([]byte, MaxMethodLen))
	r.code = lp(make([]byte, MaxCodeSize))
	r.input = lp(make([]byte, MaxInputSize))
	if _, err := DecodeTx(r.bytes()); err != nil {
		t.Fatalf("fields at their limits: %v", err)
	}
	// A transaction larger than MaxTxSize is rejected before it is parsed.
	_, err := DecodeTx(make([]byte, MaxTxSize+1))
	wantEncodingError(t, err, "limit")
}

// TestEncodeOversizedFields checks that values breaking the limits encode
// (encoding is total) but do not decode.
func TestEncodeOversizedFields(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	txs := map[string]*Tx{
		"chain id": {ChainID: long(MaxChainIDLen + 1), Kind: TxTransfer, GasLimit: 1},
		"method":   {ChainID: "c", Kind: TxCall, Method: long(MaxMethodLen + 1), GasLimit: 1},
		"input":    {ChainID: "c", Kind: TxCall, Method: "m", Input: make([]byte, MaxInputSize+1), GasLimit: 1},
	}
	for what, tx := range txs {
		_, err := DecodeTx(tx.Encode())
		wantEncodingError(t, err, what, "exceeds limit")
		_, err = DecodeBlock((&Block{Txs: []*Tx{tx}}).Encode())
		wantEncodingError(t, err, "transaction 0", what)
	}
	receipts := map[string]Receipt{
		"return data": {ReturnData: make([]byte, MaxReturnDataLen+1)},
		"events":      {Events: make([]Event, MaxEvents+1)},
		"event topic": {Events: []Event{{Topic: long(MaxEventTopicLen + 1)}}},
		"event data":  {Events: []Event{{Data: make([]byte, MaxEventDataLen+1)}}},
		"error":       {Error: long(MaxReceiptError + 1)},
	}
	for what, r := range receipts {
		_, err := DecodeReceipts(EncodeReceipts([]Receipt{r}))
		wantEncodingError(t, err, what, "limit")
	}
}

func TestDecodeBlockRejects(t *testing.T) {
	blk := sampleBlocks(t)[3].blk
	enc := blk.Encode()
	hdr := len(blk.Header.AppendEncoding(nil))
	tx0 := blk.Txs[0].Encode()
	cases := []struct {
		name  string
		edit  func(b []byte) []byte
		words []string
	}{
		{"count one too high", func(b []byte) []byte {
			copy(b[hdr:], u32be(len(blk.Txs)+1))
			return b
		}, []string{"transaction length"}},
		{"count one too low", func(b []byte) []byte {
			copy(b[hdr:], u32be(len(blk.Txs)-1))
			return b
		}, []string{"trailing"}},
		{"count over limit", func(b []byte) []byte {
			copy(b[hdr:], u32be(MaxBlockTxs+1))
			return b
		}, []string{"exceeds limit"}},
		{"tx length one too long", func(b []byte) []byte {
			copy(b[hdr+4:], u32be(len(tx0)+1))
			return b
		}, []string{"transaction 0", "trailing"}},
		{"tx length one too short", func(b []byte) []byte {
			copy(b[hdr+4:], u32be(len(tx0)-1))
			return b
		}, []string{"transaction 0", "signature"}},
		{"tx length past the end", func(b []byte) []byte {
			copy(b[hdr+4:], u32be(len(b)))
			return b
		}, []string{"transaction"}},
		{"tx length 2^32-1", func(b []byte) []byte {
			copy(b[hdr+4:], []byte{0xff, 0xff, 0xff, 0xff})
			return b
		}, []string{"transaction"}},
		{"tx over MaxTxSize", func(b []byte) []byte {
			b = append(b[:hdr], u32be(1)...)
			b = append(b, u32be(MaxTxSize+1)...)
			return append(b, make([]byte, MaxTxSize+1)...)
		}, []string{"limit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeBlock(c.edit(bytes.Clone(enc)))
			wantEncodingError(t, err, c.words...)
		})
	}
	_, err := DecodeBlock(make([]byte, MaxBlockSize+1))
	wantEncodingError(t, err, "limit")
}

func TestDecodeReceiptsRejects(t *testing.T) {
	one := EncodeReceipts(sampleReceipts()[:1])
	cases := []struct {
		name  string
		b     []byte
		words []string
	}{
		{"count over limit", append(u32be(MaxBlockTxs+1), one[4:]...), []string{"exceeds limit"}},
		{"count one too high", append(u32be(2), one[4:]...), []string{"receipt version"}},
		{"status 2", func() []byte {
			b := bytes.Clone(one)
			b[4+1+32] = 2
			return b
		}(), []string{"status 2"}},
		{"event count over limit", func() []byte {
			r := sampleReceipts()[0]
			b := EncodeReceipts([]Receipt{r})
			// The event count follows the (empty) return data.
			at := 4 + 1 + 32 + 1 + 8 + 1 + r.Fee.ByteLen() + 20 + 4
			copy(b[at:], u32be(MaxEvents+1))
			return b
		}(), []string{"events", "exceeds limit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeReceipts(c.b)
			wantEncodingError(t, err, c.words...)
		})
	}
}
