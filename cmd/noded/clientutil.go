package main

// Helpers shared by the client commands (keys, tx, account, status, block):
// the keystore, argument checks and output.

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/noded/noded/internal/keystore"
)

// openKeystore opens <home>/keystore, creating it if missing.
func openKeystore() (*keystore.Store, error) {
	return keystore.Open(keystore.Dir(global.home))
}

// exactArgs is cobra.ExactArgs with a reason that names the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s: want %s, got %d arguments (see --help)", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

// addJSONFlag adds --json to a command that prints an object.
func addJSONFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "json", false, "print JSON instead of text")
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newTable returns a writer that aligns tab-separated columns.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}
