package node

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/mempool"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// Node is a running noded node.
type Node struct {
	cfg     Config
	log     *slog.Logger
	db      *store.DB
	exec    *chain.Executor
	pool    *mempool.Pool
	ks      *keystore.Store
	genesis *chain.Genesis
	genHash types.Hash
	key     crypto.PrivateKey // block proposer key; zero if not a validator
	devKeys map[string]crypto.PrivateKey

	// The block loop owns root; mu guards head for readers.
	root  *chain.Root
	mu    sync.RWMutex
	head  types.Header
	heads headFeed

	events eventFeed // contract events of new heads (events.go)

	vm     *vm.VM
	vmName string
	keys   *crypto.KeyCache // decompressed sender keys, for signature checks

	preverified *preverified  // signatures of submitted batches, verified together
	sigsKnown   atomic.Uint64 // block signatures found verified in the mempool (noded_sigs_known_total)
	net         *netState     // nil in dev mode

	snaps    *snapshotService // state snapshots taken and served (snapshot.go)
	snapSync *snapProgress    // a snapshot restore's progress (snapshot_sync.go)

	metrics *metrics
	mineReq chan mineRequest
	rpc     *rpc.Server
	ln      net.Listener
}

// keyCacheSize is how many senders' decompressed keys are kept (~216 bytes
// each).
const keyCacheSize = 1 << 16

// New opens (or, in dev mode, creates) the node's chain and checks that the
// database is consistent. It does not start serving; see Run.
func New(cfg Config) (*Node, error) {
	cfg.ensureDefaults(runtime.NumCPU())
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: cfg.Logger, mineReq: make(chan mineRequest)}
	if err := os.MkdirAll(cfg.Home, 0o700); err != nil {
		return nil, fmt.Errorf("home folder: %w", err)
	}
	ks, err := keystore.Open(cfg.keystoreDir())
	if err != nil {
		return nil, err
	}
	n.ks = ks
	db, err := store.Open(cfg.dataDir(), store.Options{Logger: cfg.Logger.With("component", "store")})
	if errors.Is(err, syscall.EAGAIN) {
		return nil, fmt.Errorf("database %s is in use by another process (is another noded running with this --home?)", cfg.dataDir())
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.dataDir(), err)
	}
	n.db = db
	n.snaps, n.snapSync = newSnapshotService(n), &snapProgress{}
	if err := n.load(); err != nil {
		if n.vm != nil {
			n.vm.Close()
		}
		db.Close()
		return nil, err
	}
	n.metrics = newMetrics(n)
	n.metrics.height.Set(float64(n.head.Height))
	return n, nil
}

// load reads the chain from the database, creating a dev chain first if
// the database is empty.
func (n *Node) load() error {
	ok, err := n.db.Initialized()
	if err != nil {
		return err
	}
	if !ok {
		init := n.initDevChain
		if !n.cfg.Dev {
			init = n.initFromGenesisFile
		}
		if err := init(); err != nil {
			return err
		}
	}
	gj, err := n.db.GenesisJSON()
	if err != nil {
		return err
	}
	if n.genesis, err = chain.ParseGenesis(gj); err != nil {
		return fmt.Errorf("stored genesis: %w", err)
	}
	if n.genHash, err = n.db.GenesisHash(); err != nil {
		return err
	}
	if err := n.openVM(); err != nil {
		return err
	}
	n.keys = crypto.NewKeyCache(keyCacheSize)
	n.preverified = newPreverified(preverifiedSize)
	n.exec, err = chain.NewExecutor(n.genesis.Config(), chain.ExecOptions{
		Workers: n.cfg.Workers, Rand: crand.Reader, VM: n.vm, KeyCache: n.keys, KnownSig: n.knownSig,
		TxContext: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), n.cfg.ContractTimeout)
		},
	})
	if err != nil {
		return err
	}
	n.pool, err = mempool.New(mempool.Config{MinGasPrice: n.cfg.MinGasPrice, MaxTxs: n.cfg.MempoolSize}, n.exec)
	if err != nil {
		return err
	}
	if n.head, err = n.db.Head(); err != nil {
		return err
	}
	if n.root, err = n.loadRoot(); err != nil {
		return err
	}
	if got := n.root.Hash(); got != n.head.StateRoot {
		return fmt.Errorf("%w: state root of the stored buckets %s does not match head block %d (%s)",
			store.ErrCorrupt, got, n.head.Height, n.head.StateRoot)
	}
	if err := ensureDevKeys(n.ks, n.genesis); err != nil {
		return err
	}
	n.devKeys = make(map[string]crypto.PrivateKey)
	for i, a := range n.genesis.Accounts {
		if k := DevKey(i); a.Name == DevAccountName(i) && types.AddressOf(k.Public()) == a.Address {
			n.devKeys[a.Name] = k
		}
	}
	if n.cfg.Dev {
		if _, err := n.ks.Import(ValidatorKeyName, DevValidatorKey()); err != nil {
			return fmt.Errorf("keystore: %w", err)
		}
		if vk := DevValidatorKey(); n.isValidator(vk.Public()) {
			n.key = vk
		}
		if n.key.IsZero() {
			return errors.New("this node holds no validator key of the chain; dev mode needs one")
		}
		return nil
	}
	if k, err := n.ks.Get(ValidatorKeyName); err == nil && n.isValidator(k.PublicKey) {
		n.key = k.Private
	}
	return n.openNetwork()
}

