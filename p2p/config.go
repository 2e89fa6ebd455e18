package p2p

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/noded/noded/types"
)

// Config configures a Host. Zero values take the documented defaults.
type Config struct {
	// ChainID names the chain. It is part of every topic and protocol id,
	// so hosts on different chains do not even understand each other.
	// Required.
	ChainID string
	// GenesisHash is the hash of the chain's genesis block. Peers that
	// report another are disconnected. Required.
	GenesisHash types.Hash

	// ListenAddrs are the multiaddrs to listen on. Default: TCP and QUIC on
	// 127.0.0.1 port DefaultPort, that is LocalListenAddrs(DefaultPort).
	// Port 0 picks a free port (see Host.Addrs).
	ListenAddrs []string
	// KeyFile holds the host's identity key (a libp2p-encoded ed25519 key).
	// It is created with mode 0600 on first start and read afterwards, so
	// the peer id survives restarts. Default "": a new key every start
	// (tests).
	KeyFile string
	// Bootstrap lists peers to connect to at start, as multiaddrs ending in
	// /p2p/<id>. The host keeps reconnecting to them with exponential
	// backoff (capped at a minute) whenever they drop.
	Bootstrap []string
	// MDNS finds peers on the local network by multicast DNS. Default off.
	MDNS bool

	// MaxBlockMessageSize bounds a BLOCK message. Default 32 MiB
	// (types.MaxBlockSize), enough for a block with a 2 MB deploy.
	MaxBlockMessageSize int
	// MaxTxMessageSize bounds a TX message (one batch). Default 4 MiB,
	// enough for the largest transaction (types.MaxTxSize).
	MaxTxMessageSize int
	// TxBatchSize is the size PublishTxs aims for when it packs
	// transactions into TX messages; a larger transaction travels alone.
	// Default 256 KiB.
	TxBatchSize int

	// PeerQueueSize is the outbound queue of RPCs per peer; pubsub drops
	// what does not fit. Default 8192. Pubsub's default of 32 lost 65% of
	// a burst of 10,000 one-transaction messages on loopback; 3072 was the
	// least that lost none (TestQueueSizes).
	PeerQueueSize int
	// ValidateQueueSize is the queue of received messages waiting for
	// validation; pubsub drops what does not fit. Default 8192.
	ValidateQueueSize int
	// SubscriptionBuffer is the queue of validated messages waiting for
	// HandleBlock or HandleTxs, per topic; pubsub drops what does not fit.
	// Default 8192.
	SubscriptionBuffer int

	// PingInterval is how often every connected peer is pinged (and once
	// at once when it connects). Default 5s.
	PingInterval time.Duration

	// ConnLow and ConnHigh are the connection manager's water marks: above
	// ConnHigh connections it trims down to ConnLow, sparing peers in the
	// gossip mesh and bootstrap peers. Defaults 32 and 64.
	ConnLow, ConnHigh int

	// Logger receives the host's logs. Default: discard.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultPort                = 26656
	DefaultMaxBlockMessageSize = types.MaxBlockSize
	DefaultMaxTxMessageSize    = 4 << 20
	DefaultTxBatchSize         = 256 << 10
	DefaultQueueSize           = 8192
	DefaultPingInterval        = 5 * time.Second
	DefaultConnLow             = 32
	DefaultConnHigh            = 64
)

// LocalListenAddrs returns TCP and QUIC listen addresses on 127.0.0.1.
func LocalListenAddrs(port int) []string {
	return []string{
		fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port),
		fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", port),
	}
}

// ErrConfig is wrapped by the errors of an invalid Config.
var ErrConfig = errors.New("p2p: invalid config")

func (c *Config) ensureDefaults() {
	if len(c.ListenAddrs) == 0 {
		c.ListenAddrs = LocalListenAddrs(DefaultPort)
	}
	if c.MaxBlockMessageSize == 0 {
		c.MaxBlockMessageSize = DefaultMaxBlockMessageSize
	}
	if c.MaxTxMessageSize == 0 {
		c.MaxTxMessageSize = DefaultMaxTxMessageSize
	}
	if c.TxBatchSize == 0 {
		c.TxBatchSize = min(DefaultTxBatchSize, c.MaxTxMessageSize)
	}
	if c.PeerQueueSize == 0 {
		c.PeerQueueSize = DefaultQueueSize
	}
	if c.ValidateQueueSize == 0 {
		c.ValidateQueueSize = DefaultQueueSize
	}
	if c.SubscriptionBuffer == 0 {
		c.SubscriptionBuffer = DefaultQueueSize
	}
	if c.PingInterval == 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.ConnLow == 0 && c.ConnHigh == 0 {
		c.ConnLow, c.ConnHigh = DefaultConnLow, DefaultConnHigh
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

func (c *Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c.ChainID == "":
		return bad("no chain id")
	case len(c.ChainID) > types.MaxChainIDLen:
		return bad("chain id is %d bytes, limit %d", len(c.ChainID), types.MaxChainIDLen)
	case c.GenesisHash.IsZero():
		return bad("no genesis hash")
	case c.MaxBlockMessageSize < 1024 || c.MaxBlockMessageSize > types.MaxBlockSize:
		return bad("MaxBlockMessageSize %d outside [1 KiB, %d]", c.MaxBlockMessageSize, types.MaxBlockSize)
	case c.MaxTxMessageSize < 1024 || c.MaxTxMessageSize > types.MaxBlockSize:
		return bad("MaxTxMessageSize %d outside [1 KiB, %d]", c.MaxTxMessageSize, types.MaxBlockSize)
	case c.TxBatchSize < 1 || c.TxBatchSize > c.MaxTxMessageSize:
		return bad("TxBatchSize %d outside [1, MaxTxMessageSize]", c.TxBatchSize)
	case c.PeerQueueSize < 1 || c.ValidateQueueSize < 1 || c.SubscriptionBuffer < 1:
		return bad("queue sizes must be positive")
	case c.PingInterval < 10*time.Millisecond:
		return bad("PingInterval %v too short", c.PingInterval)
	case c.ConnLow < 0 || c.ConnHigh < c.ConnLow || c.ConnHigh < 1:
		return bad("connection water marks %d/%d", c.ConnLow, c.ConnHigh)
	}
	for _, s := range c.ChainID {
		if s <= ' ' || s == '/' || s > '~' {
			return bad("chain id %q: only printable ASCII without spaces or '/'", c.ChainID)
		}
	}
	for _, a := range c.ListenAddrs {
		if _, err := ma.NewMultiaddr(a); err != nil {
			return bad("listen address %q: %v", a, err)
		}
	}
	if _, err := parseBootstrap(c.Bootstrap); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

// parseBootstrap turns multiaddrs with /p2p/ ids into one AddrInfo per peer.
func parseBootstrap(addrs []string) ([]peer.AddrInfo, error) {
	var mas []ma.Multiaddr
	for _, a := range addrs {
		m, err := ma.NewMultiaddr(a)
		if err != nil {
			return nil, fmt.Errorf("bootstrap address %q: %w", a, err)
		}
		if _, err := m.ValueForProtocol(ma.P_P2P); err != nil {
			return nil, fmt.Errorf("bootstrap address %q has no /p2p/<id>", a)
		}
		mas = append(mas, m)
	}
	infos, err := peer.AddrInfosFromP2pAddrs(mas...)
	if err != nil {
		return nil, fmt.Errorf("bootstrap addresses: %w", err)
	}
	return infos, nil
}
