package rpc

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/mempool"
	"github.com/noded/noded/types"
)

// txAPI serves the tx_* methods.
type txAPI struct{ *api }

// Send decodes a signed transaction, checks what it can without state and
// hands it to the backend, which verifies the signature and checks it
// against the head state (tx_send).
func (t *txAPI) Send(raw hexutil.Bytes) (_ *SendTxResult, err error) {
	defer t.catch("tx_send", &err)
	if len(raw) > types.MaxTxSize {
		return nil, toError(fmt.Errorf("%w: transaction is %d bytes, limit %d", mempool.ErrTooLarge, len(raw), types.MaxTxSize))
	}
	tx, err := types.DecodeTx(raw)
	if err != nil {
		return nil, toError(err)
	}
	if err := tx.CheckBasic(); err != nil {
		return nil, toError(err)
	}
	res, err := t.b.SendTx(tx)
	if err != nil {
		return nil, t.fail("tx_send", err)
	}
	return NewSendTxResult(tx.Hash(), res), nil
}

// Get returns a transaction, pending or included, or null (tx_get).
func (t *txAPI) Get(hash types.Hash) (_ *RPCTx, err error) {
	defer t.catch("tx_get", &err)
	l, err := t.b.Tx(hash)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, t.fail("tx_get", err)
	case l == nil || l.Tx == nil:
		return nil, nil
	}
	return NewRPCTx(l), nil
}

// GetReceipt returns the receipt of an included transaction, or null
// (tx_getReceipt).
func (t *txAPI) GetReceipt(hash types.Hash) (_ *RPCReceipt, err error) {
	defer t.catch("tx_getReceipt", &err)
	l, err := t.b.Receipt(hash)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, t.fail("tx_getReceipt", err)
	case l == nil:
		return nil, nil
	}
	return NewRPCReceipt(l), nil
}
