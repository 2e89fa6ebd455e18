package p2p

import (
	"github.com/libp2p/go-libp2p/core/peer"
)

// Block disconnects peer p and refuses it, both ways, until Unblock: an
// operator's firewall (and how tests partition a network).
func (h *Host) Block(p PeerID) {
	h.bans.ban(peer.ID(p), blockForever)
	_ = h.host.Network().ClosePeer(peer.ID(p))
}

// Unblock lets a blocked or banned peer connect again.
func (h *Host) Unblock(p PeerID) { h.bans.unban(peer.ID(p)) }

// blockForever is the ban length of Block: longer than any process lives.
const blockForever = 100 * 365 * 24 * 60 * 60 * 1e9

func (b *banList) unban(p peer.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.until, p)
}
