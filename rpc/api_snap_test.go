package rpc

import (
	"fmt"
	"testing"

	"github.com/noded/noded/types"
)

func TestSnapList(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	jsonEqual(t, "no snapshots", result(t, s, "snap_list"), `[]`)
	f.snapshots = []SnapshotInfo{
		{Height: 200, BlockHash: types.Hash{2}, StateRoot: types.Hash{3}, Chunks: 16, Entries: 50_000, Size: 4 << 20, Offered: true},
		{Height: 100, BlockHash: types.Hash{4}, StateRoot: types.Hash{5}, Chunks: 1, Entries: 0, Size: 1029},
	}
	jsonEqual(t, "snapshots", result(t, s, "snap_list"), fmt.Sprintf(`[
		{"height":"0xc8","blockHash":%q,"stateRoot":%q,"chunks":"0x10","entries":"0xc350","size":"0x400000","offered":true},
		{"height":"0x64","blockHash":%q,"stateRoot":%q,"chunks":"0x1","entries":"0x0","size":"0x405","offered":false}]`,
		types.Hash{2}, types.Hash{3}, types.Hash{4}, types.Hash{5}))
}

// A snapshot restore under way shows in node_status and node_syncing.
func TestSnapshotSyncStatus(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	f.status = NodeStatus{NodeID: "n", Syncing: true, SyncTarget: 900, SnapshotSync: &SnapshotSyncStatus{
		State: "downloading", Height: 800, Chunks: 50, ChunksDone: 10, Bytes: 100 << 20, BytesDone: 20 << 20,
		BytesPerSec: 5e6, ETASeconds: 16.5, Peers: 3, BadChunks: 1}}
	want := `{"state":"downloading","height":"0x320","chunks":"0x32","chunksDone":"0xa","bytes":"0x6400000",
		"bytesDone":"0x1400000","bytesPerSec":5000000,"etaSeconds":16.5,"peers":"0x3","badChunks":"0x1"}`
	jsonEqual(t, "node_syncing", result(t, s, "node_syncing"),
		`{"currentBlock":"0x2","targetBlock":"0x384","snapshot":`+want+`}`)
	st := decode[RPCNodeStatus](t, result(t, s, "node_status"))
	if st.SnapshotSync == nil || st.SnapshotSync.ChunksDone != 10 || st.SnapshotSync.ETASeconds != 16.5 {
		t.Fatalf("node_status: %+v", st.SnapshotSync)
	}
	sy := decode[RPCSyncing](t, result(t, s, "node_syncing"))
	if !sy.Syncing || sy.Snapshot == nil || sy.Snapshot.Height != 800 {
		t.Fatalf("node_syncing round trip: %+v", sy)
	}
	// Without a restore, no snapshot object.
	f.status.SnapshotSync = nil
	jsonEqual(t, "node_syncing", result(t, s, "node_syncing"), `{"currentBlock":"0x2","targetBlock":"0x384"}`)
}
