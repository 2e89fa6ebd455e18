package p2p

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// errStopped is returned by calls made while or after Run stops.
var errStopped = errors.New("p2p: host stopped")

// Host is a noded node's presence on the network: a libp2p host with the
// BLOCK and TX gossip topics, the PING and block range protocols, peer
// scoring and discovery. Create it with New, then call Run once.
type Host struct {
	cfg       Config
	handler   Handler
	log       *slog.Logger
	host      host.Host
	connMgr   *connmgr.BasicConnMgr
	bans      *banList
	metrics   *metrics
	bootstrap []peer.AddrInfo

	topicBlock, topicTx    string
	protoPing, protoBlocks protocol.ID

	// Inputs of the manager goroutine, which owns the peer table.
	pingResults   chan pingResult
	inboundStatus chan pingResult
	scores        chan map[peer.ID]float64
	penalties     chan penalty
	kick          chan struct{} // re-check whether to re-announce
	peers         atomic.Pointer[[]PeerInfo]

	syncServes chan struct{} // semaphore of block range requests served

	protoSnap protocol.ID
	snap      *snapServer // nil unless the Handler serves snapshots (snapshot.go)

	ran   atomic.Bool
	ready chan struct{} // closed once Run has set up gossip (g is set)
	done  chan struct{} // closed when Run begins to stop
	g     *gossip

	// gate lets Run wait for calls into the Handler that are under way and
	// refuse new ones once it stops.
	gate    sync.RWMutex
	stopped bool
}

