package p2p

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

const (
	// maxStrikes penalties (Penalize, oversized messages) within banTime
	// get a peer disconnected and refused.
	maxStrikes = 3
	// maxPingFailures consecutive failed PINGs get a peer disconnected.
	maxPingFailures = 3
	// rttWeight is the weight of a new sample in the smoothed latency.
	rttWeight = 0.3

	// Re-announcing the head block: backoff bounds, and how long after the
	// head changed a peer's status must be taken to count as behind.
	announceMin   = time.Second
	announceMax   = time.Minute
	announceGrace = time.Second
	// announceSoon is the delay after a peer joins an empty BLOCK topic.
	announceSoon = 100 * time.Millisecond
)

type pingResult struct {
	peer   peer.ID
	status Status
	rtt    time.Duration
	err    error
}

type penalty struct {
	peer   peer.ID
	reason string
	topic  string
	strike bool
}

type peerState struct {
	info      PeerInfo
	pinging   bool
	pingFails int
}

type strikes struct {
	n    int
	last time.Time
}

// manager is the goroutine that owns the peer table: it pings peers, keeps
// their status, latency and score, disconnects peers that misbehave or are
// on another chain, and re-announces the head block. Others talk to it
// through the Host's channels and read the table through Host.peers.
type manager struct {
	h       *Host
	wg      *sync.WaitGroup // ping and disconnect goroutines
	peers   map[peer.ID]*peerState
	strikes map[peer.ID]strikes
	dirty   bool // the table changed since Host.peers was last stored

	// Head as last seen in Handler.Status, when it changed, and whether
	// the BLOCK topic had no peers then (the block may have reached no one).
	head       Status
	headAt     time.Time
	headUnsent bool
	annDelay   time.Duration
	annTimer   *time.Timer
	annArmed   bool
	annAt      time.Time // last re-announce
}

func newManager(h *Host, wg *sync.WaitGroup) *manager {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &manager{
		h:        h,
		wg:       wg,
		peers:    map[peer.ID]*peerState{},
		strikes:  map[peer.ID]strikes{},
		annDelay: announceMin,
		annTimer: t,
	}
}

func (m *manager) run(ctx context.Context, events <-chan any) {
	h := m.h
	tick := time.NewTicker(h.cfg.PingInterval)
	defer tick.Stop()
	defer m.annTimer.Stop()
	m.refreshHead()
	for _, p := range h.host.Network().Peers() {
		m.connected(ctx, p)
	}
	m.publish()
	for {
		var annFired <-chan time.Time
		if m.annArmed {
			annFired = m.annTimer.C
		}
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			if e, ok := e.(event.EvtPeerConnectednessChanged); ok {
				if e.Connectedness == network.Connected {
					m.connected(ctx, e.Peer)
				} else if e.Connectedness == network.NotConnected {
					m.disconnected(e.Peer)
				}
			}
		case r := <-h.pingResults:
			m.onPing(ctx, r)
		case r := <-h.inboundStatus:
			m.onStatus(r.peer, r.status)
		case s := <-h.scores:
			m.onScores(s)
		case p := <-h.penalties:
			m.onPenalty(p)
		case <-h.kick:
			m.refreshHead()
			if m.headUnsent && m.topicPeers() > 0 {
				m.arm(announceSoon) // a peer joined the empty topic
			}
			m.checkAnnounce()
		case <-tick.C:
			m.refreshHead()
			for p := range m.peers {
				m.ping(ctx, p)
			}
			m.checkAnnounce()
		case <-annFired:
			m.annArmed = false
			m.announce(ctx)
		}
		if m.dirty {
			m.publish()
		}
	}
}

// publish stores a copy of the table for Host.Peers.
func (m *manager) publish() {
	out := make([]PeerInfo, 0, len(m.peers))
	for _, p := range m.peers {
		out = append(out, p.info)
	}
	slices.SortFunc(out, func(a, b PeerInfo) int { return strings.Compare(string(a.ID), string(b.ID)) })
	m.h.peers.Store(&out)
	m.dirty = false
}

