package types

import (
	"fmt"

	"github.com/noded/noded/crypto"
)

// Receipt status values.
const (
	ReceiptFailed  uint8 = 0
	ReceiptSuccess uint8 = 1
)

// Limits on receipts.
const (
	MaxEvents        = 1024
	MaxEventTopicLen = 64
	MaxEventDataLen  = 64 << 10
	MaxReturnDataLen = 64 << 10
	MaxReceiptError  = 1024
	receiptVersion   = 1
)

// Event is a log entry emitted by a contract.
type Event struct {
	Address Address
	Topic   string
	Data    []byte
}

// Receipt is the outcome of an included transaction. A failed transaction
// is still included: its sender pays for the gas used and its state changes
// (other than the fee and nonce) are discarded; Error says why it failed.
type Receipt struct {
	TxHash          Hash
	Status          uint8
	GasUsed         uint64
	Fee             Amount
	ContractAddress Address // deploys only
	ReturnData      []byte
	Events          []Event
	Error           string
}

// AppendEncoding appends the canonical encoding of r.
func (r *Receipt) AppendEncoding(b []byte) []byte {
	e := encoder{b: b}
	e.u8(receiptVersion)
	e.raw(r.TxHash[:])
	e.u8(r.Status)
	e.u64(r.GasUsed)
	e.amount(&r.Fee)
	e.raw(r.ContractAddress[:])
	e.bytes(r.ReturnData)
	e.u32(uint32(len(r.Events)))
	for i := range r.Events {
		ev := &r.Events[i]
		e.raw(ev.Address[:])
		e.str(ev.Topic)
		e.bytes(ev.Data)
	}
	e.str(r.Error)
	return e.b
}

// Hash returns the hash of the receipt's canonical encoding.
func (r *Receipt) Hash() Hash {
	return crypto.Sum256([]byte("noded/receipt/v1"), r.AppendEncoding(nil))
}

func decodeReceipt(d *decoder) Receipt {
	var r Receipt
	if v := d.u8("receipt version"); d.err == nil && v != receiptVersion {
		d.fail("unknown receipt version %d", v)
	}
	d.fixed(r.TxHash[:], "tx hash")
	r.Status = d.u8("status")
	if d.err == nil && r.Status > ReceiptSuccess {
		d.fail("unknown receipt status %d", r.Status)
	}
	r.GasUsed = d.u64("gas used")
	r.Fee = d.amount("fee")
	d.fixed(r.ContractAddress[:], "contract address")
	r.ReturnData = d.bytes(MaxReturnDataLen, "return data")
	n := d.count(MaxEvents, "events")
	for i := 0; i < n && d.err == nil; i++ {
		var ev Event
		d.fixed(ev.Address[:], "event address")
		ev.Topic = d.str(MaxEventTopicLen, "event topic")
		ev.Data = d.bytes(MaxEventDataLen, "event data")
		r.Events = append(r.Events, ev)
	}
	r.Error = d.str(MaxReceiptError, "error")
	return r
}

// EncodeReceipts returns the canonical encoding of a block's receipts.
func EncodeReceipts(rs []Receipt) []byte {
	e := encoder{b: make([]byte, 0, 100*len(rs)+4)}
	e.u32(uint32(len(rs)))
	for i := range rs {
		e.b = rs[i].AppendEncoding(e.b)
	}
	return e.b
}

// DecodeReceipts decodes what EncodeReceipts produced.
func DecodeReceipts(b []byte) ([]Receipt, error) {
	d := decoder{b: b}
	n := d.count(MaxBlockTxs, "receipts")
	rs := make([]Receipt, 0, min(n, len(b)/50))
	for i := 0; i < n && d.err == nil; i++ {
		rs = append(rs, decodeReceipt(&d))
	}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("receipts: %w", err)
	}
	return rs, nil
}

// ReceiptsRoot returns the Merkle root of the receipts' hashes.
func ReceiptsRoot(rs []Receipt) Hash {
	hs := make([]Hash, len(rs))
	for i := range rs {
		hs[i] = rs[i].Hash()
	}
	return MerkleRoot(hs)
}
