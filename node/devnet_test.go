package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/noded/noded/p2p"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// startDevnet creates a devnet of n nodes in a temp dir with free ports and
// starts every node in this process.
func startDevnet(t *testing.T, n int, blockTime time.Duration) (dir string, nodes []*testNode) {
	t.Helper()
	dir = t.TempDir()
	if _, err := InitDevnet(dir, DevnetOptions{Nodes: n, BlockTime: blockTime}); err != nil {
		t.Fatal(err)
	}
	movePorts(t, dir, n)
	for i := range n {
		nodes = append(nodes, startNetNode(t, dir, i))
	}
	return dir, nodes
}

// startNetNode runs node i of the devnet in dir on free ports, bootstrapping
// from the other nodes' identities.
func startNetNode(t testing.TB, dir string, i int) *testNode {
	t.Helper()
	home := NodeHome(dir, i)
	fc, err := LoadFileConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Home: home}
	if err := fc.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	cfg.RPCAddr = "127.0.0.1:0"
	if os.Getenv("NODED_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", i)
	}
	return startTestNode(t, cfg)
}

func TestDevnetInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test")
	}
	_, nodes := startDevnet(t, 4, 250*time.Millisecond)
	ctx := ctxT(t)
	// Transactions sent to different nodes land on all.
	var hashes []types.Hash
	for i, tn := range nodes {
		tx := signedTransfer(DevKey(i), "noded-devnet", 0, types.Address{0xaa}, uint64(10+i), 1)
		res, err := tn.c.SendTx(ctx, tx)
		if err != nil {
			t.Fatalf("send to node %d: %v", i, err)
		}
		hashes = append(hashes, res.Hash)
	}
	for _, h := range hashes {
		for i, tn := range nodes {
			if _, err := tn.c.WaitReceipt(ctx, h, 20*time.Millisecond); err != nil {
				t.Fatalf("node %d: receipt of %s: %v", i, h, err)
			}
		}
	}
	waitAgree(t, ctx, nodes, 0)
	// The validators that received the block had the transactions from
	// gossip: their signatures were not verified a second time.
	var known uint64
	for _, tn := range nodes {
		known += tn.n.sigsKnown.Load()
	}
	if known == 0 {
		t.Error("no block signature was found verified in a mempool")
	}
	for i, tn := range nodes {
		var info rpc.RPCNetInfo
		if err := tn.c.Call(ctx, &info, "net_info"); err != nil || len(info.ListenAddrs) == 0 || info.PeerCount == 0 {
			t.Fatalf("node %d: net_info %+v %v", i, info, err)
		}
		st, err := tn.c.NodeStatus(ctx)
		if err != nil || len(st.Peers) == 0 || st.Finalized > st.Head.Number {
			t.Fatalf("node %d: node_status %+v %v", i, st, err)
		}
	}
	for i, tn := range nodes {
		acc, err := tn.c.Account(ctx, types.Address{0xaa}, rpc.LatestBlock)
		if err != nil || amt(acc.Balance).Uint64() != 10+11+12+13 {
			t.Fatalf("node %d: balance %v %v", i, acc, err)
		}
	}
}

// waitAgree waits until every node's head is at least minHeight and every
// node has the same block at the lowest head height, with the same state
// root.
func waitAgree(t *testing.T, ctx context.Context, nodes []*testNode, minHeight uint64) {
	t.Helper()
	for {
		var low uint64 = 1 << 62
		ok := true
		for _, tn := range nodes {
			h := tn.n.Head().Height
			low = min(low, h)
			if h < minHeight {
				ok = false
			}
		}
		if ok {
			var first *rpc.RPCBlock
			agree := true
			for _, tn := range nodes {
				b, err := tn.c.BlockByNumber(ctx, rpc.BlockAt(low), false)
				if err != nil {
					agree = false
					break
				}
				if first == nil {
					first = b
				} else if b.Hash != first.Hash || b.StateRoot != first.StateRoot {
					agree = false
				}
			}
			if agree {
				return
			}
		}
		select {
		case <-ctx.Done():
			var heads []string
			for _, tn := range nodes {
				h := tn.n.Head()
				heads = append(heads, fmt.Sprintf("%d:%s", h.Height, h.Hash()))
			}
			t.Fatalf("nodes do not agree: %v", heads)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// movePorts moves the n nodes of the devnet in dir to free loopback ports
// and points their bootstrap lists at each other.
func movePorts(t testing.TB, dir string, n int) {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		ports[i] = freePort(t)
	}
	for i := range n {
		home := NodeHome(dir, i)
		fc, err := LoadFileConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		fc.P2P.Listen = []string{fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", ports[i])}
		fc.P2P.Bootstrap = nil
		for j := range n {
			if j == i {
				continue
			}
			id, err := p2p.IdentityFromKeyFile(filepath.Join(NodeHome(dir, j), "p2p_key"))
			if err != nil {
				t.Fatal(err)
			}
			fc.P2P.Bootstrap = append(fc.P2P.Bootstrap, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", ports[j], id))
		}
		if err := fc.Save(home); err != nil {
			t.Fatal(err)
		}
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
