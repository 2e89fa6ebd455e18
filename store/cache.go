package store

import (
	"sync"

	"github.com/noded/noded/chain"
)

// stateCache keeps recently read and written state entries of the head,
// in front of pebble: executing a block reads every sender's and
// recipient's account, and a pebble Get through a memtable full of recent
// writes cost ~3.4 us (17 ms of a 5,000-transfer block); a hit costs a map
// lookup and a copy.
//
// It holds the head state only. Writers keep it current under the store's
// write lock: begin stops serving it when a write starts, so that no
// reader is answered from it between a batch's commit and the cache's
// update (a client that saw a block's receipt must see its state);
// CommitBlock then sets the block's changes, and every other writer of
// state (revert, genesis, snapshot restore) empties it. A reader that
// missed may only insert what it read from pebble if no writer came in
// between or is at work (gen, writing), so that a value read before a
// commit never lands in the cache after it.
type stateCache struct {
	mu      sync.Mutex
	gen     uint64            // bumped at the end of every write
	writing bool              // a write is under way: get misses, put refuses
	m       map[string][]byte // key -> value; an empty non-nil value: absent
	bytes   int               // of keys and values in m
	max     int               // bytes
}

// stateCacheBytes bounds the cache: ~500,000 accounts.
const stateCacheBytes = 64 << 20

// entryOverhead is the memory of a map entry beyond its key and value.
const entryOverhead = 64

var absent = []byte{}

func newStateCache(max int) *stateCache {
	return &stateCache{m: make(map[string][]byte), max: max}
}

// get returns a copy of key's value and true if cached (nil for absent),
// or the generation to pass to put after reading pebble.
func (c *stateCache) get(key []byte) (v []byte, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writing {
		return nil, false, c.gen
	}
	cv, ok := c.m[string(key)]
	if !ok {
		return nil, false, c.gen
	}
	if len(cv) == 0 {
		return nil, true, c.gen
	}
	return append(make([]byte, 0, len(cv)), cv...), true, c.gen
}

// put caches v (nil: absent), read from pebble at generation gen, unless a
// writer came since.
func (c *stateCache) put(key, v []byte, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writing || c.gen != gen {
		return
	}
	c.set(key, v)
}

// set caches v (nil: absent) under key; the caller holds mu.
func (c *stateCache) set(key, v []byte) {
	if old, ok := c.m[string(key)]; ok {
		c.bytes -= len(key) + len(old) + entryOverhead
	}
	size := len(key) + len(v) + entryOverhead
	if size > c.max/64 {
		delete(c.m, string(key))
		return // not worth the room
	}
	for c.bytes+size > c.max {
		c.evict()
	}
	if v == nil {
		v = absent
	} else {
		v = append(make([]byte, 0, len(v)), v...)
	}
	c.m[string(key)] = v
	c.bytes += size
}

// evict drops about an eighth of the entries, in map order (which Go
// randomises); the caller holds mu.
func (c *stateCache) evict() {
	n := len(c.m)/8 + 1
	for k, v := range c.m {
		if n == 0 {
			break
		}
		c.bytes -= len(k) + len(v) + entryOverhead
		delete(c.m, k)
		n--
	}
}

// begin marks the start of a write: until apply or clear, readers go to
// pebble, which moves atomically with each batch.
func (c *stateCache) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writing = true
}

// apply records a committed block's changes and ends the write.
func (c *stateCache) apply(changes []chain.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.writing = false
	for i := range changes {
		c.set(changes[i].Key, changes[i].New)
	}
}

// clear forgets everything and ends the write, after a write that
// changed state otherwise.
func (c *stateCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.writing = false
	clear(c.m)
	c.bytes = 0
}
