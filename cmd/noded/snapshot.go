package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/noded/noded/node"
	"github.com/noded/noded/rpc"
)

func init() { register(newSnapshotCmd) }

func newSnapshotCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "List, export and import state snapshots",
		Long: `Every node of a network takes a snapshot of its state every snapshot-interval
blocks (config.json "snapshot_interval", default 100), keeps the last 3 and
serves them to peers, so that a new node can join from one (noded run --sync
snapshot, or by default when it is far behind).

list asks a running node (--rpc) which snapshots it keeps. export and import
move a snapshot by hand as a file: they open the node's home (--home)
directly, so the node must be stopped while they run. An import is verified
like a snapshot from peers: the signed block, then every chunk against the
state root.`,
		Example: `  noded snapshot list --rpc http://127.0.0.1:8546
  noded snapshot export --home ./devnet/node0 --height 300 state-300.snap
  noded snapshot import --home ./devnet/node4 state-300.snap && noded run --home ./devnet/node4`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.AddCommand(newSnapshotListCmd(), newSnapshotExportCmd(), newSnapshotImportCmd())
	return cmd
}

func newSnapshotListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the state snapshots a running node keeps",
		Long: `List the state snapshots the node at --rpc keeps, newest first: the block
height and hash, the state root, the chunks, entries and size, and whether
peers are offered it now (its block is final and canonical).`,
		Example: `  noded snapshot list
  noded snapshot list --rpc http://127.0.0.1:8546 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			var snaps []rpc.RPCSnapshot
			if err := n.Call(ctx, &snaps, "snap_list"); err != nil {
				return n.explain(err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), snaps)
			}
			printSnapshots(cmd.OutOrStdout(), snaps)
			return nil
		},
	}
	addJSONFlag(cmd, &asJSON)
	return cmd
}

func printSnapshots(w io.Writer, snaps []rpc.RPCSnapshot) {
	if len(snaps) == 0 {
		fmt.Fprintln(w, "no snapshots yet (one is taken every snapshot-interval blocks)")
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "HEIGHT\tSTATE ROOT\tCHUNKS\tENTRIES\tSIZE\tOFFERED")
	for _, s := range snaps {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%v\n", uint64(s.Height), s.StateRoot, uint64(s.Chunks), uint64(s.Entries),
			humanBytes(uint64(s.Size)), s.Offered)
	}
	tw.Flush()
}

// humanBytes prints a size in B, KB, MB or GB (powers of 1000).
func humanBytes(n uint64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

func newSnapshotExportCmd() *cobra.Command {
	var height uint64
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "Write a snapshot of a stopped node's state to a file",
		Long: `Write the snapshot of the state after block --height (default: the head) of
the node in --home to FILE. The node must be stopped: its database is locked
while it runs. The state of the head and of the last 256 blocks can be
exported; a height listed by "noded snapshot list" qualifies while it is that
recent.`,
		Example: `  noded snapshot export --home ./devnet/node0 --height 300 state-300.snap`,
		Args:    exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := commandContext(cmd)
			defer stop()
			path := args[0]
			f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
			if err != nil {
				return err
			}
			defer os.Remove(f.Name())
			if err := f.Chmod(0o644); err != nil {
				f.Close()
				return err
			}
			start := time.Now()
			info, err := node.ExportSnapshot(ctx, global.home, height, f)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := os.Rename(f.Name(), path); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported the state of block %d (%s) to %s: %d chunks, %d entries, %s in %v\n",
				info.Height, info.BlockHash, path, info.Chunks, info.Entries, humanBytes(info.Bytes), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().Uint64Var(&height, "height", 0, "block whose state to export (default: the head)")
	return cmd
}

func newSnapshotImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Restore a snapshot file into a new node's home",
		Long: `Verify the snapshot in FILE against the genesis of the node in --home (its
block's proposer signature, then every chunk against the state root) and
restore it: the node then starts from that block and syncs the rest from its
peers. The home must hold no blocks beyond the genesis (a new home, as noded
devnet add makes) and the node must be stopped. An import cut short resumes
when run again.`,
		Example: `  noded devnet add --dir ./devnet
  noded snapshot import --home ./devnet/node4 state-300.snap
  noded run --home ./devnet/node4`,
		Args: exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := commandContext(cmd)
			defer stop()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := os.Stat(filepath.Join(global.home, "genesis.json")); errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("%s has no genesis.json: import into the home of a node of the snapshot's network (noded devnet add makes one)", global.home)
			}
			start := time.Now()
			info, err := node.ImportSnapshot(ctx, global.home, f)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported the state of block %d (%s): %d chunks, %d entries, %s in %v\nStart the node with: noded run --home %s\n",
				info.Height, info.BlockHash, info.Chunks, info.Entries, humanBytes(info.Bytes), time.Since(start).Round(time.Millisecond), global.home)
			return nil
		},
	}
	return cmd
}

// snapshotProgress describes a snapshot restore under way, for noded
// status.
func snapshotProgress(s *rpc.RPCSnapshotSync) string {
	if s.State != "downloading" {
		return s.State + " (asking peers for snapshots)"
	}
	out := fmt.Sprintf("restoring block %d: %d/%d chunks, %s of %s", uint64(s.Height), uint64(s.ChunksDone), uint64(s.Chunks),
		humanBytes(uint64(s.BytesDone)), humanBytes(uint64(s.Bytes)))
	if s.BytesPerSec > 0 {
		out += fmt.Sprintf(", %s/s, ETA %v", humanBytes(uint64(s.BytesPerSec)), time.Duration(s.ETASeconds*float64(time.Second)).Round(time.Second))
	}
	if s.BadChunks > 0 {
		out += fmt.Sprintf(", %d bad chunks refetched", uint64(s.BadChunks))
	}
	return out + fmt.Sprintf(", from %d peers", uint64(s.Peers))
}
