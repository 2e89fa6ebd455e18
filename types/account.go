package types

import "fmt"

const accountVersion = 1

// Account is the state of an address.
type Account struct {
	Balance  Amount
	Nonce    uint64 // the nonce its next transaction must carry
	CodeHash Hash   // zero for accounts without code
}

// IsEmpty reports whether a is the zero account (absent from state).
func (a *Account) IsEmpty() bool {
	return a.Balance.IsZero() && a.Nonce == 0 && a.CodeHash.IsZero()
}

// Encode returns the canonical encoding of a.
func (a *Account) Encode() []byte {
	e := encoder{b: make([]byte, 0, 1+33+8+32)}
	e.u8(accountVersion)
	e.amount(&a.Balance)
	e.u64(a.Nonce)
	e.raw(a.CodeHash[:])
	return e.b
}

// DecodeAccount decodes a canonical account.
func DecodeAccount(b []byte) (Account, error) {
	var a Account
	d := decoder{b: b}
	if v := d.u8("account version"); d.err == nil && v != accountVersion {
		d.fail("unknown account version %d", v)
	}
	a.Balance = d.amount("balance")
	a.Nonce = d.u64("nonce")
	d.fixed(a.CodeHash[:], "code hash")
	if err := d.finish(); err != nil {
		return Account{}, fmt.Errorf("account: %w", err)
	}
	return a, nil
}
