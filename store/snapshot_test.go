package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// snapshotOf builds the manifest and every chunk of the state at height.
func snapshotOf(t testing.TB, db *DB, height uint64, o ManifestOptions) (*Manifest, [][]byte) {
	t.Helper()
	v, err := db.StateAt(height)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	m, err := v.BuildManifest(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	chunks := make([][]byte, len(m.Chunks))
	for i, info := range m.Chunks {
		if chunks[i], err = v.Chunk(nil, info); err != nil {
			t.Fatal(err)
		}
	}
	return m, chunks
}

// restoreAll restores m into db from chunks, in a random order.
func restoreAll(t testing.TB, db *DB, m *Manifest, chunks [][]byte, blk *types.Block, rng *rand.Rand) {
	t.Helper()
	done, err := db.BeginRestore(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range rng.Perm(len(chunks)) {
		if done[i] {
			continue
		}
		c, err := VerifyChunk(m, i, chunks[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RestoreChunk(m, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FinishRestore(blk); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotRestore(t *testing.T) {
	src, _ := openMem(t, Options{KeepUndo: 8})
	c := newTestChain(t, 40, 300)
	c.initDB(src)
	c.commitN(src, 10, 5, 400)
	rng := rand.New(rand.NewPCG(1, 2))
	// A view at the head and one below it (through undo records).
	for _, h := range []uint64{10, 7} {
		m, chunks := snapshotOf(t, src, h, ManifestOptions{ChunkTarget: 4 << 10})
		if len(m.Chunks) < 4 {
			t.Fatalf("%d chunks; the test wants several", len(m.Chunks))
		}
		if m.Height != h || m.BlockHash != c.blocks[h].Hash() || m.StateRoot != c.blocks[h].Header.StateRoot {
			t.Fatalf("manifest of block %d %s", m.Height, m.BlockHash)
		}
		if m.Entries() != uint64(len(c.states[h])) {
			t.Fatalf("manifest lists %d entries, state has %d", m.Entries(), len(c.states[h]))
		}
		back, err := DecodeManifest(m.Encode())
		if err != nil || back.Hash() != m.Hash() {
			t.Fatalf("manifest round trip: %v", err)
		}

		dst, _ := openMem(t, Options{})
		c.initDB(dst)
		restoreAll(t, dst, m, chunks, c.blocks[h], rng)
		head, err := dst.Head()
		if err != nil || head != c.blocks[h].Header {
			t.Fatalf("head after restore: %d %v", head.Height, err)
		}
		checkState(t, dst, c.states[h], c.keys)
		checkRoot(t, dst, c.blocks[h].Header.StateRoot)
		if base, err := dst.HistoryBase(); err != nil || base != h {
			t.Fatalf("history base %d %v", base, err)
		}
		if _, ok := dst.Restoring(); ok {
			t.Fatal("still restoring")
		}
		// The restored node makes the same snapshot, byte for byte.
		m2, _ := snapshotOf(t, dst, h, ManifestOptions{ChunkTarget: 4 << 10})
		if m2.Hash() != m.Hash() {
			t.Fatal("the restored state gives another manifest")
		}
		// No history below the snapshot; the chain goes on above it.
		_, err = dst.StateAt(h - 1)
		wantErr(t, err, ErrStateUnavailable)
		_, err = dst.BlockByHeight(h - 1)
		wantErr(t, err, ErrNotFound)
		if blk, err := dst.BlockByHeight(h); err != nil || blk.Hash() != c.blocks[h].Hash() {
			t.Fatalf("block %d: %v", h, err)
		}
		if _, err := dst.RevertHead(); !errors.Is(err, ErrNoUndo) {
			t.Fatalf("revert below the snapshot: %v", err)
		}
		for i := h + 1; i <= 10; i++ {
			if err := dst.CommitBlock(c.blocks[i], c.res[i]); err != nil {
				t.Fatalf("commit block %d on the restored state: %v", i, err)
			}
		}
		checkState(t, dst, c.states[10], c.keys)
		checkRoot(t, dst, c.blocks[10].Header.StateRoot)
	}
}

// A restore interrupted by a close (or a crash) resumes where it stopped
// with the same manifest, and starts again with another; meanwhile the
// state cannot be read and no block can be committed.
func TestSnapshotRestoreResume(t *testing.T) {
	src, _ := openMem(t, Options{})
	c := newTestChain(t, 41, 200)
	c.initDB(src)
	c.commitN(src, 6, 5, 300)
	m, chunks := snapshotOf(t, src, 6, ManifestOptions{ChunkTarget: 4 << 10})
	m5, chunks5 := snapshotOf(t, src, 5, ManifestOptions{ChunkTarget: 4 << 10})

	dst, fs := openMem(t, Options{})
	c.initDB(dst)
	done, err := dst.BeginRestore(m5)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != len(m5.Chunks) {
		t.Fatal("done has the wrong length")
	}
	for i := range len(chunks5) / 2 {
		ck, err := VerifyChunk(m5, i, chunks5[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := dst.RestoreChunk(m5, ck); err != nil {
			t.Fatal(err)
		}
	}
	if err := dst.FinishRestore(c.blocks[5]); !errors.Is(err, ErrRestoreIncomplete) {
		t.Fatalf("finish with missing chunks: %v", err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	dst, err = Open("db", quiet(Options{FS: fs}))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	st, ok := dst.Restoring()
	if !ok || st.Height != 5 || st.Manifest != m5.Hash() || st.Chunks != len(m5.Chunks) {
		t.Fatalf("after reopen: restoring %v %+v", ok, st)
	}
	_, err = dst.Get(c.keys[0])
	wantErr(t, err, ErrRestoring)
	_, err = dst.LoadRoot()
	wantErr(t, err, ErrRestoring)
	_, err = dst.HeadState()
	wantErr(t, err, ErrRestoring)
	wantErr(t, dst.CommitBlock(c.blocks[1], c.res[1]), ErrRestoring)

	// Resume with the same manifest: the first half is done.
	done, err = dst.BeginRestore(m5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range done {
		if done[i] != (i < len(chunks5)/2) {
			t.Fatalf("chunk %d done=%v", i, done[i])
		}
	}
	// Another manifest (a newer snapshot) starts from scratch.
	restoreAll(t, dst, m, chunks, c.blocks[6], rand.New(rand.NewPCG(3, 4)))
	checkState(t, dst, c.states[6], c.keys)
	checkRoot(t, dst, c.blocks[6].Header.StateRoot)

	// A database with blocks is not restored over.
	_, err = dst.BeginRestore(m)
	wantErr(t, err, ErrNotFresh)
}

func TestSnapshotAbort(t *testing.T) {
	src, _ := openMem(t, Options{})
	c := newTestChain(t, 42, 100)
	c.initDB(src)
	c.commitN(src, 3, 5, 100)
	m, chunks := snapshotOf(t, src, 3, ManifestOptions{ChunkTarget: 2 << 10})
	dst, _ := openMem(t, Options{})
	c.initDB(dst)
	if _, err := dst.BeginRestore(m); err != nil {
		t.Fatal(err)
	}
	ck, err := VerifyChunk(m, 0, chunks[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.RestoreChunk(m, ck); err != nil {
		t.Fatal(err)
	}
	if err := dst.AbortRestore(c.blocks[0], c.res[0]); err != nil {
		t.Fatal(err)
	}
	checkState(t, dst, c.states[0], c.keys)
	checkRoot(t, dst, c.blocks[0].Header.StateRoot)
	// Block sync from there.
	for i := uint64(1); i <= 3; i++ {
		if err := dst.CommitBlock(c.blocks[i], c.res[i]); err != nil {
			t.Fatal(err)
		}
	}
	checkRoot(t, dst, c.blocks[3].Header.StateRoot)
}

func TestVerifyChunkRejects(t *testing.T) {
	src, _ := openMem(t, Options{})
	c := newTestChain(t, 43, 200)
	c.initDB(src)
	c.commitN(src, 2, 5, 200)
	m, chunks := snapshotOf(t, src, 2, ManifestOptions{ChunkTarget: 4 << 10})
	good := chunks[1]
	if _, err := VerifyChunk(m, 1, good); err != nil {
		t.Fatal(err)
	}
	// A manifest that vouches for whatever bytes it is given (its chunk
	// hash and size follow the data): only the bucket digests catch a lie.
	forge := func(data []byte, entries int) *Manifest {
		f := *m
		f.Chunks = append([]ChunkInfo(nil), m.Chunks...)
		f.Chunks[1].Size = uint32(len(data))
		f.Chunks[1].Hash = crypto.Sum256(data)
		if entries >= 0 {
			f.Chunks[1].Entries = uint32(entries)
		}
		return &f
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-1] ^= 1 // the last byte of a value
	if _, err := VerifyChunk(m, 1, flipped); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("flipped byte: %v", err)
	}
	if _, err := VerifyChunk(forge(flipped, -1), 1, flipped); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("flipped byte under a forged chunk hash: %v", err)
	}
	trailing := append(bytes.Clone(good), 0)
	if _, err := VerifyChunk(forge(trailing, -1), 1, trailing); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("trailing byte: %v", err)
	}
	// A chunk of the right buckets that leaves an entry out.
	info := m.Chunks[1]
	var e chunkEncoder
	e.begin(info.Lo, info.Hi)
	dropped := false
	ck, err := VerifyChunk(m, 1, good)
	if err != nil {
		t.Fatal(err)
	}
	bi := 0
	for b := info.Lo; b < info.Hi; b++ {
		for bi < len(ck.entries) && ck.entries[bi].bucket == b {
			if !dropped {
				dropped = true
			} else {
				e.add(ck.entries[bi].key, ck.entries[bi].value)
			}
			bi++
		}
		e.endBucket()
	}
	short := e.buf
	if _, err := VerifyChunk(forge(short, len(ck.entries)-1), 1, short); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("missing entry: %v", err)
	}
	// Another chunk's data.
	if _, err := VerifyChunk(forge(chunks[0], int(m.Chunks[0].Entries)), 1, chunks[0]); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("wrong buckets: %v", err)
	}
	if _, err := VerifyChunk(m, len(m.Chunks), good); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("index out of range: %v", err)
	}
}

func TestManifestBounds(t *testing.T) {
	src, _ := openMem(t, Options{})
	c := newTestChain(t, 44, 50)
	c.initDB(src)
	m, _ := snapshotOf(t, src, 0, ManifestOptions{})
	if len(m.Chunks) != chain.NumBuckets/DefaultChunkBuckets {
		t.Fatalf("a small state makes %d chunks, want %d", len(m.Chunks), chain.NumBuckets/DefaultChunkBuckets)
	}
	enc := m.Encode()
	if _, err := DecodeManifest(enc); err != nil {
		t.Fatal(err)
	}
	chunkAt := func(i int) int { return manifestFixedSize + i*manifestChunkSize }
	for name, mut := range map[string]func(b []byte) []byte{
		"version":   func(b []byte) []byte { b[0] = 2; return b },
		"truncated": func(b []byte) []byte { return b[:len(b)-1] },
		"trailing":  func(b []byte) []byte { return append(b, 0) },
		"no chunks": func(b []byte) []byte {
			binary.BigEndian.PutUint16(b[manifestFixedSize-2:], 0)
			return b[:manifestFixedSize]
		},
		"digest":     func(b []byte) []byte { b[100] ^= 1; return b },
		"state root": func(b []byte) []byte { b[41] ^= 1; return b },
		"huge chunk": func(b []byte) []byte { binary.BigEndian.PutUint32(b[chunkAt(0)+6:], MaxChunkSize+1); return b },
		"many entries": func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[chunkAt(0)+2:], 1<<30)
			return b
		},
		"gap":         func(b []byte) []byte { binary.BigEndian.PutUint16(b[chunkAt(0):], 0); return b },
		"short cover": func(b []byte) []byte { binary.BigEndian.PutUint16(b[chunkAt(len(m.Chunks)-1):], 1000); return b },
		"huge count":  func(b []byte) []byte { binary.BigEndian.PutUint16(b[manifestFixedSize-2:], 0xffff); return b },
	} {
		if _, err := DecodeManifest(mut(bytes.Clone(enc))); !errors.Is(err, ErrBadManifest) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzDecodeManifest(f *testing.F) {
	m := &Manifest{Height: 7, Chunks: []ChunkInfo{{Lo: 0, Hi: 512, Size: 600}, {Lo: 512, Hi: 1024, Entries: 3, Size: 900}}}
	m.StateRoot = types.MerkleRoot(m.Digests[:])
	f.Add(m.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeManifest(b)
		if err != nil {
			return
		}
		if !bytes.Equal(m.Encode(), b) {
			t.Fatal("decode(encode) differs")
		}
	})
}

// benchSnapshot builds a state of n entries of ~100 bytes and its snapshot.
func benchSnapshot(b *testing.B, n int) (*DB, *StateView, *Manifest) {
	db, _ := openMem(b, Options{})
	c := newTestChain(b, 45, 1)
	c.initDB(db)
	rng := rand.New(rand.NewPCG(5, 5))
	var chs []chain.Change
	for i := range n {
		var a types.Address
		binary.BigEndian.PutUint32(a[:], uint32(i%1000))
		key := binary.BigEndian.AppendUint64(make([]byte, 24), uint64(i))
		val := make([]byte, 47)
		for j := range val {
			val[j] = byte(rng.Uint32())
		}
		chs = append(chs, chain.Change{Key: chain.StorageKey(a, key), New: val})
	}
	blk, res := c.build(&c.head().Header, 0, chs)
	if err := db.CommitBlock(blk, res); err != nil {
		b.Fatal(err)
	}
	v, err := db.HeadState()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { v.Close() })
	m, err := v.BuildManifest(context.Background(), ManifestOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return db, v, m
}

// BenchmarkChunk measures the serving side: encoding a 2 MB chunk.
func BenchmarkChunk(b *testing.B) {
	_, v, m := benchSnapshot(b, 200_000)
	var buf []byte
	var err error
	for i := 0; b.Loop(); i++ {
		if buf, err = v.Chunk(buf, m.Chunks[i%len(m.Chunks)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Entries())/float64(len(m.Chunks))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkVerifyChunk measures the joining side's check of a chunk (one
// goroutine): decoding, and the LtHash of every entry.
func BenchmarkVerifyChunk(b *testing.B) {
	_, v, m := benchSnapshot(b, 200_000)
	chunks := make([][]byte, len(m.Chunks))
	for i := range chunks {
		var err error
		if chunks[i], err = v.Chunk(nil, m.Chunks[i]); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if _, err := VerifyChunk(m, i%len(chunks), chunks[i%len(chunks)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Entries())/float64(len(m.Chunks))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
