package node

import (
	"fmt"
	"sync"
	"time"

	"github.com/noded/noded/p2p"
)

// chunkQueue hands out the chunks of a snapshot restore to the workers of
// each peer, and keeps track of the peers. A chunk that a peer served badly
// is not given to it again, and a peer that failed too often gets nothing
// more. When no chunk is left to hand out, a chunk that another peer has
// been fetching for longer than endgame is handed out again (the first
// copy to arrive is written), so that a slow or stalling peer does not hold
// up the end of the restore. It is safe for concurrent use.
type chunkQueue struct {
	endgame time.Duration

	mu        sync.Mutex
	cond      sync.Cond
	chunks    []chunkState
	remaining int // chunks not written
	peers     map[p2p.PeerID]*peerProgress
	err       error // a local failure, or a stall
	stopped   bool
}

type chunkState struct {
	done, writing bool
	fetching      map[p2p.PeerID]time.Time // who is fetching it, since when
	badFrom       map[p2p.PeerID]bool      // who served it badly
}

type peerProgress struct {
	bad, errs int
	dead      bool
}

func newChunkQueue(chunks int, done []bool, peers []p2p.PeerID, endgame time.Duration) *chunkQueue {
	q := &chunkQueue{endgame: endgame, chunks: make([]chunkState, chunks), peers: map[p2p.PeerID]*peerProgress{}}
	q.cond.L = &q.mu
	for i := range q.chunks {
		q.chunks[i] = chunkState{done: done[i], fetching: map[p2p.PeerID]time.Time{}, badFrom: map[p2p.PeerID]bool{}}
		if !done[i] {
			q.remaining++
		}
	}
	for _, p := range peers {
		q.peers[p] = &peerProgress{}
	}
	return q
}

// stop wakes every worker for good (the restore was cancelled).
func (q *chunkQueue) stop() {
	q.mu.Lock()
	q.stopped = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// poke wakes waiting workers to look for chunks to fetch again (end game).
func (q *chunkQueue) poke() {
	q.mu.Lock()
	q.cond.Broadcast()
	q.mu.Unlock()
}

// next returns a chunk for p to fetch; false when there is nothing more for
// p (all written, p dropped, or the restore failed).
func (q *chunkQueue) next(p p2p.PeerID) (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.remaining == 0 || q.err != nil || q.stopped || q.peers[p].dead {
			return 0, false
		}
		now := time.Now()
		endgame, oldest := -1, now.Add(-q.endgame)
		for i := range q.chunks {
			c := &q.chunks[i]
			if c.done || c.writing || c.badFrom[p] {
				continue
			}
			if len(c.fetching) == 0 {
				c.fetching[p] = now
				return i, true
			}
			if _, mine := c.fetching[p]; mine || len(c.fetching) > 1 {
				continue
			}
			for _, since := range c.fetching {
				if !since.After(oldest) {
					endgame, oldest = i, since
				}
			}
		}
		if endgame >= 0 {
			q.chunks[endgame].fetching[p] = now
			return endgame, true
		}
		if q.checkStall(); q.err != nil {
			q.cond.Broadcast()
			return 0, false
		}
		q.cond.Wait()
	}
}

// checkStall fails the restore if nothing is being fetched or written and
// no live peer may fetch a chunk that is missing. The caller holds q.mu.
func (q *chunkQueue) checkStall() {
	missing := 0
	for i := range q.chunks {
		c := &q.chunks[i]
		if c.done {
			continue
		}
		if c.writing || len(c.fetching) > 0 {
			return
		}
		for p, st := range q.peers {
			if !st.dead && !c.badFrom[p] {
				return
			}
		}
		missing++
	}
	if missing > 0 {
		q.err = fmt.Errorf("%w: no peer left to fetch %d chunks from", errNoSnapshot, missing)
	}
}

// release gives back a chunk whose fetch by p was cancelled.
func (q *chunkQueue) release(i int, p p2p.PeerID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.chunks[i].fetching, p)
	q.cond.Broadcast()
}

// failed gives back a chunk whose request to p failed, and counts the
// failure against p; it returns p's failures in a row.
func (q *chunkQueue) failed(i int, p p2p.PeerID) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := q.peers[p]
	st.errs++
	if st.errs >= maxPeerErrors {
		st.dead = true
	}
	delete(q.chunks[i].fetching, p)
	q.cond.Broadcast()
	return st.errs
}

// bad gives back a chunk p served badly; it returns p's bad chunks.
func (q *chunkQueue) bad(i int, p p2p.PeerID) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := q.peers[p]
	st.bad++
	if st.bad >= maxBadChunks {
		st.dead = true
	}
	c := &q.chunks[i]
	delete(c.fetching, p)
	c.badFrom[p] = true
	q.cond.Broadcast()
	return st.bad
}

// claim reports whether p, holding a verified copy of chunk i, should
// write it: false if another copy was written or is being written.
func (q *chunkQueue) claim(i int, p p2p.PeerID) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := &q.chunks[i]
	delete(c.fetching, p)
	if c.done || c.writing {
		q.cond.Broadcast()
		return false
	}
	c.writing = true
	return true
}

// done records that chunk i, claimed by p, is written.
func (q *chunkQueue) done(i int, p p2p.PeerID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := &q.chunks[i]
	c.done, c.writing = true, false
	q.remaining--
	q.peers[p].errs = 0
	q.cond.Broadcast()
}

func (q *chunkQueue) fatal(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err == nil {
		q.err = err
	}
	q.cond.Broadcast()
}

// result is the outcome once the workers have stopped.
func (q *chunkQueue) result() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	if q.remaining > 0 {
		return fmt.Errorf("%w: every peer failed; %d chunks missing", errNoSnapshot, q.remaining)
	}
	return nil
}
