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

	"github.com/noded/noded/types"
)

// Bounds of the block range protocol. A response holds at most
// MaxSyncBlocks blocks and MaxSyncBytes bytes of them, except that its first
// block may be as large as a block can be (types.MaxBlockSize), so a range
// always makes progress.
const (
	MaxSyncBlocks = 64
	MaxSyncBytes  = 8 << 20

	// syncTimeout bounds a whole block range exchange on either side.
	syncTimeout = 30 * time.Second
	// maxSyncServes bounds the block range requests served at once.
	maxSyncServes = 8
)

// Errors of RequestBlocks.
var (
	// ErrBadRange is returned for a range with from > to, and matches a
	// peer's refusal of a range (RemoteError).
	ErrBadRange = errors.New("p2p: bad block range")
)

// RemoteError is an error a peer reported in answer to a request.
type RemoteError struct {
	BadRequest bool // the peer refused the request itself
	Message    string
}

func (e *RemoteError) Error() string { return "p2p: peer answered: " + e.Message }

// Is makes a refused request match ErrBadRange.
func (e *RemoteError) Is(target error) bool { return e.BadRequest && target == ErrBadRange }

// RequestBlocks asks peer p for the blocks at heights from..to. A range
// longer than MaxSyncBlocks is shortened. The answer is the peer's blocks in
// order starting at from: possibly fewer than asked (up to the peer's head,
// or up to MaxSyncBytes), empty if the peer has not got from. The blocks are
// not checked here beyond their size: the node validates them and may
// Penalize a peer that served invalid ones.
func (h *Host) RequestBlocks(ctx context.Context, p PeerID, from, to uint64) ([][]byte, error) {
	if from > to {
		return nil, fmt.Errorf("%w: %d > %d", ErrBadRange, from, to)
	}
	if to-from >= MaxSyncBlocks {
		to = from + MaxSyncBlocks - 1
	}
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	s, err := h.host.NewStream(ctx, peer.ID(p), h.protoBlocks)
	if err != nil {
		return nil, fmt.Errorf("p2p: block request to %s: %w", p, withCtx(ctx, err))
	}
	defer context.AfterFunc(ctx, func() { s.Reset() })()
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	h.metrics.syncRequests.Add(1)
	blocks, err := readBlocksResponse(s, from, to, encodeRangeRequest(from, to))
	if err != nil {
		s.Reset()
		return nil, fmt.Errorf("p2p: block request to %s: %w", p, withCtx(ctx, err))
	}
	s.Close()
	return blocks, nil
}

func readBlocksResponse(s io.ReadWriter, from, to uint64, req []byte) ([][]byte, error) {
	if _, err := s.Write(req); err != nil {
		return nil, err
	}
	r := bufio.NewReader(s)
	code, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	if code != codeOK {
		var n [2]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, err
		}
		l := int(binary.BigEndian.Uint16(n[:]))
		if l > maxErrorMessage {
			return nil, malformed("error message of %d bytes", l)
		}
		msg := make([]byte, l)
		if _, err := io.ReadFull(r, msg); err != nil {
			return nil, err
		}
		return nil, &RemoteError{BadRequest: code == codeBadRequest, Message: string(msg)}
	}
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	count := binary.BigEndian.Uint32(n[:])
	if count > 0 && uint64(count)-1 > to-from {
		return nil, malformed("%d blocks for a range of %d", count, to-from+1)
	}
	blocks := make([][]byte, 0, count)
	total := 0
	for i := range count {
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, err
		}
		l := int(binary.BigEndian.Uint32(n[:]))
		if l > types.MaxBlockSize || (i > 0 && total+l > MaxSyncBytes) {
			return nil, malformed("block %d of %d bytes after %d bytes", i, l, total)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		total += l
		blocks = append(blocks, b)
	}
	// The peer closes the stream after its answer: anything more is wrong.
	if _, err := r.ReadByte(); err != io.EOF {
		if err == nil {
			return nil, malformed("trailing bytes after %d blocks", count)
		}
		return nil, err
	}
	return blocks, nil
}

// withCtx adds ctx's error to err, which a libp2p call may have reported
// as a reset stream or a deadline when ctx was done.
func withCtx(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// serveBlocks answers one block range request.
func (h *Host) serveBlocks(s network.Stream) {
	defer s.Close()
	s.SetDeadline(time.Now().Add(syncTimeout))
	var req [syncRequestSize]byte
	if _, err := io.ReadFull(s, req[:]); err != nil {
		s.Reset()
		return
	}
	from, to, _ := decodeRangeRequest(req[:])
	if from > to || to-from >= MaxSyncBlocks {
		writeError(s, codeBadRequest, fmt.Sprintf("range %d..%d: want from <= to and at most %d blocks", from, to, MaxSyncBlocks))
		return
	}
	select {
	case h.syncServes <- struct{}{}:
		defer func() { <-h.syncServes }()
	default:
		writeError(s, codeError, "busy")
		return
	}
	if !h.enter() {
		s.Reset()
		return
	}
	blocks, err := h.handler.Blocks(from, to)
	h.exit()
	if err != nil && len(blocks) == 0 {
		writeError(s, codeError, err.Error())
		return
	}
	// With blocks and an error, the blocks before the error are served.
	blocks = trimBlocks(blocks, to-from+1)
	h.metrics.syncServed.Add(1)

	w := bufio.NewWriterSize(s, 64<<10)
	w.WriteByte(codeOK)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(blocks)))
	w.Write(n[:])
	for _, b := range blocks {
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		w.Write(n[:])
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		s.Reset()
	}
}

// trimBlocks applies the response bounds to what the handler returned.
func trimBlocks(blocks [][]byte, want uint64) [][]byte {
	if uint64(len(blocks)) > want {
		blocks = blocks[:want]
	}
	total := 0
	for i, b := range blocks {
		if len(b) > types.MaxBlockSize || (i > 0 && total+len(b) > MaxSyncBytes) {
			return blocks[:i]
		}
		total += len(b)
	}
	return blocks
}

func writeError(s network.Stream, code byte, msg string) {
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage]
	}
	b := []byte{code, byte(len(msg) >> 8), byte(len(msg))}
	if _, err := s.Write(append(b, msg...)); err != nil {
		s.Reset()
	}
}
