package node

import (
	"sync"
	"time"

	"github.com/noded/noded/rpc"
	"github.com/noded/noded/store"
)

// snapProgress is the progress of a snapshot restore, for the log,
// node_status and node_syncing. It is safe for concurrent use.
type snapProgress struct {
	mu         sync.Mutex
	active     bool
	state      string
	height     uint64
	chunks     int
	chunksDone int
	bytes      uint64
	bytesDone  uint64
	peers      int
	started    time.Time
	resumed    uint64        // bytes already written when the download started
	bad        int           // chunks that failed verification
	badMan     int           // manifests or blocks that failed verification
	fallback   string        // why the last attempt fell back to block sync
	took       time.Duration // the last restore's download, verification and writes
}

// Restore states.
const (
	snapSearching   = "searching"
	snapDownloading = "downloading"
)

func (p *snapProgress) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active, p.state = true, snapSearching
	p.height, p.chunks, p.chunksDone, p.bytes, p.bytesDone, p.peers, p.resumed = 0, 0, 0, 0, 0, 0, 0
}

func (p *snapProgress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = false
}

func (p *snapProgress) setState(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = s
}

// start begins the download of m, of which done are written already.
func (p *snapProgress) start(m *store.Manifest, done []bool, peers int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state, p.height, p.chunks, p.peers = snapDownloading, m.Height, len(m.Chunks), peers
	p.bytes, p.bytesDone, p.chunksDone = m.Size(), 0, 0
	for i, d := range done {
		if d {
			p.chunksDone++
			p.bytesDone += uint64(m.Chunks[i].Size)
		}
	}
	p.resumed = p.bytesDone
	p.started = time.Now()
}

func (p *snapProgress) chunkDone(size int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.chunksDone++
	p.bytesDone += uint64(size)
}

// finish returns how long the download took.
func (p *snapProgress) finish() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = "done"
	p.took = time.Since(p.started)
	return p.took
}

// lastRestore returns how long the last completed restore took (0 if none).
func (p *snapProgress) lastRestore() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.took
}

func (p *snapProgress) fellBack(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fallback = reason
}

// lastFallback says why snapshot sync last fell back to block sync; "" if
// it never did.
func (p *snapProgress) lastFallback() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fallback
}

func (p *snapProgress) badChunk() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bad++
}

func (p *snapProgress) badManifest() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.badMan++
}

// counts returns the bad chunks and bad manifests seen since start-up.
func (p *snapProgress) counts() (badChunks, badManifests int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bad, p.badMan
}

// status is the progress while a restore is under way, nil otherwise.
func (p *snapProgress) status() *rpc.SnapshotSyncStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return nil
	}
	s := &rpc.SnapshotSyncStatus{State: p.state, Height: p.height, Chunks: p.chunks, ChunksDone: p.chunksDone,
		Bytes: p.bytes, BytesDone: p.bytesDone, Peers: p.peers, BadChunks: p.bad}
	if p.state == snapDownloading {
		if secs := time.Since(p.started).Seconds(); secs > 0 {
			s.BytesPerSec = float64(p.bytesDone-p.resumed) / secs
		}
		if s.BytesPerSec > 0 {
			s.ETASeconds = float64(p.bytes-p.bytesDone) / s.BytesPerSec
		}
	}
	return s
}
