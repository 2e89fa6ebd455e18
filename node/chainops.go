package node

import (
	"fmt"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// applyBlock validates a block from a peer on the current head, executes
// it and commits it. Errors wrapping chain.ErrInvalidBlock mean the block
// is invalid; any other error is the node's own failure.
func (n *Node) applyBlock(blk *types.Block) error {
	start := time.Now()
	parent := n.head
	if blk.Header.Parent != parent.Hash() {
		return fmt.Errorf("block %d does not extend the head %d", blk.Header.Height, parent.Height)
	}
	res, err := n.exec.ValidateBlock(&parent, n.db, n.root, blk, uint64(time.Now().UnixMilli()))
	if err != nil {
		return err
	}
	if err := n.db.CommitBlock(blk, res); err != nil {
		return fmt.Errorf("commit block %d: %w", blk.Header.Height, err)
	}
	return n.afterCommit(blk, res, start)
}

// afterCommit makes a committed block the head: state root, mempool,
// subscribers, metrics.
func (n *Node) afterCommit(blk *types.Block, res *chain.BlockResult, start time.Time) error {
	n.root.Apply(res.Buckets)
	n.mu.Lock()
	n.head = blk.Header
	n.mu.Unlock()
	if err := n.pool.Update(n.db, touchedAccounts(res.Changes)); err != nil {
		return fmt.Errorf("mempool update after block %d: %w", blk.Header.Height, err)
	}
	n.heads.publish(blk.Header)
	n.events.publish(blk, res.Receipts)
	n.metrics.height.Set(float64(blk.Header.Height))
	n.metrics.blocks.Inc()
	n.metrics.txs.Add(float64(len(blk.Txs)))
	n.metrics.blockSeconds.Observe(time.Since(start).Seconds())
	n.metrics.blockTxs.Observe(float64(len(blk.Txs)))
	n.log.Debug("block", "height", blk.Header.Height, "txs", len(blk.Txs), "gas", res.GasUsed,
		"hash", blk.Hash(), "took", time.Since(start).Round(time.Microsecond))
	return nil
}

// revertHead undoes the head block (a reorg) and returns its transactions
// to the mempool.
func (n *Node) revertHead() error {
	old := n.head
	blk, err := n.db.BlockByHash(old.Hash())
	if err != nil {
		return fmt.Errorf("revert: load head block: %w", err)
	}
	newHead, err := n.db.RevertHead()
	if err != nil {
		return fmt.Errorf("revert block %d: %w", old.Height, err)
	}
	root, err := n.db.LoadRoot()
	if err != nil {
		return fmt.Errorf("revert block %d: %w", old.Height, err)
	}
	n.root = root
	n.mu.Lock()
	n.head = newHead
	n.mu.Unlock()
	senders := make([]types.Address, 0, len(blk.Txs))
	for _, tx := range blk.Txs {
		senders = append(senders, tx.Sender())
	}
	if err := n.pool.Update(n.db, senders); err != nil {
		return fmt.Errorf("mempool update after reverting block %d: %w", old.Height, err)
	}
	back, refused := 0, 0
	var firstErr error
	for _, tx := range blk.Txs {
		if _, err := n.pool.Add(tx, tx.Hash(), tx.EncodedSize(), n.db); err != nil {
			refused++
			if firstErr == nil {
				firstErr = fmt.Errorf("transaction %s (nonce %d of %s): %w", tx.Hash(), tx.Nonce, tx.Sender(), err)
			}
			continue
		}
		back++
	}
	if n.net != nil {
		n.net.reverted.Add(1)
	}
	n.log.Info("reverted block", "height", old.Height, "hash", old.Hash(), "txs_back_to_mempool", back, "refused", refused)
	if firstErr != nil {
		n.log.Warn("transactions of a reverted block not taken back into the mempool", "height", old.Height, "count", refused, "first", firstErr)
	}
	return nil
}
