package node

import (
	"context"
	"encoding/binary"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/internal/cputime"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// fillSynthetic writes a chain of blocks into node0's store of the
// single-validator devnet in dir whose state changes are made up rather
// than executed: each block adds perBlock contract storage entries of about
// 100 bytes (a 53-byte key, a 47-byte value). The blocks are signed by the
// validator, so a snapshot of them verifies; a node that replayed them
// would compute another state. It returns the last height.
func fillSynthetic(tb testing.TB, dir string, entries, perBlock int) uint64 {
	tb.Helper()
	home := NodeHome(dir, 0)
	gj, err := os.ReadFile(filepath.Join(home, "genesis.json"))
	if err != nil {
		tb.Fatal(err)
	}
	g, err := chain.ParseGenesis(gj)
	if err != nil {
		tb.Fatal(err)
	}
	ks, err := keystore.Open(filepath.Join(home, "keystore"))
	if err != nil {
		tb.Fatal(err)
	}
	vk, err := ks.Get(ValidatorKeyName)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(filepath.Join(home, "data"), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	gblk, gres, err := g.Block()
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.InitGenesis(gj, gblk, gres); err != nil {
		tb.Fatal(err)
	}
	root, err := db.LoadRoot()
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	head := gblk.Header
	for written := 0; written < entries; {
		n := min(perBlock, entries-written)
		changes := make([]chain.Change, n)
		for i := range changes {
			var contract types.Address
			binary.BigEndian.PutUint32(contract[:], uint32((written+i)%1000))
			key := make([]byte, 32)
			binary.BigEndian.PutUint64(key, uint64(written+i))
			value := make([]byte, 47)
			for j := range value {
				value[j] = byte(rng.Uint32())
			}
			changes[i] = chain.Change{Key: chain.StorageKey(contract, key), New: value}
		}
		written += n
		res := &chain.BlockResult{Changes: changes}
		res.Buckets = root.Updates(changes, 2)
		res.StateRoot = root.HashWith(res.Buckets)
		slot := g.Time/g.SlotMillis + head.Height + 1
		blk := &types.Block{Header: types.Header{Height: head.Height + 1, Parent: head.Hash(), Slot: slot, Time: slot * g.SlotMillis,
			TxRoot: types.TxRoot(nil), StateRoot: res.StateRoot, ReceiptsRoot: types.ReceiptsRoot(nil), GasLimit: g.BlockGasLimit}}
		blk.Header.Sign(vk.Private)
		if err := db.CommitBlock(blk, res); err != nil {
			tb.Fatal(err)
		}
		root.Apply(res.Buckets)
		head = blk.Header
	}
	return head.Height
}

// rawCopy is the baseline: a plain scan of src's state and batched writes
// of it into a scratch database, as store.CopyState does.
func rawCopy(tb testing.TB, src string) (entries, bytes int, took, rawCPU time.Duration) {
	tb.Helper()
	quiet := store.Options{Logger: slog.New(slog.DiscardHandler)}
	from, err := store.Open(src, quiet)
	if err != nil {
		tb.Fatal(err)
	}
	defer from.Close()
	to, err := store.Open(filepath.Join(tb.TempDir(), "copy"), quiet)
	if err != nil {
		tb.Fatal(err)
	}
	defer to.Close()
	start := time.Now()
	cpu0 := cputime.Process()
	entries, bytes, err = store.CopyState(to, from, 4<<20)
	rawCPU = cputime.Process() - cpu0
	if err != nil {
		tb.Fatal(err)
	}
	return entries, bytes, time.Since(start), rawCPU
}

// BenchmarkSnapshotSync measures a snapshot sync of a state of 1,000,000
// entries (~100 MB; NODED_BENCH_ENTRIES changes it) between two nodes on
// loopback: the restore (download, verification of every chunk, writes)
// and the whole join (start to restored head), against a plain pebble scan
// and batched write of the same state in the same run.
func BenchmarkSnapshotSync(b *testing.B) {
	entries := 1_000_000
	if s := os.Getenv("NODED_BENCH_ENTRIES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			entries = n
		}
	}
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		if _, err := InitDevnet(dir, DevnetOptions{Nodes: 1, BlockTime: 500 * time.Millisecond, Now: time.Now().Add(-time.Hour),
			SnapshotInterval: 10}); err != nil {
			b.Fatal(err)
		}
		height := fillSynthetic(b, dir, entries, (entries+9)/10)
		rawEntries, rawBytes, rawTook, rawCPU := rawCopy(b, filepath.Join(NodeHome(dir, 0), "data"))
		if _, err := AddDevnetNode(dir); err != nil {
			b.Fatal(err)
		}
		movePorts(b, dir, 2)
		src := startNetNode(b, dir, 0)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		for offered := false; !offered; {
			for _, ls := range src.n.snaps.list() {
				offered = offered || (ls.m.Height == height && src.n.servable(ls))
			}
			if ctx.Err() != nil {
				b.Fatal("the source never offered its snapshot")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if path := os.Getenv("NODED_BENCH_PROFILE"); path != "" {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		cpu0 := cputime.Process()
		start := time.Now()
		dst := startNetNodeWith(b, dir, 1, func(c *Config) { c.Sync = SyncSnapshot })
		for dst.n.Head().Height < height {
			if ctx.Err() != nil {
				b.Fatalf("the joiner is at %d, not %d", dst.n.Head().Height, height)
			}
			time.Sleep(5 * time.Millisecond)
		}
		join := time.Since(start)
		b.StopTimer()
		cpu := cputime.Process() - cpu0
		pprof.StopCPUProfile()
		cancel()
		restore := dst.n.snapSync.lastRestore()
		if base, _ := dst.n.db.HistoryBase(); base != height || restore == 0 {
			b.Fatalf("the joiner did not restore the snapshot (base %d)", base)
		}
		mb := float64(rawBytes) / 1e6
		b.ReportMetric(float64(rawEntries)/restore.Seconds(), "entries/s")
		b.ReportMetric(mb/restore.Seconds(), "MB/s")
		b.ReportMetric(mb/join.Seconds(), "join-MB/s")
		b.ReportMetric(mb/rawTook.Seconds(), "raw-MB/s")
		b.ReportMetric(float64(rawEntries)/rawTook.Seconds(), "raw-entries/s")
		b.ReportMetric(rawTook.Seconds()/restore.Seconds(), "restore/raw")
		b.ReportMetric(cpu.Seconds(), "join-cpu-s")
		b.ReportMetric(rawCPU.Seconds(), "raw-cpu-s")
		b.Logf("%d entries, %.1f MB: restore %v, join %v (%v of CPU, both nodes), raw copy %v (%v of CPU)", rawEntries, mb,
			restore.Round(time.Millisecond), join.Round(time.Millisecond), cpu.Round(time.Millisecond), rawTook.Round(time.Millisecond),
			rawCPU.Round(time.Millisecond))
		dst.stop()
		src.stop()
	}
}
