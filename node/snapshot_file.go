package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// Snapshot files: a snapshot moved by hand (noded snapshot export and
// import). Both open the node's home directly, so the node must be stopped:
// a running node holds its database's lock, and exporting through the node
// would mean streaming hundreds of megabytes over JSON-RPC. An import is
// verified exactly as a snapshot from peers is (the signed block, the
// manifest's digests against its state root, every chunk against its
// buckets) and written with the same restore, which resumes if it is run
// again after a crash.
//
// Format (version 1), integers big-endian:
//
//	"noded-snapshot\x00" version u8 (1) | chain id length u8 | chain id | genesis hash [32] |
//	manifest length u32 | manifest | block length u32 | block |
//	for each chunk of the manifest, in order: length u32 | chunk

var snapshotFileMagic = []byte("noded-snapshot\x00\x01")

// SnapshotFileInfo describes an exported or imported snapshot.
type SnapshotFileInfo struct {
	Height    uint64
	BlockHash types.Hash
	StateRoot types.Hash
	Chunks    int
	Entries   uint64
	Bytes     uint64 // of the chunks
}

func fileInfo(m *store.Manifest) *SnapshotFileInfo {
	return &SnapshotFileInfo{Height: m.Height, BlockHash: m.BlockHash, StateRoot: m.StateRoot, Chunks: len(m.Chunks),
		Entries: m.Entries(), Bytes: m.Size()}
}

// openHomeDB opens the database of a stopped node's home.
func openHomeDB(home string) (*store.DB, error) {
	cfg := Config{Home: home}
	db, err := store.Open(cfg.dataDir(), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if errors.Is(err, syscall.EAGAIN) {
		return nil, fmt.Errorf("the database in %s is in use: stop the node first (snapshot export and import work on a stopped node's home)", home)
	}
	return db, err
}

// ExportSnapshot writes the snapshot of the state after the canonical
// block at height (the head if height is 0) of the stopped node in home to
// w. The state must still be readable: the head, or a block among the last
// ones whose undo records the store keeps (store.DefaultKeepUndo).
func ExportSnapshot(ctx context.Context, home string, height uint64, w io.Writer) (*SnapshotFileInfo, error) {
	db, err := openHomeDB(home)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if ok, err := db.Initialized(); err != nil || !ok {
		return nil, fmt.Errorf("%s holds no chain: %w", home, errors.Join(err, store.ErrNotInitialized))
	}
	if st, ok := db.Restoring(); ok {
		return nil, fmt.Errorf("%s holds a half-restored snapshot of block %d: run the node (or the import) to finish it first", home, st.Height)
	}
	head, err := db.Head()
	if err != nil {
		return nil, err
	}
	if height == 0 {
		height = head.Height
	}
	v, err := db.StateAt(height)
	if errors.Is(err, store.ErrStateUnavailable) {
		return nil, fmt.Errorf("the state at block %d is no longer kept (the head is %d): %w", height, head.Height, err)
	}
	if err != nil {
		return nil, err
	}
	defer v.Close()
	m, err := v.BuildManifest(ctx, store.ManifestOptions{})
	if err != nil {
		return nil, err
	}
	blk, err := db.BlockByHeight(height)
	if err != nil {
		return nil, err
	}
	gj, err := db.GenesisJSON()
	if err != nil {
		return nil, err
	}
	g, err := chain.ParseGenesis(gj)
	if err != nil {
		return nil, err
	}
	gh, err := db.GenesisHash()
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.Write(snapshotFileMagic)
	bw.WriteByte(byte(len(g.ChainID)))
	bw.WriteString(g.ChainID)
	bw.Write(gh[:])
	writeSized(bw, m.Encode())
	writeSized(bw, blk.Encode())
	var buf []byte
	for _, info := range m.Chunks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if buf, err = v.Chunk(buf, info); err != nil {
			return nil, err
		}
		if err := writeSized(bw, buf); err != nil {
			return nil, err
		}
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return fileInfo(m), nil
}

func writeSized(w *bufio.Writer, b []byte) error {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	w.Write(n[:])
	_, err := w.Write(b)
	return err
}

func readSized(r io.Reader, limit int, what string) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, fmt.Errorf("snapshot file: %s: %w", what, unexpected(err))
	}
	l := binary.BigEndian.Uint32(n[:])
	if uint64(l) > uint64(limit) {
		return nil, fmt.Errorf("snapshot file: %s of %d bytes, at most %d", what, l, limit)
	}
	b := make([]byte, l)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("snapshot file: %s: %w", what, unexpected(err))
	}
	return b, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ImportSnapshot restores the snapshot file r into the stopped node's home,
