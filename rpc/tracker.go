package rpc

import (
	"context"
	"sync"
)

// tracker counts the goroutines the server starts (WebSocket connections,
// subscription senders, Start's accept loop) so that Close can wait for
// them, and refuses new ones once closed.
type tracker struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// add registers a goroutine about to start; false means the server is
// closing and it must not start.
func (t *tracker) add() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tracker) done() { t.wg.Done() }

// close refuses further add calls.
func (t *tracker) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// wait blocks until every registered goroutine is done or ctx ends.
func (t *tracker) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
