package p2p

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/noded/noded/types"
)

// SnapshotHandler is what a node that serves state snapshots gives the
// network, in addition to its Handler: a Handler that also implements
// SnapshotHandler makes the host answer the snapshot protocol. The host
// moves bytes; what a manifest or chunk means, and how it is verified, is
// the node's business. Methods are called from many goroutines at once.
type SnapshotHandler interface {
	// Snapshots lists the snapshots the node serves, newest first; the
	// host sends at most MaxSnapshotOffers.
	Snapshots() []SnapshotOffer
	// SnapshotManifest returns the encoded manifest of the snapshot at
	// height whose manifest hash is manifest, or an error (for example
	// ErrSnapshotUnavailable) if the node no longer serves it.
	SnapshotManifest(height uint64, manifest types.Hash) ([]byte, error)
	// SnapshotChunk returns chunk index of that snapshot.
	SnapshotChunk(height uint64, manifest types.Hash, index int) ([]byte, error)
}

// SnapshotOffer describes a snapshot a peer serves.
type SnapshotOffer struct {
	Height   uint64
	Block    types.Hash // the block whose state it is
	Manifest types.Hash // the hash of its manifest, which names it
	Chunks   int
	Size     uint64 // bytes of all its chunks
}

// Bounds of the snapshot protocol.
const (
	// MaxSnapshotOffers bounds the snapshots a peer lists.
	MaxSnapshotOffers = 16
	// MaxSnapshotManifestSize bounds an encoded manifest.
	MaxSnapshotManifestSize = 256 << 10
	// MaxSnapshotChunkSize bounds a chunk; a client reads no more than the
	// size the chunk's manifest gives.
	MaxSnapshotChunkSize = 32 << 20
	// MaxSnapshotChunks bounds the chunks of one snapshot.
	MaxSnapshotChunks = 1 << 16

	// snapListTimeout bounds a list or manifest exchange, snapChunkTimeout
	// a chunk exchange, on either side.
	snapListTimeout  = 10 * time.Second
	snapChunkTimeout = time.Minute
	// maxSnapServes bounds the snapshot requests served at once.
	maxSnapServes = 8
)

// ErrSnapshotUnavailable is what a SnapshotHandler returns for a snapshot
// it does not serve (any more).
var ErrSnapshotUnavailable = errors.New("p2p: snapshot not available")

// snapServer is the host's side of the snapshot protocol.
type snapServer struct {
	h      SnapshotHandler
	serves chan struct{} // semaphore
}

// Request kinds.
const (
	snapList     = 1
	snapManifest = 2
	snapChunk    = 3

	snapListRequestSize     = 1
	snapManifestRequestSize = 1 + 8 + 32
	snapChunkRequestSize    = 1 + 8 + 32 + 4
	snapOfferSize           = 8 + 32 + 32 + 4 + 8
)

// snapshotProtocol returns the protocol id for the chain.
func snapshotProtocol(chainID string) protocol.ID {
	return protocol.ID("/noded/" + chainID + "/snap/1")
}

// startSnapshots makes the host serve the snapshot protocol if handler
// serves snapshots.
func (h *Host) startSnapshots(handler Handler) {
	h.protoSnap = snapshotProtocol(h.cfg.ChainID)
	sh, ok := handler.(SnapshotHandler)
	if !ok {
		return
	}
	h.snap = &snapServer{h: sh, serves: make(chan struct{}, maxSnapServes)}
	h.host.SetStreamHandler(h.protoSnap, h.serveSnapshot)
}

