// Command noded runs a noded node and talks to one.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// globalFlags are the flags every command takes.
type globalFlags struct {
	home string // --home: the node's or the client's home folder (keystore, data)
	rpc  string // --rpc: the node's JSON-RPC URL, for client commands
}

var global globalFlags

// DefaultRPCURL is where client commands find a node unless --rpc says otherwise.
const DefaultRPCURL = "http://127.0.0.1:8545"

// commands holds the constructors of the top-level subcommands; each file
// registers its own in init so that files stay independent.
var commands []func() *cobra.Command

func register(c func() *cobra.Command) { commands = append(commands, c) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "noded",
		Short: "A blockchain node with WebAssembly contracts",
		Long: `noded runs a node of a proof-of-authority chain with WebAssembly contracts,
and talks to one over JSON-RPC.

Start a dev chain with "noded dev"; send it transactions with "noded tx".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&global.home, "home", defaultHome(), "home folder (keystore, chain data)")
	root.PersistentFlags().StringVar(&global.rpc, "rpc", DefaultRPCURL, "JSON-RPC URL of the node (client commands)")
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

// defaultHome is $NODED_HOME, else ~/.noded.
func defaultHome() string {
	if h := os.Getenv("NODED_HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".noded")
	}
	return ".noded"
}

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	err := newRootCmd().Execute()
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "noded: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	os.Exit(1)
}
