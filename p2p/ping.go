package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	msmux "github.com/multiformats/go-multistream"
)

// pingTimeout bounds one PING exchange.
const pingTimeout = 10 * time.Second

// ErrWrongChain is returned by Ping for a peer on another chain (another
// chain id or genesis hash); such peers are disconnected and refused for a
// while.
var ErrWrongChain = errors.New("p2p: peer is on another chain")

// Ping sends this node's status to peer p and returns the peer's status and
// the round trip time. The answer also updates Peers and is reported to
// Handler.PeerStatus; a peer on another chain is disconnected.
func (h *Host) Ping(ctx context.Context, p PeerID) (Status, time.Duration, error) {
	st, rtt, err := h.ping(ctx, peer.ID(p))
	select {
	case h.pingResults <- pingResult{peer: peer.ID(p), status: st, rtt: rtt, err: err}:
	case <-h.done:
	case <-ctx.Done():
	}
	if err == nil && !h.sameChain(st) {
		err = fmt.Errorf("%w: %q genesis %v", ErrWrongChain, st.ChainID, st.Genesis)
	}
	return st, rtt, err
}

func (h *Host) ping(ctx context.Context, p peer.ID) (Status, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	s, err := h.host.NewStream(ctx, p, h.protoPing)
	if err != nil {
		return Status{}, 0, fmt.Errorf("p2p: ping %s: %w", p, withCtx(ctx, err))
	}
	defer context.AfterFunc(ctx, func() { s.Reset() })()
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	if !h.enter() {
		s.Reset()
		return Status{}, 0, errStopped
	}
	req := encodeStatus(h.handler.Status())
	h.exit()

	start := time.Now()
	if _, err := s.Write(req); err != nil {
		s.Reset()
		return Status{}, 0, fmt.Errorf("p2p: ping %s: %w", p, withCtx(ctx, err))
	}
	st, err := readStatus(s)
	rtt := time.Since(start)
	if err != nil {
		s.Reset()
		return Status{}, 0, fmt.Errorf("p2p: ping %s: %w", p, withCtx(ctx, err))
	}
	s.Close()
	return st, rtt, nil
}

// readStatus reads one encoded status: its header says how long it is.
func readStatus(r io.Reader) (Status, error) {
	var b [maxStatusSize]byte
	if _, err := io.ReadFull(r, b[:2]); err != nil {
		return Status{}, err
	}
	n := 2 + int(b[1]) + 80
	if b[0] != wireVersion || n > maxStatusSize {
		return Status{}, malformed("status header %d %d", b[0], b[1])
	}
	if _, err := io.ReadFull(r, b[2:n]); err != nil {
		return Status{}, err
	}
	return decodeStatus(b[:n])
}

// servePing answers a PING with this node's status and reports the status
// that came with it.
func (h *Host) servePing(s network.Stream) {
	defer s.Close()
	s.SetDeadline(time.Now().Add(pingTimeout))
	theirs, err := readStatus(s)
	if err != nil {
		s.Reset()
		return
	}
	if !h.enter() {
		s.Reset()
		return
	}
	ours := h.handler.Status()
	h.exit()
	if _, err := s.Write(encodeStatus(ours)); err != nil {
		s.Reset()
		return
	}
	select {
	case h.inboundStatus <- pingResult{peer: s.Conn().RemotePeer(), status: theirs}:
	case <-h.done:
	default: // the manager is swamped; the peer pings again soon
	}
}

// notOurProtocol reports whether err says the peer does not speak the
// protocol: a peer on another chain id, or not a noded node at all.
func notOurProtocol(err error) bool {
	return errors.Is(err, msmux.ErrNotSupported[protocol.ID]{})
}

func (h *Host) sameChain(st Status) bool {
	return st.ChainID == h.cfg.ChainID && st.Genesis == h.cfg.GenesisHash
}
