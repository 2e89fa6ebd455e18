package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noded/noded/client/clienttest"
	"github.com/noded/noded/node"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

func TestSnapshotListCmd(t *testing.T) {
	_, args := testNode(t, clienttest.Options{})
	if out := mustRun(t, with(args, "snapshot", "list")...); !strings.Contains(out, "no snapshots yet") {
		t.Errorf("snapshot list: %q", out)
	}
	if out := mustRun(t, with(args, "snapshot", "list", "--json")...); strings.TrimSpace(out) != "[]" {
		t.Errorf("snapshot list --json: %q", out)
	}
	var b strings.Builder
	printSnapshots(&b, []rpc.RPCSnapshot{{Height: 300, StateRoot: types.Hash{1}, Chunks: 16, Entries: 50_000, Size: 3_300_000, Offered: true}})
	for _, want := range []string{"HEIGHT", "300", types.Hash{1}.String(), "16", "50000", "3.3 MB", "true"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, b.String())
		}
	}
}

func TestSnapshotProgressText(t *testing.T) {
	s := &rpc.RPCSnapshotSync{State: "downloading", Height: 800, Chunks: 50, ChunksDone: 10, Bytes: 100e6, BytesDone: 20e6,
		BytesPerSec: 5e6, ETASeconds: 16.4, Peers: 3, BadChunks: 1}
	want := "restoring block 800: 10/50 chunks, 20.0 MB of 100.0 MB, 5.0 MB/s, ETA 16s, 1 bad chunks refetched, from 3 peers"
	if got := snapshotProgress(s); got != want {
		t.Errorf("progress %q\nwant     %q", got, want)
	}
	if got := snapshotProgress(&rpc.RPCSnapshotSync{State: "searching"}); !strings.HasPrefix(got, "searching") {
		t.Errorf("searching: %q", got)
	}
}

// export from one home, import into a new one: the state and the head
// arrive; bad files and homes are refused with a reason.
func TestSnapshotExportImportCmd(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "devnet", "init", "--nodes", "1", "--dir", dir)
	height, contract, key, value := fillState(t, dir, 1, 4, 2_000)
	src := node.NodeHome(dir, 0)
	file := filepath.Join(t.TempDir(), "s.snap")
	out := mustRun(t, "snapshot", "export", "--home", src, "--height", "3", file)
	if !strings.Contains(out, "exported the state of block 3") {
		t.Errorf("export: %q", out)
	}
	mustRun(t, "devnet", "add", "--dir", dir)
	dst := node.NodeHome(dir, 1)
	out = mustRun(t, "snapshot", "import", "--home", dst, file)
	if !strings.Contains(out, "imported the state of block 3") {
		t.Errorf("import: %q", out)
	}
	db, err := store.Open(filepath.Join(dst, "data"), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	head, _ := db.Head()
	if head.Height != 3 {
		t.Fatalf("head after import: %d", head.Height)
	}
	if err := db.VerifyState(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The head's state, exported and imported elsewhere, holds the entry.
	mustRun(t, "snapshot", "export", "--home", src, file)
	mustRun(t, "devnet", "add", "--dir", dir)
	mustRun(t, "snapshot", "import", "--home", node.NodeHome(dir, 2), file)
	db, err = store.Open(filepath.Join(node.NodeHome(dir, 2), "data"), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Get(append(append([]byte{'s'}, contract[:]...), key...))
	if head, _ := db.Head(); err != nil || string(v) != string(value) || head.Height != height {
		t.Fatalf("entry %x %v at head %d", v, err, head.Height)
	}
	db.Close()

	// Refusals.
	if reason := mustFail(t, "snapshot", "import", "--home", dst, file); !strings.Contains(reason, "has blocks up to 3") {
		t.Errorf("import into a home with blocks: %q", reason)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-10] ^= 1
	bad := filepath.Join(t.TempDir(), "bad.snap")
	if err := os.WriteFile(bad, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "devnet", "add", "--dir", dir)
	if reason := mustFail(t, "snapshot", "import", "--home", node.NodeHome(dir, 3), bad); !strings.Contains(reason, "bad snapshot chunk") {
		t.Errorf("import of a corrupted file: %q", reason)
	}
	if reason := mustFail(t, "snapshot", "import", "--home", node.NodeHome(dir, 3), filepath.Join(dir, "node0", "genesis.json")); !strings.Contains(reason, "not a noded snapshot file") {
		t.Errorf("import of another file: %q", reason)
	}
	if reason := mustFail(t, "snapshot", "export", "--home", src, "--height", "99", file); !strings.Contains(reason, "not found") {
		t.Errorf("export above the head: %q", reason)
	}
}
