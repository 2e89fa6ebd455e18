package rpc

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// stateAPI serves the state_* methods.
type stateAPI struct{ *api }

// GetAccount returns an account at the head or at a block
// (state_getAccount). An address never used is the zero account.
func (s *stateAPI) GetAccount(addr types.Address, block *BlockNumber) (_ *RPCAccount, err error) {
	defer s.catch("state_getAccount", &err)
	at, err := s.stateHeight(block)
	if err != nil {
		return nil, err
	}
	acct, err := s.b.Account(addr, at)
	if err != nil {
		return nil, s.stateFail("state_getAccount", err)
	}
	return NewRPCAccount(&acct), nil
}

// GetCode returns the code of the contract at an address, or null
// (state_getCode).
func (s *stateAPI) GetCode(addr types.Address, block *BlockNumber) (_ *hexutil.Bytes, err error) {
	defer s.catch("state_getCode", &err)
	at, err := s.stateHeight(block)
	if err != nil {
		return nil, err
	}
	code, err := s.b.Code(addr, at)
	if err != nil {
		return nil, s.stateFail("state_getCode", err)
	}
	return orNull(code), nil
}

// GetStorage returns the value at a key of a contract's storage, or null
// (state_getStorage).
func (s *stateAPI) GetStorage(addr types.Address, key hexutil.Bytes, block *BlockNumber) (_ *hexutil.Bytes, err error) {
	defer s.catch("state_getStorage", &err)
	if len(key) > chain.MaxStorageKeyLen {
		return nil, invalidParams(fmt.Sprintf("state_getStorage: key is %d bytes, at most %d", len(key), chain.MaxStorageKeyLen))
	}
	at, err := s.stateHeight(block)
	if err != nil {
		return nil, err
	}
	v, err := s.b.Storage(addr, key, at)
	if err != nil {
		return nil, s.stateFail("state_getStorage", err)
	}
	return orNull(v), nil
}

// orNull is b, or nil (JSON null) if b is empty: state holds no empty
// values.
func orNull(b []byte) *hexutil.Bytes {
	if len(b) == 0 {
		return nil
	}
	h := hexutil.Bytes(b)
	return &h
}
