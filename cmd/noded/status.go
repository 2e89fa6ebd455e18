package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/noded/noded/rpc"
)

func init() { register(newStatusCmd) }

func newStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the node's chain, head, finality, peers and sync state",
		Long: `Ask the node at --rpc how it is: chain id and genesis hash, the head block's
height and hash, the finalized height, the connected peers, whether it is
syncing, whether it is a validator, and its contract engine.`,
		Example: `  noded status
  noded --rpc http://10.0.0.5:8545 status --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			st, err := n.NodeStatus(ctx)
			if err != nil {
				return n.explain(err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), st)
			}
			printStatus(cmd.OutOrStdout(), n.URL(), st)
			return nil
		},
	}
	addJSONFlag(cmd, &asJSON)
	return cmd
}

func printStatus(w io.Writer, url string, st *rpc.RPCNodeStatus) {
	tw := newTable(w)
	fmt.Fprintf(tw, "node:\t%s (%s)\n", st.NodeID, url)
	fmt.Fprintf(tw, "chain id:\t%s\n", st.ChainID)
	fmt.Fprintf(tw, "genesis:\t%s\n", st.GenesisHash)
	fmt.Fprintf(tw, "head:\t%d (%s)\n", uint64(st.Head.Number), st.Head.Hash)
	fmt.Fprintf(tw, "finalized:\t%d\n", uint64(st.Finalized))
	sync := "no"
	if st.Syncing {
		sync = fmt.Sprintf("yes, to block %d", uint64(st.SyncTarget))
	}
	fmt.Fprintf(tw, "syncing:\t%s\n", sync)
	if s := st.SnapshotSync; s != nil {
		fmt.Fprintf(tw, "snapshot:\t%s\n", snapshotProgress(s))
	}
	fmt.Fprintf(tw, "validator:\t%t\n", st.Validator)
	if st.VMEngine != "" {
		fmt.Fprintf(tw, "vm engine:\t%s\n", st.VMEngine)
	}
	fmt.Fprintf(tw, "peers:\t%d\n", len(st.Peers))
	tw.Flush()
	if len(st.Peers) == 0 {
		return
	}
	tw = newTable(w)
	fmt.Fprintln(tw, "  ID\tADDRESS\tHEIGHT\tLATENCY")
	for _, p := range st.Peers {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%.1f ms\n", p.ID, p.Address, uint64(p.Height), p.LatencyMs)
	}
	tw.Flush()
}
