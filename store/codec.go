package store

import (
	"encoding/binary"
	"fmt"

	"github.com/noded/noded/types"
)

// headPointer is the value of keyHead: the head block's hash and height.
type headPointer struct {
	hash   types.Hash
	height uint64
}

const headPointerSize = 32 + 8

func (p headPointer) encode() []byte {
	b := make([]byte, 0, headPointerSize)
	b = append(b, p.hash[:]...)
	return binary.BigEndian.AppendUint64(b, p.height)
}

func decodeHeadPointer(b []byte) (headPointer, error) {
	if len(b) != headPointerSize {
		return headPointer{}, corruptf("head pointer is %d bytes, want %d", len(b), headPointerSize)
	}
	var p headPointer
	copy(p.hash[:], b)
	p.height = binary.BigEndian.Uint64(b[32:])
	return p, nil
}

// TxLocation says where an included transaction is.
type TxLocation struct {
	BlockHash types.Hash
	Height    uint64
	Index     uint32 // position in the block's transactions
}

const txLocationSize = 32 + 8 + 4

func (l *TxLocation) appendEncoding(b []byte) []byte {
	b = append(b, l.BlockHash[:]...)
	b = binary.BigEndian.AppendUint64(b, l.Height)
	return binary.BigEndian.AppendUint32(b, l.Index)
}

func decodeTxLocation(b []byte) (TxLocation, error) {
	if len(b) != txLocationSize {
		return TxLocation{}, corruptf("transaction location is %d bytes, want %d", len(b), txLocationSize)
	}
	var l TxLocation
	copy(l.BlockHash[:], b)
	l.Height = binary.BigEndian.Uint64(b[32:])
	l.Index = binary.BigEndian.Uint32(b[40:])
	return l, nil
}

func encodeU64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func decodeU64(b []byte, what string) (uint64, error) {
	if len(b) != 8 {
		return 0, corruptf("%s is %d bytes, want 8", what, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

func decodeHash(b []byte, what string) (types.Hash, error) {
	var h types.Hash
	if len(b) != len(h) {
		return h, corruptf("%s is %d bytes, want %d", what, len(b), len(h))
	}
	copy(h[:], b)
	return h, nil
}

// corruptf returns an error wrapping ErrCorrupt.
func corruptf(format string, args ...any) error {
	return fmt.Errorf("store: %w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}
