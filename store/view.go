package store

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/types"
)

// StateView is a read-only, consistent view of the state after one block,
// unaffected by later commits and reverts. It holds a pebble snapshot,
// which keeps overwritten data from being compacted away: close it when
// done. Its methods are safe for concurrent use, except Close.
type StateView struct {
	db     *DB
	snap   *pebble.Snapshot
	header types.Header
	// undo maps the state keys that changed after the view's block to
	// their value at the view's block (nil: absent).
	undo map[string][]byte

	sortOnce sync.Once
	sorted   []overlayEntry // undo in database key order, for IterateState
	closed   atomic.Bool
}

// HeadState returns a view of the state at the head.
func (db *DB) HeadState() (*StateView, error) { return db.stateView(0, true) }

// StateAt returns a view of the state after the canonical block at height:
// the head state corrected by the undo records of the blocks above it. Its
// cost grows with the number of entries those blocks changed. Heights
// older than the kept undo records (Options.KeepUndo) give
// ErrStateUnavailable, heights above the head ErrNotFound.
func (db *DB) StateAt(height uint64) (*StateView, error) { return db.stateView(height, false) }

func (db *DB) stateView(height uint64, atHead bool) (*StateView, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.leave()
	if err := db.checkNotRestoring(); err != nil {
		return nil, err
	}
	snap := db.pdb.NewSnapshot()
	v, err := newStateView(db, snap, height, atHead)
	if err != nil {
		_ = snap.Close()
		return nil, err
	}
	db.viewsMu.Lock()
	db.views[v] = struct{}{}
	db.viewsMu.Unlock()
	return v, nil
}

func newStateView(db *DB, snap *pebble.Snapshot, height uint64, atHead bool) (*StateView, error) {
	head, floor, err := readHead(snap)
	if err != nil {
		return nil, err
	}
	if head == nil {
		return nil, ErrNotInitialized
	}
	if atHead {
		height = head.header.Height
	}
	if height > head.header.Height {
		return nil, fmt.Errorf("store: state at height %d: %w (head is %d)", height, ErrNotFound, head.header.Height)
	}
	if height < head.header.Height && height+1 < floor {
		return nil, fmt.Errorf("store: %w: height %d, undo records are kept from %d", ErrStateUnavailable, height, floor)
	}
	v := &StateView{db: db, snap: snap, header: head.header, undo: make(map[string][]byte)}
	if height == head.header.Height {
		return v, nil
	}
	hash, err := readNumber(snap, height)
	if err != nil {
		return nil, mustExist(err, fmt.Sprintf("block at height %d", height))
	}
	if v.header, err = readHeader(snap, hash); err != nil {
		return nil, mustExist(err, fmt.Sprintf("header %s", hash))
	}
	// The oldest record that mentions a key holds its value at height.
	for h := height + 1; h <= head.header.Height; h++ {
		bh, err := readNumber(snap, h)
		if err != nil {
			return nil, mustExist(err, fmt.Sprintf("block at height %d", h))
		}
		rec, err := readUndo(snap, h, bh)
		if err != nil {
			return nil, err
		}
		for _, e := range rec.entries {
			if _, ok := v.undo[string(e.key)]; !ok {
				v.undo[string(e.key)] = e.old
			}
		}
	}
	return v, nil
}

// Header returns the header of the block whose state the view shows.
func (v *StateView) Header() types.Header { return v.header }

// Get returns the value of state key key, or nil; it implements
// chain.StateReader.
func (v *StateView) Get(key []byte) ([]byte, error) {
	if err := v.enter(); err != nil {
		return nil, err
	}
	defer v.db.leave()
	if old, ok := v.undo[string(key)]; ok {
		return bytes.Clone(old), nil
	}
	return getState(v.snap, key)
}

// Account returns the account at a (the zero account if absent).
func (v *StateView) Account(a types.Address) (types.Account, error) {
	return decodeAccount(v, a)
}

// IterateState calls fn for every state entry of the view in buckets
// [from, to), in database order (by bucket, then key). key and value are
// valid only during the call.
func (v *StateView) IterateState(from, to uint16, fn func(key, value []byte) error) error {
	if err := v.enter(); err != nil {
		return err
	}
	defer v.db.leave()
	return iterateState(v.snap, from, to, v.overlay(), fn)
}

// overlay returns the undo overlay in database key order.
func (v *StateView) overlay() []overlayEntry {
	v.sortOnce.Do(func() {
		v.sorted = make([]overlayEntry, 0, len(v.undo))
		for k, val := range v.undo {
			v.sorted = append(v.sorted, overlayEntry{dbKey: stateKey([]byte(k)), value: val})
		}
		slices.SortFunc(v.sorted, func(a, b overlayEntry) int { return bytes.Compare(a.dbKey, b.dbKey) })
	})
	return v.sorted
}

// Close releases the view. It is safe to call more than once, and after
// the DB is closed.
func (v *StateView) Close() error {
	v.db.viewsMu.Lock()
	defer v.db.viewsMu.Unlock()
	if v.db.views != nil {
		delete(v.db.views, v)
	}
	return v.release()
}

// release closes the snapshot once. The caller holds db.viewsMu.
func (v *StateView) release() error {
	if v.closed.Swap(true) {
		return nil
	}
	if err := v.snap.Close(); err != nil {
		return wrapErr(err, "close state view")
	}
	return nil
}

func (v *StateView) enter() error {
	if err := v.db.enter(); err != nil {
		return err
	}
	if v.closed.Load() {
		v.db.leave()
		return ErrClosed
	}
	return nil
}
