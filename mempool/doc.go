// Package mempool holds the transactions waiting to be included in a block:
// it orders them, keeps each sender's nonces in order, queues those behind
// a nonce gap, replaces one transaction by another that pays more, caps
// what one sender and the whole pool may hold, and evicts the cheapest
// transaction when full.
//
// The pool is deterministic: it reads no clock and no randomness; every tie
// is broken by arrival order. It verifies no signatures (the caller does,
// outside the pool's lock) and reads state only through the AccountReader
// it is handed.
//
// A sender's transactions are pending (executable: their nonces follow the
// account's without a gap) or queued (behind a gap). Only pending ones are
// block candidates.
//
// When the pool is full, a newcomer must be worth more than the
// transaction worth least, which is then evicted. Executable transactions
// are worth more than queued ones (a queued one cannot be mined at all
// until its gap fills), and then a transaction is worth the lowest gas
// price on its way to execution: its own and those of its sender's lower
// nonces, since it cannot be mined before them. That makes a sender's
// highest nonce its least valuable transaction, and eviction takes it, so
// eviction never opens a gap; and a high-paying transaction queued behind
// a cheap one cannot shield the cheap one. Among equals the later arrival
// goes first.
//
// MaxPerSender bounds a sender's nonces (and so its transactions) to a
// window above its account nonce; MaxQueued bounds how many of them may
// wait behind a gap, so that gaps, which cost nothing to open, hold few
// slots. Funds are checked per transaction (each must be affordable
// alone), not cumulatively: a block builder skips what the sender can no
// longer pay for, and the node removes it.
//
// The order of calls in a node:
//
//	pool, err := mempool.New(cfg, executor)
//	res, err := pool.Add(tx, hash, size, head)  // tx's signature checked first
//	<-pool.Ready()                               // a dev node: something to build
//	txs := pool.Pending(n)                       // block candidates, best first
//	blk, res, invalid, err := executor.BuildBlock(..., txs)
//	pool.Remove(invalid hashes...)
//	// after committing any block, own or a peer's:
//	err = pool.Update(newHead, accounts the block changed)
package mempool
