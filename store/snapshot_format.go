package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// A state snapshot is the state after one block, cut into chunks; a chunk
// is a run of whole buckets [Lo, Hi). Its manifest lists the SHA-256 digest
// of every bucket's LtHash, whose Merkle root is the block's state root, and
// the chunks with their sizes and hashes. A joining node checks the
// manifest's digests against the state root of the block's signed header,
// then each chunk on arrival: the LtHash of each bucket's entries must have
// the digest the manifest lists. The chunk hashes are a cheap first check;
// the bucket digests are what a chunk is verified against.
//
// Manifest encoding (version 1), integers big-endian:
//
//	version u8 | height u64 | block hash [32] | state root [32] |
//	1024 x bucket digest [32] |
//	chunk count u16 (1..1024) | count x (hi u16 | entries u32 | size u32 | hash [32])
//
// Chunk i covers buckets [hi of chunk i-1 (0 for the first), hi); the last
// chunk ends at 1024.
//
// Chunk encoding (version 1):
//
//	version u8 | lo u16 | hi u16 |
//	for each bucket in [lo, hi): count uvarint |
//	    count x (key length uvarint | key | value length uvarint | value)
//
// Within a bucket the keys are strictly increasing (database order), every
// key is in its bucket (chain.BucketOf), and no value is empty. The encoding
// of a set of entries is therefore unique: equal states give byte-equal
// chunks on every node, so peers serving the same snapshot serve the same
// manifest.

// Bounds of snapshots. A manifest that exceeds them is refused before
// anything is downloaded.
const (
	manifestVersion = 1
	chunkVersion    = 1

	// MaxChunkSize bounds one chunk's encoding. A bucket larger than this
	// (1/1024 of a state of 32 GiB) cannot be snapshotted.
	MaxChunkSize = 32 << 20
	// MaxManifestSize bounds a manifest's encoding (1,024 chunks).
	MaxManifestSize = manifestFixedSize + chain.NumBuckets*manifestChunkSize
	// MaxStateKeyLen and MaxStateValueLen bound the entries of a chunk:
	// the longest state key is a storage key, the longest value contract
	// code.
	MaxStateKeyLen   = 1 + types.AddressSize + chain.MaxStorageKeyLen
	MaxStateValueLen = types.MaxCodeSize

	// DefaultChunkTarget is the size at which BuildManifest closes a chunk;
	// DefaultChunkBuckets the most buckets it puts in one, so that a small
	// state still makes at least 16 chunks to fetch from several peers.
	DefaultChunkTarget  = 2 << 20
	DefaultChunkBuckets = 64

	manifestFixedSize = 1 + 8 + 32 + 32 + chain.NumBuckets*32 + 2
	manifestChunkSize = 2 + 4 + 4 + 32
	chunkHeaderSize   = 1 + 2 + 2
)

var (
	// ErrBadManifest: a manifest that does not decode, breaks the bounds,
	// or whose bucket digests do not give its state root.
	ErrBadManifest = errors.New("bad snapshot manifest")
	// ErrBadChunk: a chunk that does not decode or whose entries do not
	// give the bucket digests of its manifest.
	ErrBadChunk = errors.New("bad snapshot chunk")
)

// Manifest describes a state snapshot: the state after the block at
// Height, cut into Chunks.
type Manifest struct {
	Height    uint64
	BlockHash types.Hash
	StateRoot types.Hash
	// Digests are the SHA-256 of every bucket's LtHash (chain.Root); their
	// Merkle root is StateRoot.
	Digests [chain.NumBuckets]types.Hash
	Chunks  []ChunkInfo
}

// ChunkInfo describes one chunk of a snapshot.
type ChunkInfo struct {
	Lo, Hi  uint16 // buckets [Lo, Hi)
	Entries uint32 // state entries in the chunk
	Size    uint32 // bytes of its encoding
	Hash    types.Hash
}

// Size returns the total size of the chunks in bytes.
func (m *Manifest) Size() uint64 {
	var n uint64
	for _, c := range m.Chunks {
		n += uint64(c.Size)
	}
	return n
}

// Entries returns the number of state entries in the snapshot.
func (m *Manifest) Entries() uint64 {
	var n uint64
	for _, c := range m.Chunks {
		n += uint64(c.Entries)
	}
	return n
}

// Encode returns the canonical encoding of m.
func (m *Manifest) Encode() []byte {
	b := make([]byte, 0, manifestFixedSize+len(m.Chunks)*manifestChunkSize)
	b = append(b, manifestVersion)
	b = binary.BigEndian.AppendUint64(b, m.Height)
	b = append(b, m.BlockHash[:]...)
	b = append(b, m.StateRoot[:]...)
	for i := range m.Digests {
		b = append(b, m.Digests[i][:]...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Chunks)))
	for _, c := range m.Chunks {
		b = binary.BigEndian.AppendUint16(b, c.Hi)
		b = binary.BigEndian.AppendUint32(b, c.Entries)
		b = binary.BigEndian.AppendUint32(b, c.Size)
		b = append(b, c.Hash[:]...)
	}
	return b
}

