package p2p

import (
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/noded/noded/types"
)

// Handler is what the node gives the network: its status, the cheap checks
// of gossiped blocks and transactions, somewhere to put what passed them,
// and the blocks it serves to peers that sync from it.
//
// Methods are called from many goroutines at once and must be safe for
// concurrent use. None may block for long: CheckBlock and CheckTxs hold up
// gossip (cheap checks only; execution belongs after HandleBlock), and
// HandleBlock, HandleTxs and PeerStatus are called from single reader
// goroutines, so a slow one makes pubsub drop messages. Queue work and
// return. No method is called after Run has returned.
type Handler interface {
	// Status is the node's current status. It is sent with every PING and
	// read by the re-announcer, so it must be cheap.
	Status() Status

	// CheckBlock runs the cheap checks on a gossiped block (decode, size,
	// proposer signature, seen-cache, height not too old and not too far
	// ahead of the head): Accept to deliver and forward it, Reject if it
	// is provably invalid (malformed, bad signature: the sender is
	// penalised), Ignore if it is a duplicate, stale or from the future
	// (no penalty). It is not called for blocks this host publishes.
	CheckBlock(from PeerID, block []byte) Verdict
	// HandleBlock receives a block that CheckBlock accepted. The slice is
	// the node's to keep and must not be modified.
	HandleBlock(from PeerID, block []byte)

	// CheckTxs runs the cheap checks on one gossiped batch of encoded
	// transactions: Reject if any is provably invalid by itself
	// (malformed, bad signature, another chain), Accept if any is new to
	// the node, Ignore if all are known or cannot be judged now.
	CheckTxs(from PeerID, txs [][]byte) Verdict
	// HandleTxs receives a batch that CheckTxs accepted. The slices alias
	// the gossiped message; keep them, but do not modify them.
	HandleTxs(from PeerID, txs [][]byte)

	// Blocks returns the encoded blocks at heights from..to (inclusive) that
	// the node has, in order and starting at from: a prefix of the range,
	// empty if it has not got from. The host never asks for more than
	// MaxSyncBlocks and trims the answer to MaxSyncBytes.
	Blocks(from, to uint64) ([][]byte, error)

	// PeerStatus reports a peer's status learnt by PING (a peer's answer,
	// or the status a peer sent with its own PING). The node uses it to
	// decide whether to sync and from whom (see Host.BestPeers). Peers on
	// another chain are disconnected before their status gets here.
	PeerStatus(from PeerID, st Status)
}

// Verdict is the result of a cheap check, as in go-libp2p-pubsub's
// validation: Accept, Reject (penalise the sender) or Ignore (drop, no
// penalty).
type Verdict int

// Verdicts.
const (
	// Accept delivers the message to the node and forwards it.
	Accept Verdict = iota
	// Reject drops a provably invalid message and lowers the score of the
	// peer that sent it; a peer that keeps sending them is disconnected.
	Reject
	// Ignore drops a message that is not worth forwarding (a duplicate,
	// stale, from the future) without penalty.
	Ignore
)

func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	case Ignore:
		return "ignore"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// Status is what a node says about itself in a PING: the chain it is on and
// how far it has got.
type Status struct {
	ChainID   string
	Genesis   types.Hash
	Height    uint64 // head height
	Head      types.Hash
	Finalized uint64 // finalized height
}

// PeerID identifies a peer: a libp2p peer id in its binary form, so the node
// can use it as a map key without importing libp2p. String gives the usual
// base58 form ("12D3KooW...").
type PeerID string

// String returns the peer id in base58.
func (p PeerID) String() string { return peer.ID(p).String() }

// MarshalText encodes the peer id in base58.
func (p PeerID) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes a base58 (or CID) peer id.
func (p *PeerID) UnmarshalText(b []byte) error {
	id, err := ParsePeerID(string(b))
	if err != nil {
		return err
	}
	*p = id
	return nil
}

// ParsePeerID decodes a peer id written as base58 or as a CID.
func ParsePeerID(s string) (PeerID, error) {
	id, err := peer.Decode(s)
	if err != nil {
		return "", fmt.Errorf("p2p: peer id %q: %w", s, err)
	}
	return PeerID(id), nil
}

// PeerInfo describes a connected peer.
type PeerInfo struct {
	ID PeerID
	// Addr is the remote address of the connection to the peer.
	Addr string
	// Outbound reports whether this host dialled the peer.
	Outbound bool
	// Latency is the smoothed PING round trip; 0 before the first answer.
	Latency time.Duration
	// Status is the peer's last status and StatusAt when it was learnt;
	// both zero before the first PING in either direction.
	Status   Status
	StatusAt time.Time
	// Score is the peer's gossipsub score (updated every second).
	Score float64
}