func (m *manager) connected(ctx context.Context, p peer.ID) {
	if _, ok := m.peers[p]; ok || m.h.bans.banned(p) {
		return // a banned peer's connection is being closed
	}
	st := &peerState{info: PeerInfo{ID: PeerID(p)}}
	if conns := m.h.host.Network().ConnsToPeer(p); len(conns) > 0 {
		st.info.Addr = conns[0].RemoteMultiaddr().String()
		st.info.Outbound = conns[0].Stat().Direction == network.DirOutbound
	}
	m.peers[p] = st
	m.dirty = true
	m.h.log.Debug("peer connected", "peer", p, "addr", st.info.Addr)
	m.ping(ctx, p)
}

func (m *manager) disconnected(p peer.ID) {
	if _, ok := m.peers[p]; !ok {
		return
	}
	delete(m.peers, p)
	m.dirty = true
	m.h.log.Debug("peer disconnected", "peer", p)
}

// ping starts a PING to p unless one is under way.
func (m *manager) ping(ctx context.Context, p peer.ID) {
	st := m.peers[p]
	if st == nil || st.pinging {
		return
	}
	st.pinging = true
	h := m.h
	m.wg.Go(func() {
		s, rtt, err := h.ping(ctx, p)
		select {
		case h.pingResults <- pingResult{peer: p, status: s, rtt: rtt, err: err}:
		case <-ctx.Done():
		}
	})
}

func (m *manager) onPing(ctx context.Context, r pingResult) {
	h := m.h
	h.metrics.pings.Add(1)
	st := m.peers[r.peer]
	if st != nil {
		st.pinging = false
	}
	if r.err != nil {
		h.metrics.pingFailures.Add(1)
		if ctx.Err() != nil || st == nil {
			return
		}
		if notOurProtocol(r.err) {
			// A peer that answered PING before is shutting down or
			// restarting with other software: dropped, not banned.
			m.drop(r.peer, "does not speak this chain's protocols", st.info.StatusAt.IsZero())
			return
		}
		st.pingFails++
		h.log.Debug("ping failed", "peer", r.peer, "err", r.err, "failures", st.pingFails)
		if st.pingFails >= maxPingFailures {
			m.drop(r.peer, "does not answer PING", false)
		}
		return
	}
	if st != nil {
		st.pingFails = 0
		if st.info.Latency == 0 {
			st.info.Latency = r.rtt
		} else {
			st.info.Latency = time.Duration(rttWeight*float64(r.rtt) + (1-rttWeight)*float64(st.info.Latency))
		}
		m.dirty = true
	}
	m.onStatus(r.peer, r.status)
}

// onStatus records a peer's status from either side of a PING.
func (m *manager) onStatus(p peer.ID, s Status) {
	h := m.h
	if !h.sameChain(s) {
		m.drop(p, "on another chain: "+s.ChainID+" "+s.Genesis.String(), true)
		return
	}
	st := m.peers[p]
	if st == nil {
		return
	}
	st.info.Status = s
	st.info.StatusAt = time.Now()
	m.dirty = true
	if h.enter() {
		h.handler.PeerStatus(PeerID(p), s)
		h.exit()
	}
	m.checkAnnounce()
}

func (m *manager) onScores(scores map[peer.ID]float64) {
	m.h.metrics.scoreRounds.Add(1)
	for p, s := range scores {
		st := m.peers[p]
		if st == nil {
			continue
		}
		if st.info.Score != s {
			st.info.Score = s
			m.dirty = true
		}
		if s < graylistThreshold {
			m.drop(p, "gossip score below the graylist threshold", true)
		}
	}
}

