package types

import (
	"bytes"
	"errors"
	"testing"
)

// The fuzz targets check the two properties of every decoder: it never
// panics, and it accepts only canonical input, that is decode(b) succeeds
// only if encode(decode(b)) == b. `go test` runs the seeds below and the
// regression inputs under testdata/fuzz; `go test -fuzz=FuzzDecodeTx`
// searches further.

// addSeeds adds valid encodings and broken variants of each: truncated,
// extended, with a flipped version and with a flipped byte in the middle.
func addSeeds(f *testing.F, valid ...[]byte) {
	f.Helper()
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(bytes.Repeat([]byte{0xff}, 16))
	for _, b := range valid {
		if len(b) > 1<<16 {
			continue // keep the seed corpus small
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)-1])
		f.Add(append(bytes.Clone(b), 0))
		v := bytes.Clone(b)
		v[0] ^= 3
		f.Add(v)
		m := bytes.Clone(b)
		m[len(m)/2] ^= 0x80
		f.Add(m)
	}
}

// checkCanonical fails unless err is a decoding error, or err is nil and
// the value re-encodes to exactly the input.
func checkCanonical(t *testing.T, in []byte, err error, reencode func() []byte) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrEncoding) {
			t.Fatalf("error %q does not wrap ErrEncoding", err)
		}
		return
	}
	if out := reencode(); !bytes.Equal(out, in) {
		t.Fatalf("non-canonical input accepted:\n  in %x\n out %x", in, out)
	}
}

func FuzzDecodeTx(f *testing.F) {
	var seeds [][]byte
	for _, c := range sampleTxs(f) {
		seeds = append(seeds, c.tx.Encode())
	}
	addSeeds(f, seeds...)
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTx(b)
		checkCanonical(t, b, err, func() []byte { return tx.Encode() })
		if err == nil {
			tx.Hash()
			_ = tx.CheckBasic()
		}
	})
}

func FuzzDecodeBlock(f *testing.F) {
	var seeds [][]byte
	for _, c := range sampleBlocks(f) {
		seeds = append(seeds, c.blk.Encode())
	}
	// "many txs" holds a 64 KiB input and is left out of the seeds; this
	// one has several small transactions.
	blk := sampleBlocks(f)[3].blk
	seeds = append(seeds, (&Block{Header: blk.Header, Txs: blk.Txs[:4]}).Encode())
	addSeeds(f, seeds...)
	f.Fuzz(func(t *testing.T, b []byte) {
		blk, err := DecodeBlock(b)
		checkCanonical(t, b, err, func() []byte { return blk.Encode() })
	})
}

func FuzzDecodeHeader(f *testing.F) {
	h := sampleHeader(f)
	addSeeds(f, h.AppendEncoding(nil), (&Header{}).AppendEncoding(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeader(b)
		checkCanonical(t, b, err, func() []byte { return h.AppendEncoding(nil) })
	})
}

func FuzzDecodeReceipts(f *testing.F) {
	rs := sampleReceipts()
	addSeeds(f, EncodeReceipts(nil), EncodeReceipts(rs[:1]), EncodeReceipts(rs[3:]), EncodeReceipts(rs))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := DecodeReceipts(b)
		checkCanonical(t, b, err, func() []byte { return EncodeReceipts(rs) })
	})
}

func FuzzDecodeAccount(f *testing.F) {
	var seeds [][]byte
	for _, c := range sampleAccounts() {
		seeds = append(seeds, c.acct.Encode())
	}
	addSeeds(f, seeds...)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAccount(b)
		checkCanonical(t, b, err, func() []byte { return a.Encode() })
	})
}
