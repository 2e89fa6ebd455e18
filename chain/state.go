package chain

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// StateReader reads the state a block executes against.
type StateReader interface {
	// Get returns the value stored at key, or nil if there is none.
	Get(key []byte) ([]byte, error)
}

// Prefixes of the state key space. Every entry in state is a (key, value)
// pair in one of these spaces, and every entry counts in the state root.
const (
	prefixAccount = 'a'
	prefixCode    = 'c'
	prefixStorage = 's'
)

// Limits on contract storage entries.
const (
	MaxStorageKeyLen   = 256
	MaxStorageValueLen = 64 << 10
)

// AccountKey is the state key of an account.
func AccountKey(a types.Address) []byte {
	k := make([]byte, 1+types.AddressSize)
	k[0] = prefixAccount
	copy(k[1:], a[:])
	return k
}

// CodeKey is the state key of contract code with the given hash.
func CodeKey(h types.Hash) []byte {
	k := make([]byte, 1+len(h))
	k[0] = prefixCode
	copy(k[1:], h[:])
	return k
}

// StorageKey is the state key of entry key in a contract's storage.
func StorageKey(contract types.Address, key []byte) []byte {
	k := make([]byte, 0, 1+types.AddressSize+len(key))
	k = append(k, prefixStorage)
	k = append(k, contract[:]...)
	return append(k, key...)
}

// NumBuckets is the number of buckets the state root hashes keys into.
const NumBuckets = 1024

// BucketOf returns the bucket of a state key: the top 10 bits of the
// SHA-256 of the key. Stores lay state out by bucket so that a snapshot
// chunk, a run of whole buckets, is a contiguous range.
func BucketOf(key []byte) uint16 {
	h := crypto.Sum256(key)
	return binary.BigEndian.Uint16(h[:2]) >> 6
}

// Change is one state entry a block changed: Old is the value before the
// block and New after it; nil means absent.
type Change struct {
	Key []byte
	Old []byte
	New []byte
}

// Overlay buffers writes over a StateReader. It records the value each
// touched key had in the base so that the block's changes, with their old
// values, can be listed at the end, and it can roll back to a savepoint
// when a transaction fails.
type Overlay struct {
	base    StateReader
	dirty   map[string][]byte // current value; nil = deleted
	orig    map[string][]byte // value in base, for every key read or written
	journal []journalEntry
}

type journalEntry struct {
	key     string
	prev    []byte
	hadPrev bool
}

// NewOverlay returns an empty overlay over base.
func NewOverlay(base StateReader) *Overlay {
	return &Overlay{base: base, dirty: make(map[string][]byte), orig: make(map[string][]byte)}
}

// Get returns the current value of key.
func (o *Overlay) Get(key []byte) ([]byte, error) {
	if v, ok := o.dirty[string(key)]; ok {
		return v, nil
	}
	if v, ok := o.orig[string(key)]; ok {
		return v, nil
	}
	v, err := o.base.Get(key)
	if err != nil {
		return nil, stateReadError{fmt.Errorf("state read: %w", err)}
	}
	o.orig[string(key)] = v
	return v, nil
}

// Set writes value at key. An empty value deletes the entry: state never
// holds empty values, so "absent" has one representation.
func (o *Overlay) Set(key, value []byte) error {
	if len(value) == 0 {
		value = nil
	}
	k := string(key)
	if _, ok := o.orig[k]; !ok {
		if _, err := o.Get(key); err != nil {
			return err
		}
	}
	prev, had := o.dirty[k]
	o.journal = append(o.journal, journalEntry{key: k, prev: prev, hadPrev: had})
	o.dirty[k] = value
	return nil
}

// Delete removes the entry at key.
func (o *Overlay) Delete(key []byte) error { return o.Set(key, nil) }

// Savepoint returns a mark to roll back to.
func (o *Overlay) Savepoint() int { return len(o.journal) }

// RollbackTo undoes every write made after the savepoint sp.
func (o *Overlay) RollbackTo(sp int) {
	for i := len(o.journal) - 1; i >= sp; i-- {
		j := o.journal[i]
		if j.hadPrev {
			o.dirty[j.key] = j.prev
		} else {
			delete(o.dirty, j.key)
		}
	}
	o.journal = o.journal[:sp]
}

// Account returns the account at a (the zero account if absent).
func (o *Overlay) Account(a types.Address) (types.Account, error) {
	v, err := o.Get(AccountKey(a))
	if err != nil || v == nil {
		return types.Account{}, err
	}
	acc, err := types.DecodeAccount(v)
	if err != nil {
		return types.Account{}, fmt.Errorf("account %s: %w", a, err)
	}
	return acc, nil
}

// SetAccount writes the account at a; the empty account is deleted.
func (o *Overlay) SetAccount(a types.Address, acc *types.Account) error {
	if acc.IsEmpty() {
		return o.Delete(AccountKey(a))
	}
	return o.Set(AccountKey(a), acc.Encode())
}

// Changes returns the entries whose value differs from the base, sorted by
// key.
func (o *Overlay) Changes() []Change {
	out := make([]Change, 0, len(o.dirty))
	for k, v := range o.dirty {
		old := o.orig[k]
		if bytes.Equal(old, v) {
			continue
		}
		out = append(out, Change{Key: []byte(k), Old: old, New: v})
	}
	slices.SortFunc(out, func(a, b Change) int { return bytes.Compare(a.Key, b.Key) })
	return out
}

// AccountOfKey returns the address whose account is stored at key, if key
// is an account key.
func AccountOfKey(key []byte) (types.Address, bool) {
	var a types.Address
	if len(key) != 1+types.AddressSize || key[0] != prefixAccount {
		return a, false
	}
	copy(a[:], key[1:])
	return a, true
}
