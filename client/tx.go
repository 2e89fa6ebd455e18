package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// SendResult says what the node did with a transaction.
type SendResult struct {
	Hash types.Hash
	// Status is rpc.StatusAccepted (executable), rpc.StatusQueued (waits
	// for lower nonces) or rpc.StatusReplaced (replaced a pending
	// transaction with the same nonce).
	Status string
	// Missing lists, for a queued transaction, the nonces that must come
	// first.
	Missing []uint64
}

func sendResult(r *rpc.SendTxResult) SendResult {
	out := SendResult{Hash: r.Hash, Status: r.Status}
	for _, n := range r.MissingNonces {
		out.Missing = append(out.Missing, uint64(n))
	}
	return out
}

// NewTransfer returns an unsigned transfer of amount to `to`, with the gas
// limit a transfer costs (chain.IntrinsicGas). Sign it before sending.
func NewTransfer(chainID string, nonce uint64, to types.Address, amount types.Amount, gasPrice uint64) *types.Tx {
	tx := &types.Tx{
		ChainID:  chainID,
		Nonce:    nonce,
		Kind:     types.TxTransfer,
		To:       to,
		Amount:   amount,
		GasPrice: gasPrice,
	}
	tx.GasLimit = chain.IntrinsicGas(tx)
	return tx
}

// SendTx submits a signed transaction (tx_send). A refusal is an
// *rpc.Error that matches the reason's sentinel (chain.ErrNonceTooLow,
// mempool.ErrDuplicate, types.ErrBadSig, ...).
func (c *Client) SendTx(ctx context.Context, tx *types.Tx) (SendResult, error) {
	return c.SendRawTx(ctx, tx.Encode())
}

// SendRawTx submits a transaction in its canonical encoding (tx_send).
func (c *Client) SendRawTx(ctx context.Context, raw []byte) (SendResult, error) {
	var r rpc.SendTxResult
	if err := c.Call(ctx, &r, "tx_send", hexutil.Bytes(raw)); err != nil {
		return SendResult{}, err
	}
	return sendResult(&r), nil
}

// Tx returns a transaction, pending or included (tx_get). An unknown hash
// is ErrNotFound.
func (c *Client) Tx(ctx context.Context, hash types.Hash) (*rpc.RPCTx, error) {
	return lookup[rpc.RPCTx](ctx, c, fmt.Sprintf("transaction %s", hash), "tx_get", hash)
}

// Receipt returns the receipt of an included transaction (tx_getReceipt).
// A transaction that is unknown or not yet included is ErrNotFound.
func (c *Client) Receipt(ctx context.Context, hash types.Hash) (*rpc.RPCReceipt, error) {
	return lookup[rpc.RPCReceipt](ctx, c, fmt.Sprintf("receipt of %s", hash), "tx_getReceipt", hash)
}

// WaitReceipt asks for the receipt of hash every pollInterval until the
// transaction is included or ctx is done; give ctx a deadline. It works
// over HTTP and WebSocket alike. A receipt with status "failed" is
// returned without error: the transaction was included, and the receipt's
// Error says why it failed.
func (c *Client) WaitReceipt(ctx context.Context, hash types.Hash, pollInterval time.Duration) (*rpc.RPCReceipt, error) {
	if pollInterval <= 0 {
		return nil, errors.New("client: WaitReceipt: poll interval must be positive")
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		r, err := c.Receipt(ctx, hash)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the receipt of %s: %w", hash, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// NextNonce returns the nonce for addr's next transaction: the account's
// nonce at the head, or one more than the highest nonce addr has in the
// mempool (pending or queued), whichever is larger. The mempool is read
// first: a transaction leaves it only after the state that includes it is
// readable, so a block committed between the two reads cannot hide it.
func (c *Client) NextNonce(ctx context.Context, addr types.Address) (uint64, error) {
	pool, err := c.MempoolInspect(ctx, addr)
	if err != nil {
		return 0, err
	}
	acct, err := c.Account(ctx, addr, rpc.LatestBlock)
	if err != nil {
		return 0, err
	}
	next := uint64(acct.Nonce)
	for _, list := range [][]hexutil.Uint64{pool.Pending, pool.Queued} {
		for _, n := range list {
			next = max(next, uint64(n)+1)
		}
	}
	return next, nil
}
