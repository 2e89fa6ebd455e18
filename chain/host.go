package chain

import (
	"fmt"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// stateHost is the vm.Host of a call: contract storage, balances and code
// in the block's overlay.
type stateHost struct {
	o *Overlay
}

var _ vm.Host = stateHost{}

func (h stateHost) StorageGet(contract types.Address, key []byte) ([]byte, error) {
	return h.o.Get(StorageKey(contract, key))
}

func (h stateHost) StorageSet(contract types.Address, key, value []byte) error {
	if len(key) > MaxStorageKeyLen || len(value) > MaxStorageValueLen {
		return fmt.Errorf("storage entry of %d+%d bytes exceeds the limits (%d, %d)", len(key), len(value), MaxStorageKeyLen, MaxStorageValueLen)
	}
	return h.o.Set(StorageKey(contract, key), value)
}

func (h stateHost) Balance(addr types.Address) (types.Amount, error) {
	acc, err := h.o.Account(addr)
	return acc.Balance, err
}

func (h stateHost) Transfer(from, to types.Address, amount *types.Amount) error {
	if amount.IsZero() {
		return nil
	}
	acc, err := h.o.Account(from)
	if err != nil {
		return err
	}
	if acc.Balance.Lt(amount) {
		return fmt.Errorf("%w: %s has %s, needs %s", vm.ErrInsufficientBalance, from, acc.Balance.Dec(), amount.Dec())
	}
	acc.Balance.Sub(&acc.Balance, amount)
	if err := h.o.SetAccount(from, &acc); err != nil {
		return err
	}
	return credit(h.o, to, amount)
}

func (h stateHost) Code(addr types.Address) ([]byte, types.Hash, error) {
	acc, err := h.o.Account(addr)
	if err != nil || acc.CodeHash.IsZero() {
		return nil, types.Hash{}, err
	}
	code, err := h.o.Get(CodeKey(acc.CodeHash))
	if err != nil {
		return nil, types.Hash{}, err
	}
	if code == nil {
		return nil, types.Hash{}, fmt.Errorf("%w: account %s has code hash %s but no code", errStateCorrupt, addr, acc.CodeHash)
	}
	return code, acc.CodeHash, nil
}

// SetCode stores code under its hash (shared by every contract with the
// same code) and points the account at it.
func (h stateHost) SetCode(addr types.Address, code []byte) error {
	hash := CodeHash(code)
	if err := h.o.Set(CodeKey(hash), code); err != nil {
		return err
	}
	acc, err := h.o.Account(addr)
	if err != nil {
		return err
	}
	acc.CodeHash = hash
	return h.o.SetAccount(addr, &acc)
}

func (h stateHost) Savepoint() int    { return h.o.Savepoint() }
func (h stateHost) RollbackTo(sp int) { h.o.RollbackTo(sp) }

// CodeHash is the hash contract code is stored under.
func CodeHash(code []byte) types.Hash { return types.Hash(crypto.Sum256(code)) }

// CodeHash makes stateHost a vm.CodeHasher: the VM reads a contract's
// code only to compile it, not on every call.
func (h stateHost) CodeHash(addr types.Address) (types.Hash, error) {
	acc, err := h.o.Account(addr)
	return acc.CodeHash, err
}
