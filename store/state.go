package store

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Get returns the value of state key key at the head, or nil if there is
// none; it implements chain.StateReader. It reads the latest committed
// state: see the package documentation for reads during a commit.
func (db *DB) Get(key []byte) ([]byte, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.leave()
	if err := db.checkNotRestoring(); err != nil {
		return nil, err
	}
	v, ok, gen := db.cache.get(key)
	if ok {
		return v, nil
	}
	v, err := getState(db.pdb, key)
	if err == nil && len(key) > 0 {
		db.cache.put(key, v, gen)
	}
	return v, err
}

func getState(r pebble.Reader, key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, nil
	}
	v, ok, err := get(r, stateKey(key))
	if err != nil || !ok {
		return nil, err
	}
	if len(v) == 0 {
		return nil, corruptf("state key %x has an empty value", key)
	}
	return v, nil
}

// Account returns the account at a at the head (the zero account if
// absent).
func (db *DB) Account(a types.Address) (types.Account, error) {
	return decodeAccount(db, a)
}

func decodeAccount(r chain.StateReader, a types.Address) (types.Account, error) {
	v, err := r.Get(chain.AccountKey(a))
	if err != nil || v == nil {
		return types.Account{}, err
	}
	acc, err := types.DecodeAccount(v)
	if err != nil {
		return types.Account{}, corruptf("account %s: %v", a, err)
	}
	return acc, nil
}

// LoadRoot returns the state root's buckets at the head, checked against
// the head's state root (a mismatch wraps ErrCorrupt).
func (db *DB) LoadRoot() (*chain.Root, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.leave()
	if err := db.checkNotRestoring(); err != nil {
		return nil, err
	}
	snap := db.pdb.NewSnapshot()
	defer snap.Close()
	head, _, err := readHead(snap)
	if err != nil {
		return nil, err
	}
	if head == nil {
		return nil, ErrNotInitialized
	}
	root, err := loadBuckets(snap)
	if err != nil {
		return nil, err
	}
	if got := root.Hash(); got != head.header.StateRoot {
		return nil, corruptf("stored buckets give state root %s, head block %d has %s", got, head.header.Height, head.header.StateRoot)
	}
	return root, nil
}

// loadBuckets reads all the stored buckets.
func loadBuckets(r pebble.Reader) (*chain.Root, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixBucket}, UpperBound: prefixEnd(prefixBucket)})
	if err != nil {
		return nil, wrapErr(err, "iterate buckets")
	}
	defer it.Close()
	root := chain.NewRoot()
	n := 0
	for valid := it.First(); valid; valid = it.Next() {
		k := it.Key()
		if len(k) != 3 || int(k[1])<<8|int(k[2]) != n {
			return nil, corruptf("bucket key %x where bucket %d was expected", k, n)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, wrapErr(err, "read bucket %d", n)
		}
		var h crypto.LtHash
		if err := h.UnmarshalBinary(v); err != nil {
			return nil, corruptf("bucket %d: %v", n, err)
		}
		root.SetBucket(uint16(n), h)
		n++
	}
	if err := it.Error(); err != nil {
		return nil, wrapErr(err, "iterate buckets")
	}
	if n != chain.NumBuckets {
		return nil, corruptf("%d buckets stored, want %d", n, chain.NumBuckets)
	}
	return root, nil
}

// RebuildRoot recomputes every bucket from the state entries at the head.
// It reads the whole state (one LtHash element per entry, spread over
// GOMAXPROCS goroutines); compare its Hash with the head's state root, or
// use VerifyState, to check a database.
func (db *DB) RebuildRoot() (*chain.Root, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.leave()
	snap := db.pdb.NewSnapshot()
	defer snap.Close()
	return rebuildBuckets(snap, runtime.GOMAXPROCS(0))
}

