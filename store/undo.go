package store

import (
	"encoding/binary"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// An undo record holds what a block overwrote: for every state entry the
// block changed, the value before it (or its absence). Applying the
// records of blocks head..h+1 to the head state gives the state after
// block h, which is how RevertHead and StateAt work. Bucket values are not
// stored (2 KB each, ~1,000 per busy block): RevertHead recomputes the
// touched buckets from the entries, which costs two LtHash operations per
// entry.
//
// Encoding: version(1) block-hash(32) count(uvarint), then per entry
// key-length(uvarint) key old(uvarint n, then n-1 bytes; n = 0: absent).
const undoVersion = 1

type undoEntry struct {
	key []byte
	old []byte // nil: the entry did not exist before the block
}

type undoRecord struct {
	block   types.Hash
	entries []undoEntry
}

// undoSize returns the exact encoded size of the record of changes.
func undoSize(changes []chain.Change) int {
	n := 1 + 32 + uvarintLen(uint64(len(changes)))
	for i := range changes {
		c := &changes[i]
		n += uvarintLen(uint64(len(c.Key))) + len(c.Key)
		if len(c.Old) == 0 {
			n++
		} else {
			n += uvarintLen(uint64(len(c.Old))+1) + len(c.Old)
		}
	}
	return n
}

// appendUndo appends the undo record of the block hash with changes.
func appendUndo(dst []byte, block types.Hash, changes []chain.Change) []byte {
	dst = append(dst, undoVersion)
	dst = append(dst, block[:]...)
	dst = binary.AppendUvarint(dst, uint64(len(changes)))
	for i := range changes {
		c := &changes[i]
		dst = binary.AppendUvarint(dst, uint64(len(c.Key)))
		dst = append(dst, c.Key...)
		if len(c.Old) == 0 {
			dst = append(dst, 0)
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(c.Old))+1)
		dst = append(dst, c.Old...)
	}
	return dst
}

// decodeUndo decodes a record. Keys and values alias b.
func decodeUndo(b []byte) (undoRecord, error) {
	var r undoRecord
	if len(b) < 1+32 {
		return r, corruptf("undo record is %d bytes", len(b))
	}
	if b[0] != undoVersion {
		return r, corruptf("undo record version %d", b[0])
	}
	copy(r.block[:], b[1:33])
	d := uvarintReader{b: b[33:]}
	n := d.next()
	if d.bad || n > uint64(len(d.b)) { // each entry takes at least two bytes
		return r, corruptf("undo record: bad entry count")
	}
	r.entries = make([]undoEntry, 0, n)
	for range n {
		key := d.bytes(d.next())
		var old []byte
		if vl := d.next(); vl > 0 {
			old = d.bytes(vl - 1)
			if old == nil {
				old = []byte{} // an empty old value cannot be written; checked below
			}
		}
		if d.bad || len(key) == 0 || (old != nil && len(old) == 0) {
			return r, corruptf("undo record of block %s: malformed entry %d", r.block, len(r.entries))
		}
		r.entries = append(r.entries, undoEntry{key: key, old: old})
	}
	if len(d.b) != 0 {
		return r, corruptf("undo record of block %s: %d trailing bytes", r.block, len(d.b))
	}
	return r, nil
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// uvarintReader reads uvarints and byte strings; the first error sticks.
type uvarintReader struct {
	b   []byte
	bad bool
}

func (r *uvarintReader) next() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *uvarintReader) bytes(n uint64) []byte {
	if r.bad {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	if n == 0 {
		return nil
	}
	return v
}
