package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/noded/noded/p2p"
)

// FileConfig is a network node's config.json in its home. noded devnet init
// writes it; noded run reads it; command-line flags override it.
type FileConfig struct {
	RPCAddr     string        `json:"rpc_addr"`
	P2P         FileP2PConfig `json:"p2p"`
	MinGasPrice uint64        `json:"min_gas_price,omitempty"`
	MempoolSize int           `json:"mempool_size,omitempty"`
	LogLevel    string        `json:"log_level,omitempty"`
	// ContractTimeout is a Go duration ("5s"); empty means the default.
	ContractTimeout string `json:"contract_timeout,omitempty"`
	// SnapshotInterval: a state snapshot every this many blocks; 0 means
	// the default (Config.SnapshotInterval).
	SnapshotInterval uint64 `json:"snapshot_interval,omitempty"`
	// VMEngine is the contract engine, "wasmer" or "wazero"; empty means
	// the default (Config.VMEngine).
	VMEngine string `json:"vm_engine,omitempty"`
}

// FileP2PConfig is the network part of config.json.
type FileP2PConfig struct {
	Listen    []string `json:"listen"`
	Bootstrap []string `json:"bootstrap"`
	MDNS      bool     `json:"mdns,omitempty"`
}

// ConfigFileName is the name of the config file in a node's home.
const ConfigFileName = "config.json"

// LoadFileConfig reads <home>/config.json, refusing unknown fields.
func LoadFileConfig(home string) (*FileConfig, error) {
	path := filepath.Join(home, ConfigFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s not found: a network node's home is made by `noded devnet init` (or use `noded dev` for a single-node chain)", path)
	}
	if err != nil {
		return nil, err
	}
	var fc FileConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &fc, nil
}

// Save writes the config to <home>/config.json.
func (fc *FileConfig) Save(home string) error {
	b, err := json.MarshalIndent(fc, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(home, ConfigFileName), append(b, '\n'), 0o644)
}

// Apply copies the file's settings into cfg.
func (fc *FileConfig) Apply(cfg *Config) error {
	cfg.RPCAddr = fc.RPCAddr
	cfg.MinGasPrice = fc.MinGasPrice
	cfg.MempoolSize = fc.MempoolSize
	cfg.P2P = p2p.Config{ListenAddrs: fc.P2P.Listen, Bootstrap: fc.P2P.Bootstrap, MDNS: fc.P2P.MDNS}
	cfg.SnapshotInterval = fc.SnapshotInterval
	cfg.VMEngine = fc.VMEngine
	if fc.ContractTimeout != "" {
		d, err := time.ParseDuration(fc.ContractTimeout)
		if err != nil {
			return fmt.Errorf("config contract_timeout: %w", err)
		}
		cfg.ContractTimeout = d
	}
	return nil
}
