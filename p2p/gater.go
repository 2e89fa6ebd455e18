package p2p

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// banTime is how long a peer disconnected for misbehaviour or for being on
// another chain is refused, in both directions.
const banTime = 10 * time.Minute

// banList is the connection gater: libp2p asks it, from its own
// goroutines, whether a peer may be dialled or accepted.
type banList struct {
	mu    sync.Mutex
	until map[peer.ID]time.Time
}

var _ connmgr.ConnectionGater = (*banList)(nil)

func newBanList() *banList { return &banList{until: map[peer.ID]time.Time{}} }

func (b *banList) ban(p peer.ID, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	for q, t := range b.until { // keep the list small
		if now.After(t) {
			delete(b.until, q)
		}
	}
	b.until[p] = now.Add(d)
}

func (b *banList) banned(p peer.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[p]
	return ok && time.Now().Before(t)
}

func (b *banList) InterceptPeerDial(p peer.ID) bool             { return !b.banned(p) }
func (b *banList) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }
func (b *banList) InterceptAccept(network.ConnMultiaddrs) bool  { return true }
func (b *banList) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return !b.banned(p)
}
func (b *banList) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
