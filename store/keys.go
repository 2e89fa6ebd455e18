package store

import (
	"encoding/binary"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// Key prefixes: one byte each. The layout is described in doc.go; change
// it only together with schemaVersion.
const (
	prefixMeta     byte = 'M' // 'M' name -> metadata value
	prefixNumber   byte = 'N' // 'N' height(8) -> canonical block hash
	prefixHeader   byte = 'H' // 'H' hash(32) -> encoded header
	prefixBlock    byte = 'B' // 'B' hash(32) -> encoded block
	prefixReceipts byte = 'R' // 'R' hash(32) -> encoded receipts
	prefixTx       byte = 'T' // 'T' tx hash(32) -> TxLocation
	prefixState    byte = 'S' // 'S' bucket(2) state key -> value
	prefixBucket   byte = 'K' // 'K' bucket(2) -> LtHash (2048 bytes)
	prefixUndo     byte = 'U' // 'U' height(8) -> undo record
)

// schemaVersion is the version of the key layout and value encodings.
const schemaVersion uint32 = 1

// Metadata keys.
var (
	keySchema      = []byte{prefixMeta, 's', 'c', 'h', 'e', 'm', 'a'}
	keyGenesisJSON = []byte{prefixMeta, 'g', 'e', 'n', 'e', 's', 'i', 's'}
	keyGenesisHash = []byte{prefixMeta, 'g', 'e', 'n', 'e', 's', 'i', 's', '-', 'h', 'a', 's', 'h'}
	keyHead        = []byte{prefixMeta, 'h', 'e', 'a', 'd'}
	keyUndoFloor   = []byte{prefixMeta, 'u', 'n', 'd', 'o', '-', 'f', 'l', 'o', 'o', 'r'}
)

func heightKey(prefix byte, h uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefix
	binary.BigEndian.PutUint64(k[1:], h)
	return k
}

func hashKey(prefix byte, h types.Hash) []byte {
	k := make([]byte, 33)
	k[0] = prefix
	copy(k[1:], h[:])
	return k
}

func numberKey(h uint64) []byte          { return heightKey(prefixNumber, h) }
func undoKey(h uint64) []byte            { return heightKey(prefixUndo, h) }
func headerKey(h types.Hash) []byte      { return hashKey(prefixHeader, h) }
func blockKey(h types.Hash) []byte       { return hashKey(prefixBlock, h) }
func receiptsKey(h types.Hash) []byte    { return hashKey(prefixReceipts, h) }
func txKey(h types.Hash) []byte          { return hashKey(prefixTx, h) }
func bucketKey(b uint16) []byte          { return []byte{prefixBucket, byte(b >> 8), byte(b)} }
func stateKeyLen(key []byte) int         { return 3 + len(key) }
func stateKey(key []byte) []byte         { return appendStateKey(make([]byte, 0, stateKeyLen(key)), key) }
func bucketPrefix(b uint16) []byte       { return []byte{prefixState, byte(b >> 8), byte(b)} }
func stateKeyBucket(dbKey []byte) uint16 { return binary.BigEndian.Uint16(dbKey[1:3]) }

// appendStateKey appends the database key of state key key: the prefix,
// its bucket and the key, so that a run of buckets is one key range.
func appendStateKey(dst, key []byte) []byte {
	b := chain.BucketOf(key)
	dst = append(dst, prefixState, byte(b>>8), byte(b))
	return append(dst, key...)
}

// stateBounds returns the key range [lo, hi) of the state entries of
// buckets [from, to).
func stateBounds(from, to uint16) (lo, hi []byte) {
	lo = bucketPrefix(from)
	if int(to) >= chain.NumBuckets {
		return lo, []byte{prefixState + 1}
	}
	return lo, bucketPrefix(to)
}

// prefixEnd returns the smallest key greater than every key with prefix p
// (p is one byte below 0xff here).
func prefixEnd(p byte) []byte { return []byte{p + 1} }
