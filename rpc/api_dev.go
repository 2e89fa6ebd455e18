package rpc

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/types"
)

// MaxDevMine bounds the blocks one dev_mine call produces.
const MaxDevMine = 1000

// devAPI serves the dev_* methods, which exist only in dev mode.
type devAPI struct{ *api }

func (d *devAPI) check() error {
	if !d.b.DevMode() {
		return toError(ErrNotDevMode)
	}
	return nil
}

// Accounts lists the prefunded dev accounts (dev_accounts).
func (d *devAPI) Accounts() (_ []RPCDevAccount, err error) {
	defer d.catch("dev_accounts", &err)
	if err := d.check(); err != nil {
		return nil, err
	}
	accts := d.b.DevAccounts()
	out := make([]RPCDevAccount, len(accts))
	for i, a := range accts {
		out[i] = RPCDevAccount{Name: a.Name, Address: a.Address}
	}
	return out, nil
}

// SendTransaction signs a transfer with a dev account's key and submits it
// (dev_sendTransaction).
func (d *devAPI) SendTransaction(args DevSendArgs) (_ *SendTxResult, err error) {
	defer d.catch("dev_sendTransaction", &err)
	if err := d.check(); err != nil {
		return nil, err
	}
	hash, res, err := d.b.DevSend(args.From, args.To, types.Amount(args.Value))
	if err != nil {
		return nil, d.fail("dev_sendTransaction", err)
	}
	return NewSendTxResult(hash, res), nil
}

// Mine produces n blocks (default 1) now and returns the new head height
// (dev_mine).
func (d *devAPI) Mine(ctx context.Context, n *hexutil.Uint64) (_ hexutil.Uint64, err error) {
	defer d.catch("dev_mine", &err)
	if err := d.check(); err != nil {
		return 0, err
	}
	count := uint64(1)
	if n != nil {
		count = uint64(*n)
	}
	if count < 1 || count > MaxDevMine {
		return 0, invalidParams(fmt.Sprintf("dev_mine: n must be between 1 and %d, got %d", MaxDevMine, count))
	}
	h, err := d.b.DevMine(ctx, int(count))
	if err != nil {
		return 0, d.fail("dev_mine", err)
	}
	return hexutil.Uint64(h), nil
}
