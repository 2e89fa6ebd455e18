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
