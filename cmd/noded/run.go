package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/noded/noded/node"
	"github.com/noded/noded/vm"
)

func init() { register(newRunCmd) }

func newRunCmd() *cobra.Command {
	var (
		listen   string
		logLevel string
		mdns     bool
		pprof    bool
		syncMode string
		vmEngine string
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a node of a network (a devnet made by noded devnet init)",
		Long: `Run one node of a network. Its home holds genesis.json, config.json (RPC
address, p2p listen addresses and bootstrap peers), its keys and its data; noded
devnet init makes such homes. The node joins its peers over libp2p, proposes
blocks in its slots if it holds a validator key, and follows the chain
otherwise. Ctrl-C stops it cleanly; run it again to continue.

A node with no blocks beyond the genesis catches up as --sync says: "auto"
(the default) restores a peer's state snapshot when the best peer is more
than two snapshot intervals ahead and replays blocks otherwise; "snapshot"
restores a snapshot whenever one is offered; "block" replays every block.
Chunks come from every peer that offers the snapshot and each is verified
against the state root of the snapshot's signed block; progress shows in the
log and in noded status. Without a usable snapshot the node says so and
falls back to block sync.`,
		Example: `  noded devnet init --nodes 4 --dir ./devnet
  noded run --home ./devnet/node2
  noded run --home ./devnet/node2 --rpc 127.0.0.1:9547 --log-level debug
  noded devnet add --dir ./devnet && noded run --home ./devnet/node4 --sync snapshot`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fc, err := node.LoadFileConfig(global.home)
			if err != nil {
				return err
			}
			cfg := node.Config{Home: global.home}
			if err := fc.Apply(&cfg); err != nil {
				return err
			}
			if cmd.Flags().Changed("rpc") {
				if cfg.RPCAddr, err = listenAddr(listen); err != nil {
					return err
				}
			}
			if mdns {
				cfg.P2P.MDNS = true
			}
			cfg.Pprof = pprof
			if cmd.Flags().Changed("vm-engine") {
				cfg.VMEngine = vmEngine
			}
			if cfg.Sync, err = node.ParseSyncMode(syncMode); err != nil {
				return fmt.Errorf("--sync: %w", err)
			}
			if !cmd.Flags().Changed("log-level") && fc.LogLevel != "" {
				logLevel = fc.LogLevel
			}
			level, err := parseLogLevel(logLevel)
			if err != nil {
				return err
			}
			cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			n, err := node.New(cfg)
			if err != nil {
				return err
			}
			if err := n.Listen(); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "noded node of %q  genesis %s  head %d\n", n.ChainID(), n.GenesisHash(), n.Head().Height)
			fmt.Fprintf(out, "RPC        http://%s\n", n.RPCAddr())
			fmt.Fprintf(out, "Peer id    %s\n", n.PeerID())
			fmt.Fprintf(out, "Validator  %v\n", n.IsValidator())
			fmt.Fprintf(out, "VM engine  %s\n\n", n.VMEngine())
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return n.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "rpc", "", "JSON-RPC listen address HOST:PORT (default: from config.json)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&mdns, "mdns", false, "find peers on the local network by multicast DNS")
	f.BoolVar(&pprof, "pprof", false, "serve Go's profiler under /debug/pprof/ on the RPC port")
	f.StringVar(&syncMode, "sync", string(node.SyncAuto), "how a node without blocks catches up: auto, snapshot or block")
	addVMEngineFlag(f, &vmEngine, "")
	f.Lookup("vm-engine").DefValue = "from config.json, else " + vm.DefaultEngine
	return cmd
}
