package types

import (
	"fmt"

	"github.com/noded/noded/crypto"
)

// Limits on blocks.
const (
	MaxBlockTxs   = 100_000
	MaxBlockSize  = 32 << 20
	headerVersion = 1
)

// Header describes a block. Its hash covers every field but the signature,
// and the proposer signs the hash.
type Header struct {
	Height       uint64
	Parent       Hash
	Slot         uint64
	Time         uint64 // unix milliseconds
	Proposer     crypto.PublicKey
	TxRoot       Hash
	StateRoot    Hash // state after the block's transactions
	ReceiptsRoot Hash
	GasUsed      uint64
	GasLimit     uint64
	Sig          crypto.Signature
}

// Block is a header and its transactions.
type Block struct {
	Header Header
	Txs    []*Tx
}

func (h *Header) appendBody(b []byte) []byte {
	e := encoder{b: b}
	e.u8(headerVersion)
	e.u64(h.Height)
	e.raw(h.Parent[:])
	e.u64(h.Slot)
	e.u64(h.Time)
	e.raw(h.Proposer[:])
	e.raw(h.TxRoot[:])
	e.raw(h.StateRoot[:])
	e.raw(h.ReceiptsRoot[:])
	e.u64(h.GasUsed)
	e.u64(h.GasLimit)
	return e.b
}

// Hash returns the block hash.
func (h *Header) Hash() Hash {
	return crypto.Sum256([]byte("noded/header/v1"), h.appendBody(make([]byte, 0, 256)))
}

// Sign sets Proposer and Sig using key.
func (h *Header) Sign(key crypto.PrivateKey) {
	h.Proposer = key.Public()
	hash := h.Hash()
	h.Sig = key.Sign(hash[:])
}

// VerifySig reports whether the proposer's signature is valid.
func (h *Header) VerifySig() bool {
	hash := h.Hash()
	return crypto.Verify(h.Proposer, hash[:], h.Sig)
}

// AppendEncoding appends the canonical encoding of the signed header.
func (h *Header) AppendEncoding(b []byte) []byte {
	return append(h.appendBody(b), h.Sig[:]...)
}

func decodeHeader(d *decoder) Header {
	var h Header
	if v := d.u8("header version"); d.err == nil && v != headerVersion {
		d.fail("unknown header version %d", v)
	}
	h.Height = d.u64("height")
	d.fixed(h.Parent[:], "parent")
	h.Slot = d.u64("slot")
	h.Time = d.u64("time")
	d.fixed(h.Proposer[:], "proposer")
	d.fixed(h.TxRoot[:], "tx root")
	d.fixed(h.StateRoot[:], "state root")
	d.fixed(h.ReceiptsRoot[:], "receipts root")
	h.GasUsed = d.u64("gas used")
	h.GasLimit = d.u64("gas limit")
	d.fixed(h.Sig[:], "header signature")
	return h
}

// DecodeHeader decodes a canonical signed header.
func DecodeHeader(b []byte) (Header, error) {
	d := decoder{b: b}
	h := decodeHeader(&d)
	if err := d.finish(); err != nil {
		return Header{}, fmt.Errorf("header: %w", err)
	}
	return h, nil
}

// Hash returns the block hash (the hash of its header).
func (b *Block) Hash() Hash { return b.Header.Hash() }

// Encode returns the canonical encoding of the block.
func (b *Block) Encode() []byte {
	size := 300
	for _, tx := range b.Txs {
		size += 4 + 200 + len(tx.Code) + len(tx.Input)
	}
	e := encoder{b: make([]byte, 0, size)}
	e.b = b.Header.AppendEncoding(e.b)
	e.u32(uint32(len(b.Txs)))
	for _, tx := range b.Txs {
		at := len(e.b)
		e.u32(0) // length, patched below
		e.b = tx.AppendEncoding(e.b)
		n := uint32(len(e.b) - at - 4)
		e.b[at], e.b[at+1], e.b[at+2], e.b[at+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	}
	return e.b
}

// DecodeBlock decodes a canonical block.
func DecodeBlock(b []byte) (*Block, error) {
	if len(b) > MaxBlockSize {
		return nil, fmt.Errorf("%w: block is %d bytes, limit %d", ErrEncoding, len(b), MaxBlockSize)
	}
	d := decoder{b: b}
	blk := &Block{Header: decodeHeader(&d)}
	n := d.count(MaxBlockTxs, "transactions")
	if d.err == nil && n > 0 {
		blk.Txs = make([]*Tx, 0, min(n, (len(b)-d.off)/4))
	}
	for i := 0; i < n && d.err == nil; i++ {
		raw := d.take(int(d.u32("transaction length")), "transaction")
		if d.err != nil {
			break
		}
		if len(raw) > MaxTxSize {
			d.fail("transaction %d is %d bytes, limit %d", i, len(raw), MaxTxSize)
			break
		}
		td := decoder{b: raw}
		tx := decodeTx(&td)
		if err := td.finish(); err != nil {
			d.fail("transaction %d: %v", i, err)
			break
		}
		blk.Txs = append(blk.Txs, tx)
	}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("block: %w", err)
	}
	return blk, nil
}

// TxRoot returns the Merkle root of the hashes of txs.
func TxRoot(hashes []Hash) Hash { return MerkleRoot(hashes) }