func (m *manager) onPenalty(p penalty) {
	h := m.h
	h.log.Info("peer penalized", "peer", p.peer, "reason", p.reason)
	if err := h.g.ps.PeerFeedback(p.topic, p.peer, pubsub.PeerFeedbackInvalidMessage); err != nil {
		h.log.Debug("peer feedback", "err", err)
	}
	if !p.strike {
		return
	}
	for q, s := range m.strikes {
		if time.Since(s.last) > banTime {
			delete(m.strikes, q)
		}
	}
	s := m.strikes[p.peer]
	s.n++
	s.last = time.Now()
	m.strikes[p.peer] = s
	if s.n >= maxStrikes {
		delete(m.strikes, p.peer)
		m.drop(p.peer, "penalized repeatedly: "+p.reason, true)
	}
}

// drop disconnects p and, if ban, refuses it for banTime.
func (m *manager) drop(p peer.ID, reason string, ban bool) {
	h := m.h
	if ban {
		h.bans.ban(p, banTime)
	}
	if _, ok := m.peers[p]; !ok && h.host.Network().Connectedness(p) != network.Connected {
		return
	}
	h.metrics.disconnects.Add(1)
	h.log.Info("disconnecting peer", "peer", p, "reason", reason, "ban", ban)
	m.disconnected(p)
	m.wg.Go(func() { h.host.Network().ClosePeer(p) })
}

// Re-announcing.

// refreshHead reads the node's head; a new head restarts the backoff.
func (m *manager) refreshHead() {
	h := m.h
	if !h.enter() {
		return
	}
	s := h.handler.Status()
	h.exit()
	if s.Height == m.head.Height && s.Head == m.head.Head {
		return
	}
	m.head, m.headAt = s, time.Now()
	m.headUnsent = m.topicPeers() == 0
	m.annDelay = announceMin
}

func (m *manager) topicPeers() int {
	if m.h.g == nil {
		return 0
	}
	return len(m.h.g.block.ListPeers())
}

// behind reports whether a peer's status, taken well after the head
// changed and after the last re-announce, shows it behind the head.
func (m *manager) behind() bool {
	fresh := m.headAt
	if m.annAt.After(fresh) {
		fresh = m.annAt
	}
	fresh = fresh.Add(announceGrace)
	for _, p := range m.peers {
		s := p.info.Status
		if !p.info.StatusAt.IsZero() && s.Height < m.head.Height && p.info.StatusAt.After(fresh) {
			return true
		}
	}
	return false
}

func (m *manager) needAnnounce() bool {
	return m.head.Height > 0 && (m.headUnsent || m.behind())
}

func (m *manager) checkAnnounce() {
	if !m.annArmed && m.needAnnounce() {
		m.arm(m.annDelay)
	}
}

func (m *manager) arm(d time.Duration) {
	m.annTimer.Stop()
	m.annTimer.Reset(d)
	m.annArmed = true
}

// announce re-publishes the head block if it still needs to, and arms the
// next attempt with a doubled delay.
func (m *manager) announce(ctx context.Context) {
	h := m.h
	m.refreshHead()
	if !m.needAnnounce() {
		return
	}
	next := min(2*m.annDelay, announceMax)
	if m.topicPeers() == 0 {
		// Nobody to tell; a peer joining the topic kicks us sooner.
		m.annDelay = next
		m.arm(m.annDelay)
		return
	}
	var blocks [][]byte
	var err error
	if h.enter() {
		blocks, err = h.handler.Blocks(m.head.Height, m.head.Height)
		h.exit()
	}
	if err != nil || len(blocks) != 1 || len(blocks[0]) > h.cfg.MaxBlockMessageSize {
		h.log.Debug("cannot re-announce the head", "height", m.head.Height, "err", err)
		return
	}
	if err := h.g.block.Publish(ctx, blocks[0]); err != nil {
		h.log.Debug("re-announce", "err", err)
		return
	}
	h.metrics.reannounces.Add(1)
	h.log.Debug("re-announced head", "height", m.head.Height, "hash", m.head.Head, "next", next)
	m.headUnsent = false
	m.annAt = time.Now()
	m.annDelay = next
	if m.needAnnounce() {
		m.arm(m.annDelay)
	}
}
