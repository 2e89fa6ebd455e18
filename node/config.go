package node

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/noded/noded/p2p"
	"github.com/noded/noded/vm"
)

// Config configures a node. Zero values take the documented defaults.
type Config struct {
	// Home is the node's folder: data/ (the database), keystore/, genesis.json.
	Home string
	// RPCAddr is the JSON-RPC listen address. Default "127.0.0.1:8545".
	// Use port 0 for any free port (see Node.RPCAddr).
	RPCAddr string
	// Dev runs a single-validator dev chain, created on first start, with
	// the dev_* RPC methods and prefunded dev accounts. Otherwise the node
	// joins the network of the genesis.json in its home over libp2p.
	Dev bool
	// P2P configures the network (not used in dev mode). ChainID and
	// GenesisHash are filled in by the node; KeyFile defaults to
	// <home>/p2p_key.
	P2P p2p.Config
	// BlockTime is the interval between blocks in dev mode; 0 (the
	// default) produces a block as soon as a transaction is pending.
	BlockTime time.Duration
	// DevAccounts is the number of prefunded dev accounts created with a
	// new dev chain. Default 4.
	DevAccounts int
	// ChainID of a new dev chain. Default "noded-dev".
	ChainID string
	// MinGasPrice is the lowest gas price the mempool accepts. Default 1.
	MinGasPrice uint64
	// MempoolSize caps the transactions in the mempool. Default: the
	// mempool's default.
	MempoolSize int
	// MaxBlockTxs caps the transactions in a block this node builds.
	// Default 20,000.
	MaxBlockTxs int
	// ContractTimeout is the wall-clock limit of one contract call, query
	// or estimate on this node (node-local, not a consensus rule). Default 5s.
	ContractTimeout time.Duration
	// VMEngine is the contract engine: "wasmer" or "wazero" (vm.EngineNames).
	// Both give the same results, gas and state; nodes of one network may
	// run either. Default vm.DefaultEngine: wasmer, or wazero in a build
	// without cgo.
	VMEngine string
	// Workers bounds the goroutines that verify signatures and hash state.
	// Default: the number of CPUs.
	Workers int
	// Pprof serves Go's profiler under /debug/pprof/ on the RPC port.
	Pprof bool
	// SnapshotInterval: the node takes a state snapshot every this many
	// blocks and serves it to peers (see snapshot.go). Default 100.
	SnapshotInterval uint64
	// SnapshotKeep is how many snapshots the node keeps. Default 3.
	SnapshotKeep int
	// Sync is how a network node with no blocks beyond the genesis catches
	// up: SyncAuto (default), SyncSnapshot or SyncBlock (see
	// snapshot_sync.go).
	Sync SyncMode
	// Logger receives the node's logs. Default: discard.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultRPCAddr     = "127.0.0.1:8545"
	DefaultChainID     = "noded-dev"
	DefaultDevAccounts = 4
	DefaultMaxBlockTxs = 20_000
	// DefaultContractTimeout is the node-local wall-clock limit of a call.
	DefaultContractTimeout = 5 * time.Second
)

func (c *Config) ensureDefaults(cpus int) {
	if c.RPCAddr == "" {
		c.RPCAddr = DefaultRPCAddr
	}
	if c.DevAccounts == 0 {
		c.DevAccounts = DefaultDevAccounts
	}
	if c.ChainID == "" {
		c.ChainID = DefaultChainID
	}
	if c.MinGasPrice == 0 {
		c.MinGasPrice = 1
	}
	if c.MaxBlockTxs == 0 {
		c.MaxBlockTxs = DefaultMaxBlockTxs
	}
	if c.ContractTimeout == 0 {
		c.ContractTimeout = DefaultContractTimeout
	}
	if c.VMEngine == "" {
		c.VMEngine = vm.DefaultEngine
	}
	if c.Workers == 0 {
		c.Workers = cpus
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = DefaultSnapshotInterval
	}
	if c.SnapshotKeep == 0 {
		c.SnapshotKeep = DefaultSnapshotKeep
	}
	if c.Sync == "" {
		c.Sync = SyncAuto
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) validate() error {
	if c.Home == "" {
		return errors.New("node: no home folder")
	}
	if c.BlockTime < 0 {
		return fmt.Errorf("node: negative block time %v", c.BlockTime)
	}
	if c.DevAccounts < 0 || c.DevAccounts > 1000 {
		return fmt.Errorf("node: dev accounts must be 0-1000, got %d", c.DevAccounts)
	}
	if err := vm.CheckEngine(c.VMEngine); err != nil {
		return fmt.Errorf("node: contract engine: %w", err)
	}
	return c.validateSnapshots()
}

func (c *Config) dataDir() string     { return filepath.Join(c.Home, "data") }
func (c *Config) keystoreDir() string { return filepath.Join(c.Home, "keystore") }
func (c *Config) vmCacheDir() string  { return filepath.Join(c.Home, "cache", "vm") }
func (c *Config) wazeroDir() string   { return filepath.Join(c.Home, "cache", "wazero") }
func (c *Config) p2pKeyFile() string  { return filepath.Join(c.Home, "p2p_key") }
func (c *Config) genesisFile() string { return filepath.Join(c.Home, "genesis.json") }