// which must hold no blocks beyond the genesis (a new home, as noded devnet
// add makes; its chain is initialised from its genesis.json if need be).
// The file is verified as a snapshot from peers is; nothing unverified is
// written. An import cut short (a crash) is resumed by importing the same
// file again, or by running the node, which resumes or restarts the
// restore from peers.
func ImportSnapshot(ctx context.Context, home string, r io.Reader) (*SnapshotFileInfo, error) {
	db, err := openHomeDB(home)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	g, gblk, err := homeGenesis(home, db)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, 1<<20)
	magic := make([]byte, len(snapshotFileMagic))
	if _, err := io.ReadFull(br, magic); err != nil || !bytes.Equal(magic, snapshotFileMagic) {
		return nil, errors.New("not a noded snapshot file (version 1)")
	}
	idLen, err := br.ReadByte()
	if err != nil {
		return nil, fmt.Errorf("snapshot file: %w", unexpected(err))
	}
	id := make([]byte, int(idLen)+32)
	if _, err := io.ReadFull(br, id); err != nil {
		return nil, fmt.Errorf("snapshot file: %w", unexpected(err))
	}
	if string(id[:idLen]) != g.ChainID || types.Hash(id[idLen:]) != gblk.Hash() {
		return nil, fmt.Errorf("the snapshot is of chain %q genesis %s; this home is %q genesis %s",
			id[:idLen], types.Hash(id[idLen:]), g.ChainID, gblk.Hash())
	}
	raw, err := readSized(br, store.MaxManifestSize, "manifest")
	if err != nil {
		return nil, err
	}
	m, err := store.DecodeManifest(raw)
	if err != nil {
		return nil, fmt.Errorf("snapshot file: %w", err)
	}
	raw, err = readSized(br, types.MaxBlockSize, "block")
	if err != nil {
		return nil, err
	}
	blk, err := types.DecodeBlock(raw)
	if err != nil {
		return nil, fmt.Errorf("snapshot file: %w", err)
	}
	cfg := g.Config()
	if err := checkSnapshotBlock(&cfg, m, blk); err != nil {
		return nil, fmt.Errorf("snapshot file: %w", err)
	}
	done, err := db.BeginRestore(m)
	if errors.Is(err, store.ErrNotFresh) {
		head, _ := db.Head()
		return nil, fmt.Errorf("%s has blocks up to %d: import a snapshot into a new home (noded devnet add makes one): %w", home, head.Height, err)
	}
	if err != nil {
		return nil, err
	}
	for i, info := range m.Chunks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := readSized(br, int(info.Size), fmt.Sprintf("chunk %d", i))
		if err != nil {
			return nil, err
		}
		if done[i] {
			continue
		}
		c, err := store.VerifyChunk(m, i, data)
		if err != nil {
			return nil, fmt.Errorf("snapshot file: %w", err)
		}
		if err := db.RestoreChunk(m, c); err != nil {
			return nil, err
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, errors.New("snapshot file: trailing bytes after the last chunk")
	}
	if err := db.FinishRestore(blk); err != nil {
		return nil, err
	}
	return fileInfo(m), nil
}

// homeGenesis returns the genesis of home, initialising its database from
// genesis.json if it is new.
func homeGenesis(home string, db *store.DB) (*chain.Genesis, *types.Block, error) {
	gj, err := db.GenesisJSON()
	if errors.Is(err, store.ErrNotInitialized) {
		cfg := Config{Home: home}
		if gj, err = os.ReadFile(cfg.genesisFile()); err != nil {
			return nil, nil, fmt.Errorf("genesis: %w (the home needs the genesis.json of its network)", err)
		}
		g, err := chain.ParseGenesis(gj)
		if err != nil {
			return nil, nil, err
		}
		blk, res, err := g.Block()
		if err != nil {
			return nil, nil, err
		}
		if err := db.InitGenesis(gj, blk, res); err != nil {
			return nil, nil, err
		}
		return g, blk, nil
	}
	if err != nil {
		return nil, nil, err
	}
	g, err := chain.ParseGenesis(gj)
	if err != nil {
		return nil, nil, err
	}
	blk, _, err := g.Block()
	return g, blk, err
}
