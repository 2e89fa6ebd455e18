package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/node"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// fillState writes blocks whose state changes are made up, not executed,
// into node0's store of the devnet in dir (each block adds perBlock
// contract storage entries of ~100 bytes, signed by its slot's validator),
// and copies the database to the other nodes: a big state, quickly. It
// returns the last height and one of the entries.
func fillState(t *testing.T, dir string, nodes, blocks, perBlock int) (uint64, types.Address, []byte, []byte) {
	t.Helper()
	home := node.NodeHome(dir, 0)
	gj, err := os.ReadFile(filepath.Join(home, "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := chain.ParseGenesis(gj)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[crypto.PublicKey]crypto.PrivateKey{}
	for i := range nodes {
		ks, err := keystore.Open(filepath.Join(node.NodeHome(dir, i), "keystore"))
		if err != nil {
			t.Fatal(err)
		}
		k, err := ks.Get(node.ValidatorKeyName)
		if err != nil {
			t.Fatal(err)
		}
		keys[k.PublicKey] = k.Private
	}
	db, err := store.Open(filepath.Join(home, "data"), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	gblk, gres, err := g.Block()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InitGenesis(gj, gblk, gres); err != nil {
		t.Fatal(err)
	}
	root, err := db.LoadRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg := g.Config()
	rng := rand.New(rand.NewPCG(1, 1))
	head := gblk.Header
	var contract types.Address
	var key, value []byte
	for b := range blocks {
		changes := make([]chain.Change, perBlock)
		for i := range changes {
			contract = types.Address{0xc0, byte(i % 100)}
			key = binary.BigEndian.AppendUint64(make([]byte, 24), uint64(b*perBlock+i))
			value = make([]byte, 47)
			for j := range value {
				value[j] = byte(rng.Uint32())
			}
			changes[i] = chain.Change{Key: chain.StorageKey(contract, key), New: value}
		}
		res := &chain.BlockResult{Changes: changes}
		res.Buckets = root.Updates(changes, 2)
		res.StateRoot = root.HashWith(res.Buckets)
		slot := g.Time/g.SlotMillis + head.Height + 1
		blk := &types.Block{Header: types.Header{Height: head.Height + 1, Parent: head.Hash(), Slot: slot, Time: slot * g.SlotMillis,
			TxRoot: types.TxRoot(nil), StateRoot: res.StateRoot, ReceiptsRoot: types.ReceiptsRoot(nil), GasLimit: g.BlockGasLimit}}
		blk.Header.Sign(keys[cfg.Proposer(slot)])
		if err := db.CommitBlock(blk, res); err != nil {
			t.Fatal(err)
		}
		root.Apply(res.Buckets)
		head = blk.Header
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < nodes; i++ {
		if err := os.CopyFS(filepath.Join(node.NodeHome(dir, i), "data"), os.DirFS(filepath.Join(home, "data"))); err != nil {
			t.Fatal(err)
		}
	}
	return head.Height, contract, key, value
}

// runProcess starts `noded run` on a home and returns it with its output.
func runProcess(t *testing.T, bin, home string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"run", "--home", home, "--log-level", "info"}, args...)...)
	out := new(lockedBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		}
	})
	return cmd, out
}

var restoringLine = regexp.MustCompile(`msg="restoring snapshot" height=(\d+) .* chunks=(\d+) left=(\d+)`)