// Hash identifies the manifest: the hash of its encoding.
func (m *Manifest) Hash() types.Hash {
	return crypto.Sum256([]byte("noded/snapshot-manifest/v1"), m.Encode())
}

// DecodeManifest decodes a manifest and checks it (see Manifest.Check).
func DecodeManifest(b []byte) (*Manifest, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("store: %w: %s", ErrBadManifest, fmt.Sprintf(format, args...))
	}
	if len(b) < manifestFixedSize || len(b) > MaxManifestSize {
		return nil, bad("%d bytes", len(b))
	}
	if b[0] != manifestVersion {
		return nil, bad("version %d", b[0])
	}
	m := &Manifest{Height: binary.BigEndian.Uint64(b[1:])}
	b = b[9:]
	copy(m.BlockHash[:], b)
	copy(m.StateRoot[:], b[32:])
	b = b[64:]
	for i := range m.Digests {
		copy(m.Digests[i][:], b)
		b = b[32:]
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if n < 1 || n > chain.NumBuckets || len(b) != n*manifestChunkSize {
		return nil, bad("%d chunks in %d bytes", n, len(b))
	}
	m.Chunks = make([]ChunkInfo, n)
	lo := uint16(0)
	for i := range m.Chunks {
		c := &m.Chunks[i]
		c.Lo, c.Hi = lo, binary.BigEndian.Uint16(b)
		c.Entries = binary.BigEndian.Uint32(b[2:])
		c.Size = binary.BigEndian.Uint32(b[6:])
		copy(c.Hash[:], b[10:])
		b = b[manifestChunkSize:]
		lo = c.Hi
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	return m, nil
}

// Check checks the manifest's bounds and that its bucket digests give its
// state root: chunks cover the buckets in order with no gap, each at most
// MaxChunkSize and large enough for the entries it claims. It does not
// check the state root against a block: the caller compares it with the
// signed header of the block at Height.
func (m *Manifest) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("store: %w: %s", ErrBadManifest, fmt.Sprintf(format, args...))
	}
	if len(m.Chunks) < 1 || len(m.Chunks) > chain.NumBuckets {
		return bad("%d chunks", len(m.Chunks))
	}
	lo := uint16(0)
	for i, c := range m.Chunks {
		if c.Lo != lo || c.Hi <= c.Lo || int(c.Hi) > chain.NumBuckets {
			return bad("chunk %d covers buckets [%d, %d) after bucket %d", i, c.Lo, c.Hi, lo)
		}
		// Each bucket takes at least one byte (its count), each entry at
		// least four (two lengths, a key byte, a value byte).
		minSize := uint64(chunkHeaderSize) + uint64(c.Hi-c.Lo) + 4*uint64(c.Entries)
		if c.Size > MaxChunkSize || uint64(c.Size) < minSize {
			return bad("chunk %d: %d bytes for %d buckets and %d entries (at most %d bytes)", i, c.Size, c.Hi-c.Lo, c.Entries, MaxChunkSize)
		}
		lo = c.Hi
	}
	if int(lo) != chain.NumBuckets {
		return bad("chunks end at bucket %d, not %d", lo, chain.NumBuckets)
	}
	if got := types.MerkleRoot(m.Digests[:]); got != m.StateRoot {
		return bad("bucket digests give state root %s, manifest says %s", got, m.StateRoot)
	}
	return nil
}

// Chunk is a decoded chunk whose entries were checked against their bucket
// digests (VerifyChunk). Its entries alias the encoding it was decoded
// from.
type Chunk struct {
	Index   int
	Lo, Hi  uint16
	Buckets []crypto.LtHash // the LtHash of buckets Lo..Hi-1
	entries []chunkEntry    // in database order
	size    int             // bytes of the entries' database keys and values
}

type chunkEntry struct {
	bucket     uint16
	key, value []byte
}

// Len returns the number of entries in the chunk.
func (c *Chunk) Len() int { return len(c.entries) }

