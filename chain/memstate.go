package chain

import (
	"maps"

	"github.com/noded/noded/types"
)

// MemState is an in-memory StateReader: the twin of the node's on-disk
// state, for tests and tools. It is not safe for concurrent use.
type MemState struct {
	m map[string][]byte
}

// NewMemState returns an empty state.
func NewMemState() *MemState { return &MemState{m: make(map[string][]byte)} }

// Get returns the value at key or nil.
func (s *MemState) Get(key []byte) ([]byte, error) { return s.m[string(key)], nil }

// Apply writes a block's changes.
func (s *MemState) Apply(changes []Change) {
	for _, c := range changes {
		if c.New == nil {
			delete(s.m, string(c.Key))
		} else {
			s.m[string(c.Key)] = c.New
		}
	}
}

// Account returns the account at a.
func (s *MemState) Account(a types.Address) (types.Account, error) {
	return NewOverlay(s).Account(a)
}

// Len returns the number of entries.
func (s *MemState) Len() int { return len(s.m) }

// Clone returns a copy of s.
func (s *MemState) Clone() *MemState { return &MemState{m: maps.Clone(s.m)} }

// Root recomputes the state root from scratch.
func (s *MemState) Root() *Root {
	changes := make([]Change, 0, len(s.m))
	for k, v := range s.m {
		changes = append(changes, Change{Key: []byte(k), New: v})
	}
	r := NewRoot()
	r.Apply(r.Updates(changes, 1))
	return r
}
