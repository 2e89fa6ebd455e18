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
// account's without a gap) or queued (behind a gap). When the pool is full,
// a newcomer must be worth more than the transaction worth least, which is
// then evicted: executable ones are worth more than queued ones, and then
// the higher the lowest gas price on the transaction's way to execution
// (its own and those of its sender's lower nonces), the more. Eviction
// takes a sender's highest nonce, so it never opens a gap.
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
//	pool.Update(newHead, accounts the block changed)
package mempool
