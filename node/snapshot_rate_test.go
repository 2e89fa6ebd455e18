package node

import (
	"testing"
	"time"
)

// Blocks on demand reach an interval height faster than snapshots can be
// taken: the node skips heights rather than spend its CPU on snapshots,
// and still ends with a snapshot of the newest interval height.
func TestSnapshotsSkipHeightsUnderLoad(t *testing.T) {
	tn := startTestNode(t, Config{Home: t.TempDir(), Dev: true, DevAccounts: 1000, SnapshotInterval: 1, SnapshotKeep: 16})
	ctx := ctxT(t)
	const blocks = 300
	if _, err := tn.c.DevMine(ctx, blocks); err != nil {
		t.Fatal(err)
	}
	head := tn.n.Head().Height
	deadline := time.Now().Add(30 * time.Second)
	for {
		snaps := tn.n.snaps.list()
		if len(snaps) > 0 && snaps[0].m.Height == head {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot of the head %d after 30 s (%d snapshots)", head, len(snaps))
		}
		time.Sleep(10 * time.Millisecond)
	}
	snaps := tn.n.snaps.list() // newest first
	t.Logf("%d blocks, %d snapshots taken", head, len(snaps))
	for i := len(snaps) - 1; i > 0; i-- {
		prev, next := snaps[i], snaps[i-1]
		gap := next.taken.Sub(prev.taken.Add(prev.took))
		if gap < (snapshotDuty-1)*prev.took {
			t.Errorf("snapshot at %d began %v after the one at %d, which took %v: want at least %v",
				next.m.Height, gap, prev.m.Height, prev.took, (snapshotDuty-1)*prev.took)
		}
	}
	if len(snaps) >= blocks {
		t.Errorf("%d snapshots for %d interval heights: none skipped", len(snaps), head)
	}
}
