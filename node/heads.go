package node

import (
	"sync"

	"github.com/noded/noded/types"
)

// headFeed delivers new heads to subscribers. Subscribers must not block.
type headFeed struct {
	mu   sync.Mutex
	next int
	subs map[int]func(types.Header)
}

func (f *headFeed) subscribe(fn func(types.Header)) (cancel func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = make(map[int]func(types.Header))
	}
	id := f.next
	f.next++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

func (f *headFeed) publish(h types.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fn := range f.subs {
		fn(h)
	}
}
