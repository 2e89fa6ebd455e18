package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

func init() { register(newAccountCmd) }

// accountOutput is the --json form of an account.
type accountOutput struct {
	Address types.Address `json:"address"`
	*rpc.RPCAccount
}

func newAccountCmd() *cobra.Command {
	var (
		block  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "account ADDR|NAME",
		Short: "Show an account's balance and nonce",
		Long: `Show the balance (in base units), the nonce and, for a contract, the code hash
of an account, read from the node at --rpc. The account is given by its 0x
address or by the name of a key in the keystore. An address the chain has
never seen shows a zero balance.`,
		Example: `  noded account 0x5b1f...c3
  noded account dev0
  noded account alice --block 120 --json`,
		Args: exactArgs(1, "ADDR or NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress("account", args[0])
			if err != nil {
				return err
			}
			at, err := parseBlock("--block", block)
			if err != nil {
				return err
			}
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			a, err := n.Account(ctx, addr, at)
			if err != nil {
				return n.explain(err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), accountOutput{Address: addr, RPCAccount: a})
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintf(tw, "address:\t%s\n", addr)
			fmt.Fprintf(tw, "balance:\t%s\n", decimal(a.Balance))
			fmt.Fprintf(tw, "nonce:\t%d\n", uint64(a.Nonce))
			if !a.CodeHash.IsZero() {
				fmt.Fprintf(tw, "code hash:\t%s\n", a.CodeHash)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&block, "block", "latest", "block height, or latest, finalized or earliest")
	addJSONFlag(cmd, &asJSON)
	return cmd
}
