package mempool

import (
	"fmt"
	"sync"
	"testing"

	"github.com/noded/noded/types"
)

// TestConcurrentUse adds from several goroutines while others read and
// update; run with -race.
func TestConcurrentUse(t *testing.T) {
	const workers, perWorker = 4, 25
	p := newTestPool(t, Config{})
	st := newFakeState()
	batches := make([][]*types.Tx, workers)
	var addrs []types.Address
	for w := range workers {
		a := newActor(t, fmt.Sprint("worker", w))
		st.set(a.addr, rich, 0)
		addrs = append(addrs, a.addr)
		for n := range uint64(perWorker) {
			batches[w] = append(batches[w], a.transfer(n, 1+n%7))
		}
	}

	var adders, readers sync.WaitGroup
	done := make(chan struct{})
	for _, batch := range batches {
		adders.Go(func() {
			for _, tx := range batch {
				if _, err := add(p, st, tx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	readers.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			p.Pending(10)
			p.Stats()
			p.Inspect(addrs[0])
			if err := p.Update(st, addrs); err != nil {
				t.Error(err)
			}
		}
	})
	adders.Wait()
	close(done)
	readers.Wait()

	checkInvariants(t, p)
	if s := p.Stats(); s.Pending != workers*perWorker || s.Queued != 0 || s.Senders != workers {
		t.Fatalf("stats %+v", s)
	}
}

// blockDuringRead is a state on which, the first time it is read, the
// account is read as it was and then a block lands: the state moves on
// and the pool is updated before the reader takes the pool's lock.
type blockDuringRead struct {
	*fakeState
	once  sync.Once
	block func()
}

func (s *blockDuringRead) Account(a types.Address) (types.Account, error) {
	acc, err := s.fakeState.Account(a)
	s.once.Do(s.block)
	return acc, err
}

// TestAddAcrossAnUpdate adds a sender's next transaction while the block
// that includes its only pooled one is committed and the pool updated:
// the newcomer must be executable, not queued for a nonce the block took
// (it would wait forever: no later block touches the sender).
func TestAddAcrossAnUpdate(t *testing.T) {
	p := newTestPool(t, Config{})
	st := newFakeState()
	a := newActor(t, "alice")
	st.set(a.addr, rich, 0)
	first := a.transfer(0, 1)
	mustAdd(t, p, st, first, Accepted)
	racy := &blockDuringRead{fakeState: st, block: func() {
		st.setNonce(a.addr, 1) // the block included nonce 0
		if err := p.Update(st, []types.Address{a.addr}); err != nil {
			t.Error(err)
		}
	}}
	mustAdd(t, p, racy, a.transfer(1, 1), Accepted)
	wantInspect(t, p, a, []uint64{1}, nil)
	if got := p.Pending(0); len(got) != 1 || got[0].Nonce != 1 {
		t.Fatalf("Pending = %v, want nonce 1", got)
	}
}
