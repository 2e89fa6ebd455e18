package rpc

import (
	"errors"
	"fmt"

	"github.com/noded/noded/types"
)

// stateAPI serves the state_* methods.
type stateAPI struct{ *api }

// GetAccount returns an account at the head or at a block
// (state_getAccount). An address never used is the zero account.
func (s *stateAPI) GetAccount(addr types.Address, block *BlockNumber) (_ *RPCAccount, err error) {
	defer s.catch("state_getAccount", &err)
	var at *uint64
	if block != nil && *block != LatestBlock {
		h := s.height(*block)
		if head := s.b.Head().Height; h > head {
			return nil, toError(fmt.Errorf("%w: block %d is beyond the head %d", ErrStateUnavailable, h, head))
		}
		at = &h
	}
	acct, err := s.b.Account(addr, at)
	if errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("%w: %w", ErrStateUnavailable, err)
	}
	if err != nil {
		return nil, s.fail("state_getAccount", err)
	}
	return NewRPCAccount(&acct), nil
}
