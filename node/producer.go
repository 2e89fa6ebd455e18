package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

type mineRequest struct {
	n    int
	done chan error
}

// blockLoop produces blocks: on demand when transactions are pending
// (BlockTime 0), on an interval otherwise, and when dev_mine asks. It is
// the only goroutine that changes the head and the state root.
func (n *Node) blockLoop(ctx context.Context) error {
	var tick <-chan time.Time
	if n.cfg.BlockTime > 0 {
		t := time.NewTicker(n.cfg.BlockTime)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-n.pool.Ready():
			if n.cfg.BlockTime > 0 {
				continue
			}
			// Keep building while transactions are executable; a block
			// that includes nothing ends the run (the rest are waiting
			// for something else).
			for n.pool.Stats().Pending > 0 && ctx.Err() == nil {
				included, err := n.produceBlock(false)
				if err != nil {
					return err
				}
				if included == 0 {
					break
				}
			}
		case <-tick:
			if _, err := n.produceBlock(true); err != nil {
				return err
			}
		case req := <-n.mineReq:
			var err error
			for i := 0; i < req.n && err == nil; i++ {
				_, err = n.produceBlock(true)
			}
			req.done <- err
			if err != nil {
				return err
			}
		}
	}
}

// produceBlock builds a block from the mempool, commits it and makes it the
// head. With allowEmpty false, it builds nothing when no transaction is
// includable. An error is fatal: the database or the state is unusable.
func (n *Node) produceBlock(allowEmpty bool) (int, error) {
	parent := n.head // the block loop owns head; no lock needed to read it
	cands := n.pool.Pending(n.cfg.MaxBlockTxs)
	if len(cands) == 0 && !allowEmpty {
		return 0, nil
	}
	now := uint64(time.Now().UnixMilli())
	spec := chain.BlockSpec{Slot: parent.Slot + 1, Time: max(now, parent.Time), Key: n.key}
	if s := n.genesis.SlotMillis; s > 0 {
		spec.Slot = max(spec.Time/s, parent.Slot+1)
		spec.Time = max(spec.Time, spec.Slot*s)
	}
	start := time.Now()
	blk, res, invalid, err := n.exec.BuildBlock(&parent, n.db, n.root, spec, cands)
	if err != nil {
		return 0, fmt.Errorf("build block %d: %w", parent.Height+1, err)
	}
	n.dropInvalid(invalid)
	if len(blk.Txs) == 0 && !allowEmpty {
		return 0, nil
	}
	if err := n.db.CommitBlock(blk, res); err != nil {
		return 0, fmt.Errorf("commit block %d: %w", blk.Header.Height, err)
	}
	if err := n.afterCommit(blk, res, start); err != nil {
		return 0, err
	}
	n.log.Info("block", "height", blk.Header.Height, "txs", len(blk.Txs), "gas", res.GasUsed,
		"hash", blk.Hash(), "took", time.Since(start).Round(time.Microsecond))
	return len(blk.Txs), nil
}

// dropInvalid removes from the mempool the candidates that can never be
// included. A nonce above the account's (an earlier one was left out) or a
// full block are not reasons: those wait for the next block.
func (n *Node) dropInvalid(invalid []chain.InvalidTx) {
	var drop []types.Hash
	for _, iv := range invalid {
		if errors.Is(iv.Err, chain.ErrNonceTooHigh) || errors.Is(iv.Err, chain.ErrBlockGasExceeded) {
			continue
		}
		n.log.Debug("dropping invalid transaction", "hash", iv.Hash, "err", iv.Err)
		drop = append(drop, iv.Hash)
	}
	if len(drop) > 0 {
		n.pool.Remove(drop...)
	}
}

func touchedAccounts(changes []chain.Change) []types.Address {
	var out []types.Address
	for _, c := range changes {
		if a, ok := chain.AccountOfKey(c.Key); ok {
			out = append(out, a)
		}
	}
	return out
}

// mine produces count blocks now (dev_mine) and waits for them.
func (n *Node) mine(ctx context.Context, count int) error {
	req := mineRequest{n: count, done: make(chan error, 1)}
	select {
	case n.mineReq <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