// TestCrashDuringSnapshotRestore kills a node with SIGKILL in the middle of
// a snapshot restore, several times, and restarts it: after each kill its
// database holds the restore marker (never a half-written state taken for
// a whole one), a restart resumes the restore (chunks already written are
// not fetched again) or begins it anew, and in the end the node has the
// same state as the others and follows the chain.
func TestCrashDuringSnapshotRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills processes; skipped with -short")
	}
	bin, err := buildNoded()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rpcBase, p2pBase := freePortRun(t, 3, 0), freePortRun(t, 3, 1000)
	out, err := exec.Command(bin, "devnet", "init", "--nodes", "2", "--dir", dir, "--block-time", "500ms",
		"--rpc-port", strconv.Itoa(rpcBase), "--p2p-port", strconv.Itoa(p2pBase), "--snapshot-interval", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("devnet init: %v\n%s", err, out)
	}
	entries := 200_000
	if s := os.Getenv("NODED_CRASH_ENTRIES"); s != "" {
		if entries, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	height, contract, key, value := fillState(t, dir, 2, 10, entries/10)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var logs []*lockedBuffer
	for i := range 2 {
		_, out := runProcess(t, bin, node.NodeHome(dir, i))
		logs = append(logs, out)
	}
	c0 := dialWhenUp(ctx, t, fmt.Sprintf("http://127.0.0.1:%d", rpcBase))
	defer c0.Close()
	for {
		var snaps []rpc.RPCSnapshot
		if err := c0.Call(ctx, &snaps, "snap_list"); err != nil {
			t.Fatal(err)
		}
		if len(snaps) > 0 && snaps[0].Offered && uint64(snaps[0].Height) >= height {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no snapshot offered\n%s", logs[0].String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	out, err = exec.Command(bin, "devnet", "add", "--dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("devnet add: %v\n%s", err, out)
	}
	home := node.NodeHome(dir, 2)

	// Kill it during restores until two kills hit one in progress.
	rng := rand.New(rand.NewPCG(2, 2))
	midRestore, resumed := 0, 0
	for round := 0; midRestore < 2; round++ {
		if round == 8 {
			t.Fatalf("no kill in %d rounds hit a restore in progress", round)
		}
		cmd, out := runProcess(t, bin, home, "--sync", "snapshot")
		var m []string
		for m == nil {
			m = restoringLine.FindStringSubmatch(out.String())
			if ctx.Err() != nil || cmd.ProcessState != nil {
				t.Fatalf("round %d: no restore began\n%s", round, out.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		if m[2] != m[3] {
			resumed++
		}
		if round == 0 {
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		} else {
			// Once some chunks are written, as node_syncing shows.
			waitChunks(ctx, t, fmt.Sprintf("http://127.0.0.1:%d", rpcBase+2), cmd)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		db, err := store.Open(filepath.Join(home, "data"), store.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("round %d: open after the kill: %v", round, err)
		}
		st, restoring := db.Restoring()
		head, _ := db.Head()
		if restoring {
			midRestore++
			// Nothing reads the half-written state.
			if _, err := db.HeadState(); err == nil {
				t.Fatal("a half-restored database serves its state")
			}
		} else if head.Height == 0 {
			t.Fatalf("round %d: killed before the restore and no marker", round)
		}
		db.Close()
		t.Logf("round %d: began at block %s with %s of %s chunks left; killed: restoring %v (block %d), head %d",
			round, m[1], m[3], m[2], restoring, st.Height, head.Height)
		if !restoring {
			break // it had finished: nothing more to kill
		}
	}

	// The last start finishes; the node catches up and agrees.
	_, out2 := runProcess(t, bin, home)
	c2 := dialWhenUp(ctx, t, fmt.Sprintf("http://127.0.0.1:%d", rpcBase+2))
	defer c2.Close()
	for m := restoringLine.FindStringSubmatch(out2.String()); midRestore > 0 && m == nil; m = restoringLine.FindStringSubmatch(out2.String()) {
		if ctx.Err() != nil {
			t.Fatalf("the restore did not resume\n%s", out2.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if m := restoringLine.FindStringSubmatch(out2.String()); m != nil && m[2] != m[3] {
		resumed++
	}
	for {
		h2, err := c2.BlockNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if h2 > height+2 {
			b0, err0 := c0.BlockByNumber(ctx, rpc.BlockAt(h2), false)
			b2, err2 := c2.BlockByNumber(ctx, rpc.BlockAt(h2), false)
			if err0 == nil && err2 == nil && b0.Hash == b2.Hash && b0.StateRoot == b2.StateRoot {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the restarted node does not catch up\n%s", out2.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	v, err := c2.Storage(ctx, contract, key, rpc.LatestBlock)
	if err != nil || string(v) != string(value) {
		t.Fatalf("an entry of the state on the restored node: %x %v", v, err)
	}
	// A restart may resume (keeping the chunks whose writes reached the
	// disk) or start the restore over; both are correct. What matters is
	// that a kill hit a restore in progress and the node ended right.
	t.Logf("%d kills during a restore, %d restarts resumed one", midRestore, resumed)
	if midRestore == 0 {
		t.Fatal("no kill hit a restore in progress: the test checked nothing")
	}
}

// waitChunks waits until the node restoring a snapshot reports written
// chunks in node_syncing.
func waitChunks(ctx context.Context, t *testing.T, url string, cmd *exec.Cmd) {
	t.Helper()
	c := dialWhenUp(ctx, t, url)
	defer c.Close()
	for {
		s, err := c.Syncing(ctx)
		if err == nil && s.Snapshot != nil && s.Snapshot.ChunksDone > 0 {
			return
		}
		if ctx.Err() != nil || cmd.ProcessState != nil {
			t.Fatalf("no chunk written: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