// SnapshotOffers asks peer p which snapshots it serves. A peer that does
// not serve snapshots answers with an error (the protocol is not
// supported).
func (h *Host) SnapshotOffers(ctx context.Context, p PeerID) ([]SnapshotOffer, error) {
	var offers []SnapshotOffer
	err := h.snapRequest(ctx, p, snapListTimeout, []byte{snapList}, func(r *bufio.Reader) error {
		n, err := r.ReadByte()
		if err != nil {
			return err
		}
		if n > MaxSnapshotOffers {
			return malformed("%d snapshot offers", n)
		}
		var b [snapOfferSize]byte
		for range n {
			if _, err := io.ReadFull(r, b[:]); err != nil {
				return err
			}
			o := SnapshotOffer{Height: binary.BigEndian.Uint64(b[:])}
			copy(o.Block[:], b[8:])
			copy(o.Manifest[:], b[40:])
			o.Chunks = int(binary.BigEndian.Uint32(b[72:]))
			o.Size = binary.BigEndian.Uint64(b[76:])
			if o.Chunks < 1 || o.Chunks > MaxSnapshotChunks || o.Size > uint64(o.Chunks)*MaxSnapshotChunkSize {
				return malformed("snapshot offer of %d chunks and %d bytes", o.Chunks, o.Size)
			}
			offers = append(offers, o)
		}
		return nil
	})
	return offers, err
}

// SnapshotManifest fetches the encoded manifest of peer p's snapshot at
// height with manifest hash manifest. It is not checked here: the node
// verifies it and may Penalize a peer that lied.
func (h *Host) SnapshotManifest(ctx context.Context, p PeerID, height uint64, manifest types.Hash) ([]byte, error) {
	req := binary.BigEndian.AppendUint64([]byte{snapManifest}, height)
	req = append(req, manifest[:]...)
	var out []byte
	err := h.snapRequest(ctx, p, snapListTimeout, req, func(r *bufio.Reader) error {
		var err error
		out, err = readSized(r, MaxSnapshotManifestSize)
		return err
	})
	return out, err
}

// SnapshotChunk fetches chunk index of peer p's snapshot; size is the
// chunk's size in its manifest, and an answer of another size is refused
// without reading it (ErrMalformed).
func (h *Host) SnapshotChunk(ctx context.Context, p PeerID, height uint64, manifest types.Hash, index, size int) ([]byte, error) {
	if size < 0 || size > MaxSnapshotChunkSize || index < 0 || index >= MaxSnapshotChunks {
		return nil, fmt.Errorf("p2p: chunk %d of %d bytes is out of bounds", index, size)
	}
	req := binary.BigEndian.AppendUint64([]byte{snapChunk}, height)
	req = append(req, manifest[:]...)
	req = binary.BigEndian.AppendUint32(req, uint32(index))
	var out []byte
	err := h.snapRequest(ctx, p, snapChunkTimeout, req, func(r *bufio.Reader) error {
		var n [4]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return err
		}
		if l := binary.BigEndian.Uint32(n[:]); l != uint32(size) {
			return malformed("chunk %d of %d bytes, its manifest says %d", index, l, size)
		}
		out = make([]byte, size)
		_, err := io.ReadFull(r, out)
		return err
	})
	return out, err
}

// snapRequest sends req to p and reads an OK answer with read, or the
// peer's error as a RemoteError. The stream must end after the answer.
func (h *Host) snapRequest(ctx context.Context, p PeerID, timeout time.Duration, req []byte, read func(*bufio.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s, err := h.host.NewStream(ctx, peer.ID(p), h.protoSnap)
	if err != nil {
		return fmt.Errorf("p2p: snapshot request to %s: %w", p, withCtx(ctx, err))
	}
	defer context.AfterFunc(ctx, func() { s.Reset() })()
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	err = func() error {
		if _, err := s.Write(req); err != nil {
			return err
		}
		if err := s.CloseWrite(); err != nil {
			return err
		}
		r := bufio.NewReaderSize(s, 64<<10)
		if err := readCode(r); err != nil {
			return err
		}
		if err := read(r); err != nil {
			return err
		}
		if _, err := r.ReadByte(); err != io.EOF {
			if err == nil {
				return malformed("trailing bytes after a snapshot answer")
			}
			return err
		}
		return nil
	}()
	if err != nil {
		s.Reset()
		return fmt.Errorf("p2p: snapshot request to %s: %w", p, withCtx(ctx, err))
	}
	s.Close()
	return nil
}

// readCode reads an answer's code, and the message of an error answer.
func readCode(r *bufio.Reader) error {
	code, err := r.ReadByte()
	if err != nil {
		return err
	}
	if code == codeOK {
		return nil
	}
	var n [2]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return err
	}
	l := int(binary.BigEndian.Uint16(n[:]))
	if l > maxErrorMessage {
		return malformed("error message of %d bytes", l)
	}
	msg := make([]byte, l)
	if _, err := io.ReadFull(r, msg); err != nil {
		return err
	}
	return &RemoteError{BadRequest: code == codeBadRequest, Message: string(msg)}
}