// VerifyState checks, on one consistent view, that every stored bucket
// equals the bucket recomputed from the state entries and that the buckets
// give the head's state root. Failures wrap ErrCorrupt.
func (db *DB) VerifyState() error {
	if err := db.enter(); err != nil {
		return err
	}
	defer db.leave()
	snap := db.pdb.NewSnapshot()
	defer snap.Close()
	head, _, err := readHead(snap)
	if err != nil {
		return err
	}
	if head == nil {
		return ErrNotInitialized
	}
	stored, err := loadBuckets(snap)
	if err != nil {
		return err
	}
	rebuilt, err := rebuildBuckets(snap, runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	var bad []uint16
	for i := range uint16(chain.NumBuckets) {
		if stored.Bucket(i) != rebuilt.Bucket(i) {
			bad = append(bad, i)
		}
	}
	if len(bad) > 0 {
		return corruptf("%d buckets do not match their entries (first: %d)", len(bad), bad[0])
	}
	if got := stored.Hash(); got != head.header.StateRoot {
		return corruptf("buckets give state root %s, head block %d has %s", got, head.header.Height, head.header.StateRoot)
	}
	return nil
}

// rebuildBuckets computes the buckets from the state entries in r, with
// workers goroutines each taking a run of buckets.
func rebuildBuckets(r pebble.Reader, workers int) (*chain.Root, error) {
	workers = max(1, min(workers, 64))
	hashes := make([]crypto.LtHash, chain.NumBuckets)
	errs := make([]error, workers)
	per := (chain.NumBuckets + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		from, to := min(w*per, chain.NumBuckets), min((w+1)*per, chain.NumBuckets)
		wg.Go(func() {
			errs[w] = iterateState(r, uint16(from), uint16(to), nil, func(key, value []byte) error {
				hashes[chain.BucketOf(key)].Add(chain.EntryElement(key, value))
				return nil
			})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	root := chain.NewRoot()
	for i := range hashes {
		root.SetBucket(uint16(i), hashes[i])
	}
	return root, nil
}

// IterateState calls fn for every state entry at the head in buckets
// [from, to), in database order (by bucket, then key), on one consistent
// view of the state. key and value are valid only during the call. An
// error from fn stops the iteration and is returned.
func (db *DB) IterateState(from, to uint16, fn func(key, value []byte) error) error {
	if err := db.enter(); err != nil {
		return err
	}
	defer db.leave()
	if err := db.checkNotRestoring(); err != nil {
		return err
	}
	return iterateState(db.pdb, from, to, nil, fn)
}

// overlayEntry is a state entry that replaces the stored one in a view.
type overlayEntry struct {
	dbKey []byte
	value []byte // nil: absent
}

// iterateState iterates the entries of buckets [from, to) in r, merged with
// ov (sorted by dbKey): an overlay entry replaces the stored entry of the
// same key, and an overlay entry with a nil value hides it. It checks
// that each stored entry is in its bucket and has a value.
func iterateState(r pebble.Reader, from, to uint16, ov []overlayEntry, fn func(key, value []byte) error) error {
	return scanState(r, from, to, ov, true, func(dbKey, value []byte) error { return fn(dbKey[3:], value) })
}

// scanState is iterateState handing fn the database keys; with check false
// it does not hash each key to check its bucket (snapshot chunks, which
// their receivers verify whole).
func scanState(r pebble.Reader, from, to uint16, ov []overlayEntry, check bool, fn func(dbKey, value []byte) error) error {
	if from > to || int(to) > chain.NumBuckets {
		return fmt.Errorf("store: bucket range [%d, %d) out of [0, %d)", from, to, chain.NumBuckets)
	}
	if from == to {
		return nil
	}
	lo, hi := stateBounds(from, to)
	start, _ := slices.BinarySearchFunc(ov, lo, compareOverlay)
	end, _ := slices.BinarySearchFunc(ov, hi, compareOverlay)
	ov = ov[start:end]
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return wrapErr(err, "iterate state")
	}
	defer it.Close()
	valid := it.First()
	for valid || len(ov) > 0 {
		if len(ov) > 0 {
			c := -1
			if valid {
				c = bytes.Compare(ov[0].dbKey, it.Key())
			}
			if c <= 0 {
				e := ov[0]
				ov = ov[1:]
				if c == 0 {
					valid = it.Next()
				}
				if e.value != nil {
					if err := fn(e.dbKey, e.value); err != nil {
						return err
					}
				}
				continue
			}
		}
		k := it.Key()
		v, err := it.ValueAndErr()
		if err != nil {
			return wrapErr(err, "iterate state")
		}
		if len(k) <= 3 || len(v) == 0 || (check && chain.BucketOf(k[3:]) != stateKeyBucket(k)) {
			return corruptf("state entry %x (value %d bytes) is malformed or in the wrong bucket", k, len(v))
		}
		if err := fn(k, v); err != nil {
			return err
		}
		valid = it.Next()
	}
	if err := it.Error(); err != nil {
		return wrapErr(err, "iterate state")
	}
	return nil
}

func compareOverlay(e overlayEntry, key []byte) int { return bytes.Compare(e.dbKey, key) }
