// Package chain is noded's deterministic core: the state transition
// (executing transactions against state), block building and validation,
// the state root, the genesis, and the consensus rules.
//
// It does no I/O, starts no goroutines that outlive a call, and never reads
// the clock or global randomness: state comes in through StateReader, time
// as arguments, and what to persist goes out in a BlockResult for the
// caller (the node) to commit.
//
// The order of calls for a block from a peer:
//
//	res, err := chain.ValidateBlock(cfg, parent, state, root, blk, now, rand)
//	store.CommitBlock(blk, res)  // one atomic batch
//	root.Apply(res.Buckets)
//
// and for a block of one's own: chain.BuildBlock with transactions from the
// mempool, then the same commit.
package chain
