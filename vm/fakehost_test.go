package vm

import (
	"fmt"
	"maps"
	"slices"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// fakeHost is an in-memory Host with savepoints: a journal of undo
// records, as the chain's overlay keeps.
type fakeHost struct {
	storage  map[string][]byte // contract address + key
	balances map[types.Address]types.Amount
	code     map[types.Address][]byte
	journal  []func()
	failGet  error                // returned by StorageGet when set
	hashes   map[*byte]types.Hash // by the code's first byte
}

func newFakeHost() *fakeHost {
	return &fakeHost{storage: map[string][]byte{}, balances: map[types.Address]types.Amount{}, code: map[types.Address][]byte{}}
}

func fakeKey(contract types.Address, key []byte) string { return string(contract[:]) + string(key) }

func (h *fakeHost) StorageGet(contract types.Address, key []byte) ([]byte, error) {
	if h.failGet != nil {
		return nil, h.failGet
	}
	return h.storage[fakeKey(contract, key)], nil
}

func (h *fakeHost) StorageSet(contract types.Address, key, value []byte) error {
	k := fakeKey(contract, key)
	old, had := h.storage[k]
	h.journal = append(h.journal, func() {
		if had {
			h.storage[k] = old
		} else {
			delete(h.storage, k)
		}
	})
	if len(value) == 0 {
		delete(h.storage, k)
	} else {
		h.storage[k] = append([]byte(nil), value...)
	}
	return nil
}

func (h *fakeHost) Balance(addr types.Address) (types.Amount, error) { return h.balances[addr], nil }

func (h *fakeHost) setBalance(addr types.Address, v types.Amount) {
	old, had := h.balances[addr]
	h.journal = append(h.journal, func() {
		if had {
			h.balances[addr] = old
		} else {
			delete(h.balances, addr)
		}
	})
	h.balances[addr] = v
}

func (h *fakeHost) Transfer(from, to types.Address, amount *types.Amount) error {
	fb := h.balances[from]
	if fb.Lt(amount) {
		return fmt.Errorf("%w: %s has %s", ErrInsufficientBalance, from, fb.Dec())
	}
	var nf, nt types.Amount
	nf.Sub(&fb, amount)
	h.setBalance(from, nf)
	tb := h.balances[to]
	nt.Add(&tb, amount)
	h.setBalance(to, nt)
	return nil
}

func (h *fakeHost) Code(addr types.Address) ([]byte, types.Hash, error) {
	c, ok := h.code[addr]
	if !ok {
		return nil, types.Hash{}, nil
	}
	return c, types.Hash(crypto.Sum256(c)), nil
}

// CodeHash makes fakeHost a CodeHasher; the hash of each code is
// computed once.
func (h *fakeHost) CodeHash(addr types.Address) (types.Hash, error) {
	c, ok := h.code[addr]
	if !ok {
		return types.Hash{}, nil
	}
	if h.hashes == nil {
		h.hashes = map[*byte]types.Hash{}
	}
	hash, ok := h.hashes[&c[0]]
	if !ok {
		hash = types.Hash(crypto.Sum256(c))
		h.hashes[&c[0]] = hash
	}
	return hash, nil
}

func (h *fakeHost) SetCode(addr types.Address, code []byte) error {
	old, had := h.code[addr]
	h.journal = append(h.journal, func() {
		if had {
			h.code[addr] = old
		} else {
			delete(h.code, addr)
		}
	})
	h.code[addr] = append([]byte(nil), code...)
	return nil
}

func (h *fakeHost) Savepoint() int { return len(h.journal) }

func (h *fakeHost) RollbackTo(sp int) {
	for i := len(h.journal) - 1; i >= sp; i-- {
		h.journal[i]()
	}
	h.journal = h.journal[:sp]
}

// dump returns the storage as sorted "key=value" lines, for comparisons.
func (h *fakeHost) dump() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(h.storage)) {
		out = append(out, fmt.Sprintf("%x=%x", k, h.storage[k]))
	}
	return out
}
