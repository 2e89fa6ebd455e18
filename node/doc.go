// Package node wires noded together: it opens the store, loads or creates
// the chain, runs the mempool, produces or validates blocks, and serves
// JSON-RPC. It is the only package where the deterministic core (types,
// crypto, chain, mempool) meets I/O, the clock and randomness.
//
// Use:
//
//	n, err := node.New(cfg)   // opens the database, checks it
//	err = n.Run(ctx)          // serves until ctx is done, then shuts down
//
// One goroutine (the block loop) owns the head, the state root and block
// production; RPC handlers read committed data and submit transactions to
// the mempool, which is safe for concurrent use.
package node
