package main

// noded contract build: a contract in standard Go to its .wasm, with the
// flags the node needs.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/noded/noded/contracts/build"
	"github.com/noded/noded/types"
)

func newContractBuildCmd() *cobra.Command {
	var (
		out    string
		debug  bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "build [DIR]",
		Short: "Build a contract written in Go into DIR/NAME.wasm",
		Long: `Build the contract in DIR (default: the current folder), a Go module whose
main package is the contract, into DIR/NAME.wasm (NAME: DIR's base name),
and print its size, its code hash (the hash the chain stores it under, as
state_getCode and the deploy's account show) and what deploying it costs
before it runs. It runs the go command as:

  GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go ` + strings.Join(build.Args("NAME.wasm", false), " ") + `

-trimpath and -ldflags="-s -w" keep the module small (and the same on
every machine): a deploy costs gas per byte. --debug keeps the symbols.`,
		Example: `  noded contract build                 # the contract in this folder
  noded contract build contracts/examples/token
  noded contract build ./mycounter --out /tmp/c.wasm --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			res, err := build.Build(ctx, dir, build.Options{Out: out, Debug: debug})
			var be *build.Error
			if errors.As(err, &be) {
				fmt.Fprintln(cmd.ErrOrStderr(), be.Output)
				return fmt.Errorf("go build in %s failed (its output is above)", be.Dir)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, struct {
					Path      string     `json:"path"`
					Size      int        `json:"size"`
					CodeHash  types.Hash `json:"codeHash"`
					DeployGas uint64     `json:"deployGas"`
				}{res.Path, len(res.Code), res.Hash, res.DeployGas})
			}
			tw := newTable(w)
			fmt.Fprintf(tw, "built:\t%s\n", res.Path)
			fmt.Fprintf(tw, "size:\t%d bytes (at most %d)\n", len(res.Code), types.MaxCodeSize)
			fmt.Fprintf(tw, "code hash:\t%s\n", res.Hash)
			fmt.Fprintf(tw, "deploy gas:\t%d before it runs (intrinsic and deploy price), then _initialize and init\n", res.DeployGas)
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (default DIR/NAME.wasm)")
	cmd.Flags().BoolVar(&debug, "debug", false, "keep symbols and debug information (larger; panics name functions)")
	addJSONFlag(cmd, &asJSON)
	return cmd
}
