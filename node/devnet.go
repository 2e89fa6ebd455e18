package node

import (
	crand "crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/p2p"
	"github.com/noded/noded/types"
)

// DevnetOptions describe a devnet to create.
type DevnetOptions struct {
	Nodes       int           // validators, one per node. Default 4.
	ChainID     string        // default "noded-devnet"
	BlockTime   time.Duration // slot length. Default 1s.
	RPCPort     int           // first node's RPC port; node i gets RPCPort+i. Default 8545.
	P2PPort     int           // first node's p2p port; node i gets P2PPort+i. Default 26656.
	DevAccounts int           // prefunded well-known accounts dev0... Default 4.
	Now         time.Time     // genesis time. Default: now.
	// SnapshotInterval: every node takes a state snapshot every this many
	// blocks. Default DefaultSnapshotInterval (100).
	SnapshotInterval uint64
}

// DevnetNode describes one created node.
type DevnetNode struct {
	Home   string
	RPC    string
	PeerID p2p.PeerID
	P2P    []string // full multiaddrs, for bootstrap lists
}

// NodeHome is the home folder of node i of a devnet in dir.
func NodeHome(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("node%d", i)) }

// InitDevnet writes one home per node under dir: a validator key and the
// dev account keys in each keystore, the shared genesis.json (the
// validators and prefunded dev accounts), a p2p identity, and a
// config.json with listen addresses, the other nodes as bootstrap peers and
// an RPC port. It refuses a dir that already holds a devnet.
func InitDevnet(dir string, o DevnetOptions) ([]DevnetNode, error) {
	o.ensureDefaults()
	if o.Nodes < 1 || o.Nodes > 64 {
		return nil, fmt.Errorf("devnet: 1-64 nodes, got %d", o.Nodes)
	}
	if o.BlockTime < 50*time.Millisecond {
		return nil, fmt.Errorf("devnet: block time %v is below 50ms", o.BlockTime)
	}
	if _, err := os.Stat(NodeHome(dir, 0)); err == nil {
		return nil, fmt.Errorf("devnet: %s already holds a devnet (delete it first)", dir)
	}
	g := &chain.Genesis{ChainID: o.ChainID, Time: uint64(o.Now.UnixMilli()), BlockGasLimit: chain.DefaultBlockGasLimit,
		SlotMillis: uint64(o.BlockTime.Milliseconds())}
	for i := range o.DevAccounts {
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Name: DevAccountName(i),
			Address: types.AddressOf(DevKey(i).Public()), Balance: DevBalance})
	}
	nodes := make([]DevnetNode, o.Nodes)
	stores := make([]*keystore.Store, o.Nodes)
	for i := range nodes {
		home := NodeHome(dir, i)
		if err := os.MkdirAll(home, 0o700); err != nil {
			return nil, err
		}
		ks, err := keystore.Open(filepath.Join(home, "keystore"))
		if err != nil {
			return nil, err
		}
		vk, err := crypto.GenerateKey(crand.Reader)
		if err != nil {
			return nil, err
		}
		if _, err := ks.Import(ValidatorKeyName, vk); err != nil {
			return nil, err
		}
		stores[i] = ks
		g.Validators = append(g.Validators, vk.Public())
		id, err := p2p.IdentityFromKeyFile(filepath.Join(home, "p2p_key"))
		if err != nil {
			return nil, err
		}
		port := o.P2PPort + i
		listen := p2p.LocalListenAddrs(port)
		nodes[i] = DevnetNode{Home: home, RPC: fmt.Sprintf("127.0.0.1:%d", o.RPCPort+i), PeerID: id}
		for _, a := range listen {
			nodes[i].P2P = append(nodes[i].P2P, a+"/p2p/"+id.String())
		}
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	gj, err := marshalGenesis(g)
	if err != nil {
		return nil, err
	}
	for i, nd := range nodes {
		if err := ensureDevKeys(stores[i], g); err != nil {
			return nil, err
		}
		if err := writeFileAtomic(filepath.Join(nd.Home, "genesis.json"), gj, 0o644); err != nil {
			return nil, err
		}
		fc := FileConfig{RPCAddr: nd.RPC, P2P: FileP2PConfig{Listen: p2p.LocalListenAddrs(o.P2PPort + i)},
			SnapshotInterval: o.SnapshotInterval}
		for j, other := range nodes {
			if j != i {
				fc.P2P.Bootstrap = append(fc.P2P.Bootstrap, other.P2P[0]) // TCP
			}
		}
		if err := fc.Save(nd.Home); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

func (o *DevnetOptions) ensureDefaults() {
	if o.Nodes == 0 {
		o.Nodes = 4
	}
	if o.ChainID == "" {
		o.ChainID = "noded-devnet"
	}
	if o.BlockTime == 0 {
		o.BlockTime = time.Second
	}
	if o.RPCPort == 0 {
		o.RPCPort = 8545
	}
	if o.P2PPort == 0 {
		o.P2PPort = p2p.DefaultPort
	}
	if o.DevAccounts == 0 {
		o.DevAccounts = DefaultDevAccounts
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.SnapshotInterval == 0 {
		o.SnapshotInterval = DefaultSnapshotInterval
	}
}

// AddDevnetNode writes the home of one more node, a follower without a
// validator key, to the devnet in dir: the shared genesis, the dev account
// keys, a p2p identity and a config.json that bootstraps from every
// existing node. Its ports follow the highest ones in use.
func AddDevnetNode(dir string) (DevnetNode, error) {
	var homes []string
	for i := 0; ; i++ {
		if _, err := os.Stat(NodeHome(dir, i)); err != nil {
			break
		}
		homes = append(homes, NodeHome(dir, i))
	}
	if len(homes) == 0 {
		return DevnetNode{}, fmt.Errorf("devnet: no node homes in %s (run noded devnet init first)", dir)
	}
	gj, err := os.ReadFile(filepath.Join(homes[0], "genesis.json"))
	if err != nil {
		return DevnetNode{}, err
	}
	g, err := chain.ParseGenesis(gj)
	if err != nil {
		return DevnetNode{}, err
	}
	var bootstrap []string
	maxRPC, maxP2P := 0, 0
	var interval uint64
	for _, h := range homes {
		fc, err := LoadFileConfig(h)
		if err != nil {
			return DevnetNode{}, err
		}
		interval = max(interval, fc.SnapshotInterval)
		id, err := p2p.IdentityFromKeyFile(filepath.Join(h, "p2p_key"))
		if err != nil {
			return DevnetNode{}, err
		}
		if len(fc.P2P.Listen) > 0 {
			bootstrap = append(bootstrap, fc.P2P.Listen[0]+"/p2p/"+id.String())
			maxP2P = max(maxP2P, portOf(fc.P2P.Listen[0]))
		}
		maxRPC = max(maxRPC, portOf(fc.RPCAddr))
	}
	home := NodeHome(dir, len(homes))
	if err := os.MkdirAll(home, 0o700); err != nil {
		return DevnetNode{}, err
	}
	ks, err := keystore.Open(filepath.Join(home, "keystore"))
	if err != nil {
		return DevnetNode{}, err
	}
	if err := ensureDevKeys(ks, g); err != nil {
		return DevnetNode{}, err
	}
	if err := writeFileAtomic(filepath.Join(home, "genesis.json"), gj, 0o644); err != nil {
		return DevnetNode{}, err
	}
	id, err := p2p.IdentityFromKeyFile(filepath.Join(home, "p2p_key"))
	if err != nil {
		return DevnetNode{}, err
	}
	nd := DevnetNode{Home: home, RPC: fmt.Sprintf("127.0.0.1:%d", maxRPC+1), PeerID: id}
	listen := p2p.LocalListenAddrs(maxP2P + 1)
	for _, a := range listen {
		nd.P2P = append(nd.P2P, a+"/p2p/"+id.String())
	}
	fc := FileConfig{RPCAddr: nd.RPC, P2P: FileP2PConfig{Listen: listen, Bootstrap: bootstrap}, SnapshotInterval: interval}
	return nd, fc.Save(home)
}

// portOf returns the port of "host:port" or of a multiaddr ".../tcp/PORT";
// 0 if there is none.
func portOf(addr string) int {
	var port int
	if i := strings.LastIndexAny(addr, ":/"); i >= 0 {
		fmt.Sscanf(addr[i+1:], "%d", &port)
	}
	return port
}