// readSized reads a u32 length and that many bytes, at most limit.
func readSized(r *bufio.Reader, limit int) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	l := binary.BigEndian.Uint32(n[:])
	if uint64(l) > uint64(limit) {
		return nil, malformed("answer of %d bytes, limit %d", l, limit)
	}
	b := make([]byte, l)
	_, err := io.ReadFull(r, b)
	return b, err
}

// serveSnapshot answers one snapshot request.
func (h *Host) serveSnapshot(s network.Stream) {
	defer s.Close()
	s.SetDeadline(time.Now().Add(snapListTimeout))
	var req [snapChunkRequestSize]byte
	if _, err := io.ReadFull(s, req[:1]); err != nil {
		s.Reset()
		return
	}
	size := 0
	switch req[0] {
	case snapList:
		size = snapListRequestSize
	case snapManifest:
		size = snapManifestRequestSize
	case snapChunk:
		size = snapChunkRequestSize
	default:
		writeError(s, codeBadRequest, fmt.Sprintf("unknown snapshot request %d", req[0]))
		return
	}
	if _, err := io.ReadFull(s, req[1:size]); err != nil {
		s.Reset()
		return
	}
	height := binary.BigEndian.Uint64(req[1:])
	var manifest types.Hash
	copy(manifest[:], req[9:])
	select {
	case h.snap.serves <- struct{}{}:
		defer func() { <-h.snap.serves }()
	default:
		writeError(s, codeError, "busy")
		return
	}
	if !h.enter() {
		s.Reset()
		return
	}
	var (
		body []byte
		err  error
	)
	switch req[0] {
	case snapList:
		body = encodeOffers(h.snap.h.Snapshots())
	case snapManifest:
		body, err = h.snap.h.SnapshotManifest(height, manifest)
		if err == nil && len(body) > MaxSnapshotManifestSize {
			err = fmt.Errorf("manifest of %d bytes over the limit", len(body))
		}
	case snapChunk:
		s.SetDeadline(time.Now().Add(snapChunkTimeout))
		body, err = h.snap.h.SnapshotChunk(height, manifest, int(binary.BigEndian.Uint32(req[41:])))
		if err == nil && len(body) > MaxSnapshotChunkSize {
			err = fmt.Errorf("chunk of %d bytes over the limit", len(body))
		}
	}
	h.exit()
	if err != nil {
		writeError(s, codeError, err.Error())
		return
	}
	w := bufio.NewWriterSize(s, 64<<10)
	w.WriteByte(codeOK)
	if req[0] != snapList {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(body)))
		w.Write(n[:])
	}
	w.Write(body)
	if err := w.Flush(); err != nil {
		s.Reset()
	}
}

// encodeOffers encodes a list answer: a count and the offers.
func encodeOffers(offers []SnapshotOffer) []byte {
	if len(offers) > MaxSnapshotOffers {
		offers = offers[:MaxSnapshotOffers]
	}
	b := make([]byte, 0, 1+len(offers)*snapOfferSize)
	b = append(b, byte(len(offers)))
	for _, o := range offers {
		b = binary.BigEndian.AppendUint64(b, o.Height)
		b = append(b, o.Block[:]...)
		b = append(b, o.Manifest[:]...)
		b = binary.BigEndian.AppendUint32(b, uint32(o.Chunks))
		b = binary.BigEndian.AppendUint64(b, o.Size)
	}
	return b
}
