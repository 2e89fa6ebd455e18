package types

import (
	"fmt"
	"testing"
)

// benchTransfers returns n signed transfers from n senders.
func benchTransfers(b *testing.B, n int) []*Tx {
	b.Helper()
	txs := make([]*Tx, n)
	for i := range txs {
		tx := &Tx{ChainID: "noded-dev", Nonce: uint64(i), Kind: TxTransfer, To: testAddr(byte(i)),
			Amount: NewAmount(uint64(1000 + i)), GasLimit: 1000, GasPrice: 1}
		tx.Sign(testKey(b, byte(i%250+1)))
		txs[i] = tx
	}
	return txs
}

// BenchmarkTxEncode and BenchmarkTxDecode: the canonical encoding of one
// signed transfer (what tx_send decodes and a block carries), and the
// hash every node computes from it.
func BenchmarkTxEncode(b *testing.B) {
	tx := benchTransfers(b, 1)[0]
	b.SetBytes(int64(len(tx.Encode())))
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = tx.AppendEncoding(buf[:0])
	}
}

func BenchmarkTxDecode(b *testing.B) {
	enc := benchTransfers(b, 1)[0].Encode()
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeTx(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTxHash(b *testing.B) {
	tx := benchTransfers(b, 1)[0]
	b.ReportAllocs()
	for b.Loop() {
		tx.Hash()
	}
}

// BenchmarkBlockEncode and BenchmarkBlockDecode: a block of 5,000
// transfers, the size the node benchmarks use (~1 MB).
func BenchmarkBlockEncode(b *testing.B) {
	for _, n := range []int{5000} {
		blk := &Block{Header: Header{Height: 1, Slot: 1, Time: 1, GasLimit: 100_000_000}, Txs: benchTransfers(b, n)}
		blk.Header.Sign(testKey(b, 1))
		b.Run(fmt.Sprintf("txs=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(blk.Encode())))
			b.ReportAllocs()
			for b.Loop() {
				blk.Encode()
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}

func BenchmarkBlockDecode(b *testing.B) {
	for _, n := range []int{5000} {
		blk := &Block{Header: Header{Height: 1, Slot: 1, Time: 1, GasLimit: 100_000_000}, Txs: benchTransfers(b, n)}
		blk.Header.Sign(testKey(b, 1))
		enc := blk.Encode()
		b.Run(fmt.Sprintf("txs=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeBlock(enc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}

// BenchmarkReceiptsEncode and BenchmarkReceiptsDecode: the receipts of a
// block of 5,000 transfers, as the store writes and reads them.
func BenchmarkReceiptsEncode(b *testing.B) {
	rs := benchReceipts(5000)
	b.SetBytes(int64(len(EncodeReceipts(rs))))
	b.ReportAllocs()
	for b.Loop() {
		EncodeReceipts(rs)
	}
}

func BenchmarkReceiptsDecode(b *testing.B) {
	enc := EncodeReceipts(benchReceipts(5000))
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeReceipts(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func benchReceipts(n int) []Receipt {
	rs := make([]Receipt, n)
	for i := range rs {
		rs[i] = Receipt{TxHash: testHash(byte(i)), Status: 1, GasUsed: 1000, Fee: NewAmount(1000)}
	}
	return rs
}
