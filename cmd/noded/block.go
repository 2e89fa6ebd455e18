package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

func init() { register(newBlockCmd) }

func newBlockCmd() *cobra.Command {
	var (
		full   bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "block [NUMBER|latest|finalized|earliest|HASH]",
		Short: "Show a block",
		Long: `Show a block of the node at --rpc, by height (decimal or 0x-hex), by tag
(latest, the default; finalized; earliest) or by 0x hash: its header and the
hashes of its transactions, or the transactions themselves with --full.`,
		Example: `  noded block
  noded block 42 --full
  noded block finalized
  noded block 0x7d0c...9e --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			which := "latest"
			if len(args) == 1 {
				which = args[0]
			}
			var (
				hash   types.Hash
				byHash = strings.HasPrefix(which, "0x") && len(which) == 2+2*len(hash)
				num    rpc.BlockNumber
				err    error
			)
			if byHash {
				hash, err = types.ParseHash(which)
			} else {
				num, err = parseBlock("block", which)
			}
			if err != nil {
				return err
			}
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			var b *rpc.RPCBlock
			if byHash {
				b, err = n.BlockByHash(ctx, hash, full)
			} else {
				b, err = n.BlockByNumber(ctx, num, full)
			}
			if err != nil {
				return n.explain(err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), b)
			}
			printBlock(cmd.OutOrStdout(), b)
			return nil
		},
	}
	cmd.Flags().BoolVar(&full, "full", false, "include the whole transactions, not only their hashes")
	addJSONFlag(cmd, &asJSON)
	return cmd
}

func printBlock(w io.Writer, b *rpc.RPCBlock) {
	tw := newTable(w)
	fmt.Fprintf(tw, "number:\t%d\n", uint64(b.Number))
	fmt.Fprintf(tw, "hash:\t%s\n", b.Hash)
	fmt.Fprintf(tw, "parent:\t%s\n", b.ParentHash)
	fmt.Fprintf(tw, "slot:\t%d\n", uint64(b.Slot))
	ts := time.UnixMilli(int64(b.Timestamp)).UTC()
	fmt.Fprintf(tw, "time:\t%s (%d)\n", ts.Format(time.RFC3339Nano), uint64(b.Timestamp))
	fmt.Fprintf(tw, "proposer:\t%s\n", b.ProposerAddress)
	fmt.Fprintf(tw, "state root:\t%s\n", b.StateRoot)
	fmt.Fprintf(tw, "tx root:\t%s\n", b.TxRoot)
	fmt.Fprintf(tw, "receipts root:\t%s\n", b.ReceiptsRoot)
	fmt.Fprintf(tw, "gas used:\t%d of %d\n", uint64(b.GasUsed), uint64(b.GasLimit))
	fmt.Fprintf(tw, "transactions:\t%d\n", uint64(b.TxCount))
	tw.Flush()
	for i, t := range b.Transactions {
		if t.Tx == nil {
			fmt.Fprintf(w, "  %s\n", t.Hash)
			continue
		}
		fmt.Fprintf(w, "\n  transaction %d:\n", i)
		printTx(w, "    ", t.Tx)
	}
}
