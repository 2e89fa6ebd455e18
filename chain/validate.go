package chain

import (
	"fmt"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// MaxClockDriftMillis is how far in the future a block's time may be
// relative to the validating node's clock.
const MaxClockDriftMillis = 2_000

func invalidBlock(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidBlock, fmt.Sprintf(format, args...))
}

// Proposer returns the validator that may propose in slot.
func (e *Executor) Proposer(slot uint64) crypto.PublicKey { return e.cfg.Proposer(slot) }

// CheckHeader checks a header against its parent and the consensus rules.
func (e *Executor) CheckHeader(parent, h *types.Header, nowMillis uint64) error {
	return e.cfg.CheckHeader(parent, h, nowMillis)
}

// Proposer returns the validator that may propose in slot: validators take
// slots in turn.
func (c *Config) Proposer(slot uint64) crypto.PublicKey {
	return c.Validators[slot%uint64(len(c.Validators))]
}

// CheckHeader checks a header against its parent and the consensus rules:
// height, parent hash, slot order, time, proposer for the slot, gas limit
// and signature. nowMillis is the validating node's clock. It needs no
// state, so it runs before a block is executed, and on blocks of forks.
func (c *Config) CheckHeader(parent, h *types.Header, nowMillis uint64) error {
	if h.Height != parent.Height+1 {
		return invalidBlock("height %d does not follow parent height %d", h.Height, parent.Height)
	}
	if h.Parent != parent.Hash() {
		return invalidBlock("parent hash %s is not %s", h.Parent, parent.Hash())
	}
	if h.Slot <= parent.Slot && parent.Height > 0 {
		return invalidBlock("slot %d is not after parent slot %d", h.Slot, parent.Slot)
	}
	if h.Time < parent.Time {
		return invalidBlock("time %d is before parent time %d", h.Time, parent.Time)
	}
	if h.Time > nowMillis+MaxClockDriftMillis {
		return fmt.Errorf("%w: time %d is %d ms ahead of this node's clock", ErrFutureBlock, h.Time, h.Time-nowMillis)
	}
	if s := c.SlotMillis; s > 0 && h.Time/s != h.Slot {
		return invalidBlock("time %d is not in slot %d", h.Time, h.Slot)
	}
	if want := c.Proposer(h.Slot); h.Proposer != want {
		return invalidBlock("proposer %s is not the proposer of slot %d (%s)", h.Proposer, h.Slot, want)
	}
	if h.GasLimit != c.BlockGasLimit {
		return invalidBlock("gas limit %d, chain's is %d", h.GasLimit, c.BlockGasLimit)
	}
	if h.GasUsed > h.GasLimit {
		return invalidBlock("gas used %d exceeds gas limit %d", h.GasUsed, h.GasLimit)
	}
	if !h.VerifySig() {
		return invalidBlock("bad proposer signature")
	}
	return nil
}

// ValidateBlock checks a block received from elsewhere against its parent
// and the parent's state, executes it, and returns what to commit. Any
// invalid transaction, or a root that does not match, makes the block
// invalid (errors wrap ErrInvalidBlock); an error that does not wrap it is
// a failure to read state.
func (e *Executor) ValidateBlock(parent *types.Header, st StateReader, root *Root, blk *types.Block, nowMillis uint64) (*BlockResult, error) {
	h := &blk.Header
	if err := e.CheckHeader(parent, h, nowMillis); err != nil {
		return nil, err
	}
	if len(blk.Txs) > types.MaxBlockTxs {
		return nil, invalidBlock("%d transactions, limit %d", len(blk.Txs), types.MaxBlockTxs)
	}
	res := &BlockResult{TxHashes: make([]types.Hash, len(blk.Txs)), Receipts: make([]types.Receipt, 0, len(blk.Txs))}
	// The signatures to verify, and the index of each one's transaction:
	// those the node verified when they reached its mempool are skipped.
	items := make([]crypto.SigItem, 0, len(blk.Txs))
	itemTx := make([]int, 0, len(blk.Txs))
	seen := make(map[types.Hash]struct{}, len(blk.Txs))
	for i, tx := range blk.Txs {
		if err := tx.CheckBasic(); err != nil {
			return nil, invalidBlock("transaction %d: %v", i, err)
		}
		hash := tx.Hash()
		if _, dup := seen[hash]; dup {
			return nil, invalidBlock("transaction %d (%s) appears twice", i, hash)
		}
		seen[hash] = struct{}{}
		res.TxHashes[i] = hash
		if e.knownSig != nil && e.knownSig(hash, tx.Sig) {
			continue
		}
		items = append(items, tx.SigItem(hash))
		itemTx = append(itemTx, i)
	}
	if got := types.TxRoot(res.TxHashes); got != h.TxRoot {
		return nil, invalidBlock("tx root %s, header says %s", got, h.TxRoot)
	}
	if e.rand == nil {
		return nil, fmt.Errorf("chain: executor has no randomness source for signature verification")
	}
	// Verify signatures while executing: execution is serial and would
	// leave the other cores idle. A bad signature voids the block either way.
	sigs := make(chan int, 1)
	go func() { sigs <- crypto.VerifyAllCached(items, e.workers, e.rand, e.keys) }()
	o := NewOverlay(st)
	env := &blockEnv{
		height:   h.Height,
		time:     h.Time,
		proposer: types.AddressOf(h.Proposer),
		gasLeft:  h.GasLimit,
	}
	var execErr error
	for i, tx := range blk.Txs {
		rc, err := e.applyTx(o, env, tx, res.TxHashes[i])
		if err != nil {
			execErr = err
			if !isStateReadError(err) {
				execErr = invalidBlock("transaction %d (%s): %v", i, res.TxHashes[i], err)
			}
			break
		}
		res.Receipts = append(res.Receipts, rc)
	}
	if j := <-sigs; j >= 0 {
		i := itemTx[j]
		return nil, invalidBlock("transaction %d (%s): %v", i, res.TxHashes[i], types.ErrBadSig)
	}
	if execErr != nil {
		return nil, execErr
	}
	if err := e.finish(o, root, res, env); err != nil {
		if isStateReadError(err) {
			return nil, err
		}
		return nil, invalidBlock("crediting fees: %v", err)
	}
	if res.GasUsed != h.GasUsed {
		return nil, invalidBlock("gas used %d, header says %d", res.GasUsed, h.GasUsed)
	}
	if got := types.ReceiptsRoot(res.Receipts); got != h.ReceiptsRoot {
		return nil, invalidBlock("receipts root %s, header says %s", got, h.ReceiptsRoot)
	}
	if res.StateRoot != h.StateRoot {
		return nil, invalidBlock("state root %s, header says %s", res.StateRoot, h.StateRoot)
	}
	return res, nil
}
