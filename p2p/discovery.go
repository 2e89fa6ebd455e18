package p2p

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
)

const (
	// Redialling a bootstrap peer: exponential backoff between these, with
	// ±20% jitter. A connection that lasted dialMax restarts the backoff.
	dialMin     = time.Second
	dialMax     = time.Minute
	dialTimeout = 10 * time.Second

	mdnsService = "_noded._udp"
	mdnsDials   = 16 // concurrent dials of peers found by mDNS
)

type bootPeer struct {
	info    peer.AddrInfo
	backoff time.Duration
	next    time.Time // when to dial; zero while connected or dialling
	upSince time.Time // zero while not connected
	dialing bool
}

type dialResult struct {
	peer peer.ID
	err  error
}

// keepBootstrap dials the bootstrap peers at once and redials each with
// exponential backoff whenever it is not connected, until ctx is done.
func (h *Host) keepBootstrap(ctx context.Context, wg *sync.WaitGroup) {
	peers := map[peer.ID]*bootPeer{}
	now := time.Now()
	for _, info := range h.bootstrap {
		if info.ID == h.host.ID() {
			continue
		}
		h.host.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.PermanentAddrTTL)
		peers[info.ID] = &bootPeer{info: info, backoff: dialMin, next: now}
	}
	if len(peers) == 0 {
		return
	}
	sub, err := h.subscribeConns()
	if err != nil {
		h.log.Error("bootstrap", "err", err)
		return
	}
	defer sub.Close()
	events := sub.Out()
	results := make(chan dialResult, len(peers)) // one dial per peer at a time: sends never block
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			c, ok := e.(event.EvtPeerConnectednessChanged)
			b := peers[c.Peer]
			if !ok || b == nil {
				continue
			}
			switch c.Connectedness {
			case network.Connected:
				if b.upSince.IsZero() {
					b.upSince, b.next = time.Now(), time.Time{}
				}
			case network.NotConnected:
				if !b.upSince.IsZero() {
					if time.Since(b.upSince) >= dialMax {
						b.backoff = dialMin
					}
					b.upSince = time.Time{}
					h.log.Info("bootstrap peer dropped", "peer", c.Peer, "redial in", b.backoff)
					b.schedule()
				}
			}
		case r := <-results:
			b := peers[r.peer]
			b.dialing = false
			if r.err != nil {
				h.log.Debug("bootstrap dial failed", "peer", r.peer, "err", r.err, "retry in", b.backoff)
				b.schedule()
			}
		case <-timer.C:
		}

		now := time.Now()
		var wake time.Time
		for id, b := range peers {
			if b.dialing || b.next.IsZero() {
				continue
			}
			if h.host.Network().Connectedness(id) == network.Connected {
				b.next = time.Time{}
				if b.upSince.IsZero() {
					b.upSince = now
				}
				continue
			}
			if !now.Before(b.next) {
				b.dialing, b.next = true, time.Time{}
				info := b.info
				wg.Go(func() {
					dctx, cancel := context.WithTimeout(ctx, dialTimeout)
					defer cancel()
					// This loop keeps its own backoff; the swarm's per-address
					// backoff (5 s plus the square of the failures, in seconds)
					// would otherwise refuse the redial of a peer that has come
					// back, for up to minutes.
					if sw, ok := h.host.Network().(*swarm.Swarm); ok {
						sw.Backoff().Clear(info.ID)
					}
					results <- dialResult{info.ID, h.host.Connect(dctx, info)}
				})
				continue
			}
			if wake.IsZero() || b.next.Before(wake) {
				wake = b.next
			}
		}
		if !wake.IsZero() {
			timer.Reset(time.Until(wake))
		}
	}
}

// schedule sets the next dial after the current backoff, and doubles it.
func (b *bootPeer) schedule() {
	jitter := 0.8 + 0.4*rand.Float64()
	b.next = time.Now().Add(time.Duration(float64(b.backoff) * jitter))
	b.backoff = min(2*b.backoff, dialMax)
}

// mdnsNotifee receives peers found by mDNS, from the mdns package's own
// goroutines (which may outlive Run: sends never block).
type mdnsNotifee chan peer.AddrInfo

func (n mdnsNotifee) HandlePeerFound(info peer.AddrInfo) {
	select {
	case n <- info:
	default:
	}
}

// startMDNS advertises the host on the local network and connects to the
// noded hosts it finds. The returned function stops the service.
func (h *Host) startMDNS(ctx context.Context, wg *sync.WaitGroup) (func(), error) {
	found := make(mdnsNotifee, 64)
	svc := mdns.NewMdnsService(h.host, mdnsService, found)
	if err := svc.Start(); err != nil {
		return nil, err
	}
	wg.Go(func() {
		// Dials run concurrently, at most mdnsDials at once and one per
		// peer: on a shared network, announcements of hosts that cannot be
		// reached (each dial waits for its timeout) must not hold up the
		// ones that can.
		var mu sync.Mutex
		dialing := map[peer.ID]bool{}
		slots := make(chan struct{}, mdnsDials)
		for {
			select {
			case <-ctx.Done():
				return
			case info := <-found:
				if info.ID == h.host.ID() || h.host.Network().Connectedness(info.ID) == network.Connected || h.bans.banned(info.ID) {
					continue
				}
				mu.Lock()
				busy := dialing[info.ID]
				dialing[info.ID] = true
				mu.Unlock()
				if busy {
					continue
				}
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				wg.Go(func() {
					defer func() {
						<-slots
						mu.Lock()
						delete(dialing, info.ID)
						mu.Unlock()
					}()
					dctx, cancel := context.WithTimeout(ctx, dialTimeout)
					err := h.host.Connect(dctx, info)
					cancel()
					h.log.Debug("mdns peer", "peer", info.ID, "err", err)
				})
			}
		}
	})
	return func() { svc.Close() }, nil
}