// initFromGenesisFile creates the chain of a network node from the
// genesis.json in its home (written by noded devnet init).
func (n *Node) initFromGenesisFile() error {
	gj, err := os.ReadFile(n.cfg.genesisFile())
	if err != nil {
		return fmt.Errorf("genesis: %w (a network node needs the genesis.json of its network in its home)", err)
	}
	g, err := chain.ParseGenesis(gj)
	if err != nil {
		return err
	}
	blk, res, err := g.Block()
	if err != nil {
		return err
	}
	if err := n.db.InitGenesis(gj, blk, res); err != nil {
		return err
	}
	n.log.Info("initialized the chain from genesis.json", "chain_id", g.ChainID, "genesis", blk.Hash())
	return nil
}

func (n *Node) isValidator(pk crypto.PublicKey) bool {
	for _, v := range n.genesis.Validators {
		if v == pk {
			return true
		}
	}
	return false
}

// initDevChain creates a new dev chain in an empty database.
func (n *Node) initDevChain() error {
	g := devGenesis(&n.cfg, uint64(time.Now().UnixMilli()))
	blk, res, err := g.Block()
	if err != nil {
		return err
	}
	gj, err := marshalGenesis(g)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(n.cfg.genesisFile(), gj, 0o644); err != nil {
		return err
	}
	if err := n.db.InitGenesis(gj, blk, res); err != nil {
		return err
	}
	n.log.Info("created a new dev chain", "chain_id", g.ChainID, "genesis", blk.Hash())
	return nil
}

// Run starts the RPC server and the block loop, and runs until ctx is done;
// then it stops accepting requests, finishes the block being committed and
// closes the database.
func (n *Node) Run(ctx context.Context) error {
	if err := n.Listen(); err != nil {
		n.db.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 3)
	wg.Go(func() {
		if err := n.rpc.Serve(n.ln); err != nil && ctx.Err() == nil {
			errc <- fmt.Errorf("rpc server: %w", err)
			cancel()
		}
	})
	loop := n.blockLoop
	wg.Go(func() { n.snaps.run(ctx, &n.heads) })
	if n.net != nil {
		loop = n.syncThenConsensus
		wg.Go(func() {
			if err := n.net.host.Run(ctx); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("p2p: %w", err)
				cancel()
			}
		})
		wg.Go(func() { n.gossipTxs(ctx) })
	}
	wg.Go(func() {
		if err := loop(ctx); err != nil {
			errc <- err
			cancel()
		}
	})
	<-ctx.Done()
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if err := n.rpc.Close(shutdownCtx); err != nil {
		n.log.Warn("rpc server shutdown", "err", err)
	}
	wg.Wait()
	if n.vm != nil {
		if err := n.vm.Close(); err != nil {
			n.log.Warn("closing the contract engine", "err", err)
		}
	}
	err := n.db.Close()
	close(errc)
	for e := range errc {
		return e
	}
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	n.log.Info("stopped", "height", n.Head().Height)
	return nil
}

// Listen binds the RPC address; Run calls it if it was not called before.
// Calling it first lets the caller learn the address (port 0) before Run.
func (n *Node) Listen() error {
	if n.ln != nil {
		return nil
	}
	srv, err := rpc.NewServer(n.backend(), rpc.Config{Addr: n.cfg.RPCAddr}, n.log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", n.cfg.RPCAddr)
	if err != nil {
		return fmt.Errorf("rpc listen on %s: %w", n.cfg.RPCAddr, err)
	}
	n.metrics.mount(srv.Handle, n.cfg.Pprof)
	n.rpc, n.ln = srv, ln
	return nil
}

// RPCAddr returns the address the RPC server listens on (after Listen).
func (n *Node) RPCAddr() string {
	if n.ln == nil {
		return n.cfg.RPCAddr
	}
	return n.ln.Addr().String()
}

// Head returns the current head header.
func (n *Node) Head() types.Header {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.head
}

// ChainID returns the chain id.
func (n *Node) ChainID() string { return n.genesis.ChainID }

// GenesisHash returns the genesis block hash.
func (n *Node) GenesisHash() types.Hash { return n.genHash }

// DevAccounts lists the dev accounts with their keys' names, in order.
func (n *Node) DevAccounts() []chain.GenesisAccount {
	var out []chain.GenesisAccount
	for _, a := range n.genesis.Accounts {
		if _, ok := n.devKeys[a.Name]; ok {
			out = append(out, a)
		}
	}
	return out
}

// Account returns an account at the head.
func (n *Node) Account(a types.Address) (types.Account, error) { return n.db.Account(a) }

// PeerID returns the node's libp2p peer id ("" in dev mode).
func (n *Node) PeerID() string {
	if n.net == nil {
		return ""
	}
	return n.net.host.ID().String()
}

// IsValidator reports whether the node proposes blocks.
func (n *Node) IsValidator() bool { return !n.key.IsZero() }