// VerifyChunk decodes chunk index of m from data and verifies it: the hash
// and size the manifest lists, the encoding (canonical, entries in their
// buckets and in order), and the LtHash of every bucket against the
// manifest's digests. Errors wrap ErrBadChunk. Verification hashes every
// entry (about 1 µs each with AES-NI, 2.5 µs without); spread chunks over
// goroutines to use more cores.
func VerifyChunk(m *Manifest, index int, data []byte) (*Chunk, error) {
	if index < 0 || index >= len(m.Chunks) {
		return nil, fmt.Errorf("store: %w: chunk %d of %d", ErrBadChunk, index, len(m.Chunks))
	}
	info := m.Chunks[index]
	bad := func(format string, args ...any) error {
		return fmt.Errorf("store: %w: chunk %d (buckets [%d, %d)): %s", ErrBadChunk, index, info.Lo, info.Hi, fmt.Sprintf(format, args...))
	}
	if len(data) != int(info.Size) {
		return nil, bad("%d bytes, the manifest says %d", len(data), info.Size)
	}
	if h := crypto.Sum256(data); h != info.Hash {
		return nil, bad("hash %s, the manifest says %s", types.Hash(h), info.Hash)
	}
	c, err := decodeChunk(data, info)
	if err != nil {
		return nil, bad("%v", err)
	}
	c.Index = index
	for b := c.Lo; b < c.Hi; b++ {
		if got := types.Hash(c.Buckets[b-c.Lo].Sum()); got != m.Digests[b] {
			return nil, bad("bucket %d hashes to %s, the manifest says %s", b, got, m.Digests[b])
		}
	}
	return c, nil
}

// decodeChunk decodes a chunk and computes its buckets' LtHashes.
func decodeChunk(data []byte, info ChunkInfo) (*Chunk, error) {
	if len(data) < chunkHeaderSize || data[0] != chunkVersion {
		return nil, errors.New("bad header")
	}
	lo, hi := binary.BigEndian.Uint16(data[1:]), binary.BigEndian.Uint16(data[3:])
	if lo != info.Lo || hi != info.Hi {
		return nil, fmt.Errorf("holds buckets [%d, %d)", lo, hi)
	}
	c := &Chunk{Lo: lo, Hi: hi, Buckets: make([]crypto.LtHash, hi-lo), entries: make([]chunkEntry, 0, info.Entries)}
	r := uvarintReader{b: data[chunkHeaderSize:]}
	for b := lo; b < hi; b++ {
		n := r.next()
		if r.bad || n > uint64(len(r.b)/4) {
			return nil, fmt.Errorf("bucket %d: bad entry count", b)
		}
		if uint64(len(c.entries))+n > uint64(info.Entries) {
			return nil, fmt.Errorf("more than the %d entries the manifest lists", info.Entries)
		}
		h := &c.Buckets[b-lo]
		var prev []byte
		for range n {
			kl := r.next()
			if kl == 0 || kl > MaxStateKeyLen {
				return nil, fmt.Errorf("bucket %d: key of %d bytes", b, kl)
			}
			key := r.bytes(kl)
			vl := r.next()
			if vl == 0 || vl > MaxStateValueLen {
				return nil, fmt.Errorf("bucket %d: value of %d bytes", b, vl)
			}
			value := r.bytes(vl)
			if r.bad {
				return nil, fmt.Errorf("bucket %d: truncated", b)
			}
			if prev != nil && bytes.Compare(prev, key) >= 0 {
				return nil, fmt.Errorf("bucket %d: keys out of order", b)
			}
			if chain.BucketOf(key) != b {
				return nil, fmt.Errorf("key %x is not in bucket %d", key, b)
			}
			prev = key
			h.Add(chain.EntryElement(key, value))
			c.entries = append(c.entries, chunkEntry{bucket: b, key: key, value: value})
			c.size += 3 + len(key) + len(value)
		}
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if len(c.entries) != int(info.Entries) {
		return nil, fmt.Errorf("%d entries, the manifest says %d", len(c.entries), info.Entries)
	}
	return c, nil
}

// chunkEncoder encodes a run of buckets in the chunk encoding.
type chunkEncoder struct {
	buf     []byte // the chunk so far
	bucket  []byte // the current bucket's entries
	count   uint64 // entries in the current bucket
	entries uint32 // entries in the chunk
}

func (e *chunkEncoder) begin(lo, hi uint16) {
	e.buf = append(e.buf[:0], chunkVersion, byte(lo>>8), byte(lo), byte(hi>>8), byte(hi))
	e.entries = 0
}

func (e *chunkEncoder) add(key, value []byte) {
	e.bucket = binary.AppendUvarint(e.bucket, uint64(len(key)))
	e.bucket = append(e.bucket, key...)
	e.bucket = binary.AppendUvarint(e.bucket, uint64(len(value)))
	e.bucket = append(e.bucket, value...)
	e.count++
}

// endBucket appends the current bucket to the chunk.
func (e *chunkEncoder) endBucket() {
	e.buf = binary.AppendUvarint(e.buf, e.count)
	e.buf = append(e.buf, e.bucket...)
	e.entries += uint32(e.count)
	e.bucket, e.count = e.bucket[:0], 0
}

// setHi rewrites the chunk's end bucket once it is known.
func (e *chunkEncoder) setHi(hi uint16) { binary.BigEndian.PutUint16(e.buf[3:], hi) }