// New checks cfg, loads or creates the host key, and opens the listening
// sockets; peers may connect from now on and are answered PINGs and block
// ranges. Call Run to join the gossip topics and start discovery; Run closes
// everything when it returns (a Host that will not run should still be Run
// with a cancelled context).
func New(cfg Config, handler Handler) (*Host, error) {
	if handler == nil {
		return nil, fmt.Errorf("%w: no handler", ErrConfig)
	}
	cfg.ListenAddrs = slices.Clone(cfg.ListenAddrs)
	cfg.Bootstrap = slices.Clone(cfg.Bootstrap)
	cfg.ensureDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	bootstrap, _ := parseBootstrap(cfg.Bootstrap)
	log := cfg.Logger.With("sys", "p2p")
	key, err := loadOrCreateKey(cfg.KeyFile, log)
	if err != nil {
		return nil, err
	}
	cm, err := connmgr.NewConnManager(cfg.ConnLow, cfg.ConnHigh, connmgr.WithGracePeriod(time.Minute))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	bans := newBanList()
	lh, err := libp2p.New(
		libp2p.Identity(key),
		libp2p.ListenAddrStrings(cfg.ListenAddrs...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(bans),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.Ping(false),
		libp2p.UserAgent("noded"),
		libp2p.DialRanker(dialRanker),
	)
	if err != nil {
		cm.Close()
		return nil, fmt.Errorf("p2p: %w", err)
	}
	prefix := "/noded/" + cfg.ChainID
	h := &Host{
		cfg:           cfg,
		handler:       handler,
		log:           log,
		host:          lh,
		connMgr:       cm,
		bans:          bans,
		metrics:       &metrics{},
		bootstrap:     bootstrap,
		topicBlock:    prefix + "/block/1",
		topicTx:       prefix + "/tx/1",
		protoPing:     protocol.ID(prefix + "/ping/1"),
		protoBlocks:   protocol.ID(prefix + "/blocks/1"),
		pingResults:   make(chan pingResult, 64),
		inboundStatus: make(chan pingResult, 64),
		scores:        make(chan map[peer.ID]float64, 1),
		penalties:     make(chan penalty, 64),
		kick:          make(chan struct{}, 1),
		syncServes:    make(chan struct{}, maxSyncServes),
		ready:         make(chan struct{}),
		done:          make(chan struct{}),
	}
	h.peers.Store(&[]PeerInfo{})
	for _, b := range bootstrap {
		cm.Protect(b.ID, "bootstrap")
	}
	lh.SetStreamHandler(h.protoPing, h.servePing)
	lh.SetStreamHandler(h.protoBlocks, h.serveBlocks)
	h.startSnapshots(handler)
	log.Info("p2p host", "id", lh.ID(), "addrs", h.Addrs())
	return h, nil
}

// Run joins the gossip topics, connects to the bootstrap peers (and mDNS
// peers), pings peers and manages them until ctx is done; then it stops
// everything it started, waits for it, closes the host and returns nil. It
// returns an error only if it could not start. Run may be called once.
func (h *Host) Run(ctx context.Context) error {
	if !h.ran.CompareAndSwap(false, true) {
		return errors.New("p2p: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var closers []func() // run after the goroutines have stopped
	defer func() { h.shutdown(cancel, &wg, closers) }()

	if err := ctx.Err(); err != nil {
		return nil
	}
	g, err := h.startGossip(ctx)
	if err != nil {
		return err
	}
	h.g = g
	closers = append(closers, g.close)
	// The event bus blocks when a subscriber falls behind: the manager
	// reads its subscription until it stops, and it is closed before the
	// host.
	connEvents, err := h.subscribeConns()
	if err != nil {
		return err
	}
	closers = append(closers, func() { connEvents.Close() })

	m := newManager(h, &wg)
	wg.Go(func() { m.run(ctx, connEvents.Out()) })
	wg.Go(func() { h.readBlocks(ctx, g.blockSub) })
	wg.Go(func() { h.readTxs(ctx, g.txSub) })
	wg.Go(func() { h.watchBlockTopic(ctx, g.blockEvents) })
	wg.Go(func() { h.keepBootstrap(ctx, &wg) })
	if h.cfg.MDNS {
		// A machine without multicast still runs, without mDNS.
		if stop, err := h.startMDNS(ctx, &wg); err != nil {
			h.log.Warn("mDNS discovery is off", "err", err)
		} else {
			closers = append(closers, stop)
		}
	}
	close(h.ready)
	<-ctx.Done()
	return nil
}

func (h *Host) subscribeConns() (event.Subscription, error) {
	sub, err := h.host.EventBus().Subscribe(new(event.EvtPeerConnectednessChanged), eventbus.BufSize(1024))
	if err != nil {
		return nil, fmt.Errorf("p2p: %w", err)
	}
	return sub, nil
}

// shutdown refuses new Handler calls and waits for those under way, stops
// the goroutines and closes the host.
func (h *Host) shutdown(cancel context.CancelFunc, wg *sync.WaitGroup, closers []func()) {
	close(h.done)
	h.gate.Lock()
	h.stopped = true
	h.gate.Unlock()
	cancel()
	wg.Wait()
	for _, c := range closers {
		c()
	}
	// The stream handlers stay registered until the host closes: they
	// refuse work once stopped (enter), by resetting the stream. Removing
	// them first would answer a peer's PING in this window with "protocol
	// not supported", which gets a node on another chain banned.
	if err := h.host.Close(); err != nil {
		h.log.Warn("closing p2p host", "err", err)
	}
	h.connMgr.Close()
}

// enter admits a call into the Handler; exit ends it.
func (h *Host) enter() bool {
	h.gate.RLock()
	if h.stopped {
		h.gate.RUnlock()
		return false
	}
	return true
}

func (h *Host) exit() { h.gate.RUnlock() }

// gossip waits until Run has joined the topics.
func (h *Host) gossip(ctx context.Context) (*gossip, error) {
	select {
	case <-h.done:
		return nil, errStopped
	case <-h.ready:
		select {
		case <-h.done:
			return nil, errStopped
		default:
			return h.g, nil
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ID returns the host's peer id.
func (h *Host) ID() PeerID { return PeerID(h.host.ID()) }

// Addrs returns the host's listen addresses with its /p2p/ id, as others
// put them in their bootstrap lists.
func (h *Host) Addrs() []string {
	self, err := ma.NewComponent("p2p", h.host.ID().String())
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range h.host.Addrs() {
		out = append(out, a.Encapsulate(self.Multiaddr()).String())
	}
	return out
}

// Peers returns the connected peers, ordered by id.
func (h *Host) Peers() []PeerInfo { return slices.Clone(*h.peers.Load()) }

// BestPeers returns the connected peers whose status is known, on this
// chain, the highest head first and, among equal heads, the lowest latency
// first. The node syncs from the first ones that are ahead of it.
func (h *Host) BestPeers() []PeerInfo {
	var out []PeerInfo
	for _, p := range *h.peers.Load() {
		if !p.StatusAt.IsZero() {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b PeerInfo) int {
		switch {
		case a.Status.Height != b.Status.Height:
			if a.Status.Height > b.Status.Height {
				return -1
			}
			return 1
		case (a.Latency == 0) != (b.Latency == 0):
			if a.Latency == 0 {
				return 1
			}
			return -1
		}
		return int(a.Latency - b.Latency)
	})
	return out
}

// Penalize reports that peer p sent something that failed full validation
// (a block that does not execute, a sync answer that does not chain). It
// lowers the peer's gossip score like an invalid BLOCK message, and after
// maxStrikes penalties within banTime the peer is disconnected and refused
// for banTime. Penalize a peer only for what it could have checked itself.
func (h *Host) Penalize(p PeerID, reason string) {
	select {
	case h.penalties <- penalty{peer: peer.ID(p), reason: reason, topic: h.topicBlock, strike: true}:
	default:
		h.log.Warn("penalty dropped: too many at once", "peer", p, "reason", reason)
	}
}

// Connect dials a peer given a multiaddr with /p2p/ id, once.
func (h *Host) Connect(ctx context.Context, addr string) error {
	infos, err := parseBootstrap([]string{addr})
	if err != nil {
		return fmt.Errorf("p2p: %w", err)
	}
	return h.host.Connect(ctx, infos[0])
}

// loopbackQUICDelay is how long a dial to a peer on this machine waits for
// TCP before it tries QUIC too.
const loopbackQUICDelay = 100 * time.Millisecond

// dialRanker prefers TCP for peers on this machine: with many nodes on one
// machine, QUIC's user-space packets cost enough CPU to double block
// propagation times (BenchmarkBlockPropagation: p99 66 ms over QUIC, 39 ms
// over TCP, 10 hosts on 2 cores). Other peers get libp2p's default, which
// dials QUIC first.
func dialRanker(addrs []ma.Multiaddr) []network.AddrDelay {
	for _, a := range addrs {
		if !manet.IsIPLoopback(a) {
			return swarm.DefaultDialRanker(addrs)
		}
	}
	out := make([]network.AddrDelay, 0, len(addrs))
	for _, a := range addrs {
		d := loopbackQUICDelay
		if _, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			d = 0
		}
		out = append(out, network.AddrDelay{Addr: a, Delay: d})
	}
	return out
}
