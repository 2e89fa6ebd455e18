package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/noded/noded/node"
	"github.com/noded/noded/vm"
)

func init() { register(newDevCmd) }

func newDevCmd() *cobra.Command {
	var (
		reset     bool
		listen    string
		blockTime time.Duration
		accounts  int
		chainID   string
		minPrice  uint64
		logLevel  string
		pprof     bool
		vmEngine  string
	)
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a single-node dev chain",
		Long: `Run a single-validator dev chain with an embedded database under the home folder.

The first start creates the chain and prefunded dev accounts dev0, dev1, ... whose
well-known keys go into the keystore, so "--from dev0" works in every command.
Starting again continues the same chain; --reset wipes it (the keystore stays).
Blocks are produced as soon as a transaction is pending (--block-time 0, the
default) or on an interval. Ctrl-C shuts down cleanly.`,
		Example: `  noded dev
  noded dev --home /tmp/devchain --rpc 127.0.0.1:9545 --block-time 2s
  noded dev --reset
  noded dev --vm-engine wazero`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if reset {
				if err := node.ResetHome(global.home); err != nil {
					return err
				}
			}
			addr, err := listenAddr(listen)
			if err != nil {
				return err
			}
			level, err := parseLogLevel(logLevel)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			n, err := node.New(node.Config{
				Home: global.home, RPCAddr: addr, Dev: true, BlockTime: blockTime,
				DevAccounts: accounts, ChainID: chainID, MinGasPrice: minPrice, Logger: log, Pprof: pprof,
				VMEngine: vmEngine,
			})
			if err != nil {
				return err
			}
			if err := n.Listen(); err != nil {
				return err
			}
			printDevBanner(cmd, n, blockTime)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return n.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&reset, "reset", false, "wipe the chain in the home folder and start a new one")
	f.StringVar(&listen, "rpc", node.DefaultRPCAddr, "JSON-RPC listen address HOST:PORT (HTTP and WebSocket)")
	f.DurationVar(&blockTime, "block-time", 0, "interval between blocks; 0 builds a block as soon as a transaction is pending")
	f.IntVar(&accounts, "accounts", node.DefaultDevAccounts, "number of prefunded dev accounts of a new chain")
	f.StringVar(&chainID, "chain-id", node.DefaultChainID, "chain id of a new chain")
	f.Uint64Var(&minPrice, "min-gas-price", 1, "lowest gas price the mempool accepts")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&pprof, "pprof", false, "serve Go's profiler under /debug/pprof/ on the RPC port")
	addVMEngineFlag(f, &vmEngine, vm.DefaultEngine)
	return cmd
}

// addVMEngineFlag adds --vm-engine.
func addVMEngineFlag(f *pflag.FlagSet, p *string, def string) {
	f.StringVar(p, "vm-engine", def, "contract engine: "+strings.Join(vm.EngineNames(), " or ")+
		" (the same results and gas on either; wazero is pure Go, wasmer needs cgo)")
}

// listenAddr accepts HOST:PORT, or a URL like http://HOST:PORT.
func listenAddr(s string) (string, error) {
	for _, p := range []string{"http://", "ws://"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimSuffix(s, "/")
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("--rpc %q: want HOST:PORT", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("--rpc %q: the port must be a number from 0 to 65535", s)
	}
	return s, nil
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func printDevBanner(cmd *cobra.Command, n *node.Node, blockTime time.Duration) {
	out := cmd.OutOrStdout()
	head := n.Head()
	mode := "on demand (a block as soon as a transaction is pending)"
	if blockTime > 0 {
		mode = "every " + blockTime.String()
	}
	fmt.Fprintf(out, "noded dev chain %q  genesis %s  head %d\n", n.ChainID(), n.GenesisHash(), head.Height)
	fmt.Fprintf(out, "RPC        http://%s  (WebSocket ws://%s, metrics /metrics)\n", n.RPCAddr(), n.RPCAddr())
	fmt.Fprintf(out, "Home       %s\n", global.home)
	fmt.Fprintf(out, "Blocks     %s\n", mode)
	fmt.Fprintf(out, "VM engine  %s\n\n", n.VMEngine())
	fmt.Fprintf(out, "Dev accounts (well-known keys in the keystore; use --from NAME):\n")
	for _, a := range n.DevAccounts() {
		bal := "?"
		if acc, err := n.Account(a.Address); err == nil {
			bal = acc.Balance.Dec()
		}
		fmt.Fprintf(out, "  %-6s %s  %s\n", a.Name, a.Address, bal)
	}
	fmt.Fprintf(out, "\nThese keys are public: never send anything of value to them.\n\n")
}
