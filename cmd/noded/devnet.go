package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/noded/noded/node"
)

func init() { register(newDevnetCmd) }

func newDevnetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Create and run a multi-node devnet on this machine",
		Long: `A devnet is a set of node homes in one folder, one validator per node, sharing
a genesis with prefunded dev accounts dev0, dev1, ... whose keys are in every
node's keystore.`,
		Example: `  noded devnet init --nodes 4 --dir ./devnet
  noded devnet up --dir ./devnet
  noded run --home ./devnet/node2      # one node by hand`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("%s: want a subcommand: init, up or add (see --help)", cmd.CommandPath())
		},
	}
	cmd.AddCommand(newDevnetInitCmd(), newDevnetUpCmd(), newDevnetAddCmd())
	return cmd
}

func newDevnetInitCmd() *cobra.Command {
	var (
		o   node.DevnetOptions
		dir string
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write the homes of a new devnet",
		Long: `Write one home per node under --dir (node0, node1, ...): a validator key, the
dev account keys, the shared genesis.json, a p2p identity, and a config.json with
the node's RPC port (--rpc-port + i), p2p port (--p2p-port + i), the other
nodes as bootstrap peers, and the snapshot interval (--snapshot-interval).`,
		Example: `  noded devnet init --nodes 4 --dir ./devnet
  noded devnet init --nodes 3 --dir /tmp/net --chain-id mynet --block-time 500ms --rpc-port 9545 --p2p-port 36656`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--dir is required")
			}
			if o.Nodes < 1 {
				return fmt.Errorf("--nodes %d: a devnet needs at least one node", o.Nodes)
			}
			nodes, err := node.InitDevnet(dir, o)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "devnet of %d nodes in %s\n", len(nodes), dir)
			for i, nd := range nodes {
				fmt.Fprintf(out, "  node%d  rpc http://%s  peer %s\n", i, nd.RPC, nd.PeerID)
			}
			fmt.Fprintf(out, "\nStart it with: noded devnet up --dir %s\n", dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "folder for the node homes (required)")
	f.IntVar(&o.Nodes, "nodes", 4, "number of nodes (each a validator)")
	f.StringVar(&o.ChainID, "chain-id", "noded-devnet", "chain id")
	f.DurationVar(&o.BlockTime, "block-time", time.Second, "slot length")
	f.IntVar(&o.RPCPort, "rpc-port", 8545, "RPC port of node0; node i gets this + i")
	f.IntVar(&o.P2PPort, "p2p-port", 26656, "p2p port of node0; node i gets this + i")
	f.IntVar(&o.DevAccounts, "accounts", 4, "prefunded dev accounts")
	f.Uint64Var(&o.SnapshotInterval, "snapshot-interval", node.DefaultSnapshotInterval, "every node takes a state snapshot every this many blocks")
	return cmd
}

func newDevnetAddCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add the home of one more (non-validator) node to a devnet",
		Long: `Write the home of one more node under --dir: the devnet's genesis, the dev
account keys, a p2p identity, and a config.json with the next free ports that
bootstraps from every existing node. It holds no validator key: it follows the
chain. Start it with noded run --home (or noded devnet up, which starts every
home).`,
		Example: `  noded devnet add --dir ./devnet
  noded run --home ./devnet/node4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--dir is required")
			}
			nd, err := node.AddDevnetNode(dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %s  rpc http://%s  peer %s\nStart it with: noded run --home %s\n",
				filepath.Base(nd.Home), nd.RPC, nd.PeerID, nd.Home)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "folder holding the devnet's node homes (required)")
	return cmd
}

func newDevnetUpCmd() *cobra.Command {
	var dir, logLevel string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start every node of a devnet, each as its own process",
		Long: `Start every node home under --dir as its own "noded run" process, print each
node's RPC URL and peer id, and write each node's log to <home>/node.log and its
process id to <home>/node.pid. A node that exits leaves the others running
(restart it with noded run --home). Ctrl-C stops them all.`,
		Example: `  noded devnet up --dir ./devnet`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--dir is required")
			}
			homes, err := filepath.Glob(filepath.Join(dir, "node*"))
			if err != nil || len(homes) == 0 {
				return fmt.Errorf("no node homes in %s (run noded devnet init first)", dir)
			}
			sort.Slice(homes, func(i, j int) bool { return nodeIndex(homes[i]) < nodeIndex(homes[j]) })
			self, err := os.Executable()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDevnet(ctx, cmd, self, homes, logLevel)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "folder holding the node homes (required)")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level of the nodes")
	return cmd
}

func nodeIndex(home string) int {
	var i int
	fmt.Sscanf(strings.TrimPrefix(filepath.Base(home), "node"), "%d", &i)
	return i
}

// runDevnet starts one process per home and waits for ctx or for a process
// to die; then it stops them all.
func runDevnet(ctx context.Context, cmd *cobra.Command, self string, homes []string, logLevel string) error {
	out := cmd.OutOrStdout()
	var procs []*exec.Cmd
	exited := make(chan string, len(homes))
	var wg sync.WaitGroup
	stopAll := func() {
		for _, p := range procs {
			_ = p.Process.Signal(os.Interrupt)
		}
		wg.Wait()
	}
	for _, home := range homes {
		logf, err := os.OpenFile(filepath.Join(home, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			stopAll()
			return err
		}
		p := exec.Command(self, "run", "--home", home, "--log-level", logLevel)
		p.Stdout, p.Stderr = logf, logf
		if err := p.Start(); err != nil {
			logf.Close()
			stopAll()
			return fmt.Errorf("start %s: %w", home, err)
		}
		procs = append(procs, p)
		_ = os.WriteFile(filepath.Join(home, "node.pid"), []byte(fmt.Sprintf("%d\n", p.Process.Pid)), 0o644)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.Wait()
			logf.Close()
			exited <- home
		}()
	}
	// Report each node once its RPC answers.
	for _, home := range homes {
		fc, err := node.LoadFileConfig(home)
		if err != nil {
			stopAll()
			return err
		}
		url := "http://" + fc.RPCAddr
		id := peerIDFromLog(ctx, filepath.Join(home, "node.log"))
		fmt.Fprintf(out, "%-6s %s  peer %s  log %s\n", filepath.Base(home), url, id, filepath.Join(home, "node.log"))
	}
	fmt.Fprintf(out, "\n%d nodes running; Ctrl-C stops them all.\n", len(homes))
	// A node that dies leaves the others running: the network carries on
	// without it, and the user can restart it by hand.
	for alive := len(homes); alive > 0; {
		select {
		case <-ctx.Done():
			fmt.Fprintln(out, "stopping...")
			stopAll()
			return nil
		case home := <-exited:
			alive--
			fmt.Fprintf(out, "%s exited (see %s); restart it with: noded run --home %s\n",
				filepath.Base(home), filepath.Join(home, "node.log"), home)
		}
	}
	return errors.New("every node exited")
}

// peerIDFromLog waits (up to 10 s) for the node to print its peer id.
func peerIDFromLog(ctx context.Context, path string) string {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if f, err := os.Open(path); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if id, ok := strings.CutPrefix(sc.Text(), "Peer id    "); ok {
					f.Close()
					return id
				}
			}
			f.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "(not reported yet)"
}
