package node

import (
	"errors"
	"testing"
	"time"

	"github.com/noded/noded/p2p"
)

func TestChunkQueue(t *testing.T) {
	a, b := p2p.PeerID("a"), p2p.PeerID("b")
	q := newChunkQueue(4, []bool{false, true, false, false}, []p2p.PeerID{a, b}, time.Hour)
	take := func(p p2p.PeerID, want int) {
		t.Helper()
		if i, ok := q.next(p); !ok || i != want {
			t.Fatalf("next(%s) = %d %v, want %d", p, i, ok, want)
		}
	}
	take(a, 0) // chunk 1 is done already
	take(b, 2)
	// a serves chunk 0 badly: b gets it, a never again.
	q.bad(0, a)
	take(b, 0)
	take(a, 3)
	if !q.claim(3, a) {
		t.Fatal("claim of a chunk nobody else holds")
	}
	q.done(3, a)
	for _, i := range []int{0, 2} {
		if !q.claim(i, b) {
			t.Fatalf("claim %d", i)
		}
		q.done(i, b)
	}
	if _, ok := q.next(a); ok {
		t.Fatal("a chunk handed out after all were written")
	}
	if err := q.result(); err != nil {
		t.Fatal(err)
	}
}

// A chunk that every live peer served badly stalls the restore; so does a
// queue whose peers all failed.
func TestChunkQueueStalls(t *testing.T) {
	a, b := p2p.PeerID("a"), p2p.PeerID("b")
	q := newChunkQueue(1, []bool{false}, []p2p.PeerID{a, b}, time.Hour)
	q.next(a)
	q.bad(0, a)
	q.next(b)
	q.bad(0, b)
	if _, ok := q.next(a); ok {
		t.Fatal("a chunk handed out to a peer that served it badly")
	}
	if err := q.result(); !errors.Is(err, errNoSnapshot) {
		t.Fatalf("result %v", err)
	}

	q = newChunkQueue(1, []bool{false}, []p2p.PeerID{a}, time.Hour)
	for range maxPeerErrors {
		i, ok := q.next(a)
		if !ok {
			t.Fatal("the peer was dropped too early")
		}
		q.failed(i, a)
	}
	if _, ok := q.next(a); ok {
		t.Fatal("a chunk handed out to a peer that failed too often")
	}
	if err := q.result(); !errors.Is(err, errNoSnapshot) {
		t.Fatalf("result %v", err)
	}
}

// In the end game a chunk held too long by one peer is fetched from
// another too; the first verified copy is written, the other dropped.
func TestChunkQueueEndgame(t *testing.T) {
	slow, fast := p2p.PeerID("slow"), p2p.PeerID("fast")
	q := newChunkQueue(1, []bool{false}, []p2p.PeerID{slow, fast}, 30*time.Millisecond)
	q.next(slow)
	got := make(chan int, 1)
	go func() {
		i, _ := q.next(fast) // waits: nothing to hand out yet
		got <- i
	}()
	select {
	case <-got:
		t.Fatal("the chunk was handed out again at once")
	case <-time.After(10 * time.Millisecond):
	}
	time.Sleep(30 * time.Millisecond)
	q.poke()
	if i := <-got; i != 0 {
		t.Fatalf("end game handed out %d", i)
	}
	if !q.claim(0, fast) {
		t.Fatal("the first copy may not be written")
	}
	q.done(0, fast)
	if q.claim(0, slow) {
		t.Fatal("the second copy was written too")
	}
	if err := q.result(); err != nil {
		t.Fatal(err)
	}
}
