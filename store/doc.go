// Package store persists a node's chain and state in pebble; it is the
// only package that imports pebble.
//
// # Order of calls
//
//	db, err := store.Open(dir, store.Options{})
//	ok, err := db.Initialized()
//	if !ok { db.InitGenesis(genesisJSON, genesisBlock, genesisResult) }
//	head, err := db.Head()
//	root, err := db.LoadRoot()             // checked against head.StateRoot
//	// for each block: execute against db (a chain.StateReader) and root
//	db.CommitBlock(blk, res)               // one synced batch
//	root.Apply(res.Buckets)
//	// on a reorg: db.RevertHead() back to the fork point, then LoadRoot
//	// reads (RPC, snapshots): db.HeadState() / db.StateAt(h), then view.Close()
//	// snapshots: view.BuildManifest, view.Chunk; a new database restores
//	// one with BeginRestore, VerifyChunk + RestoreChunk, FinishRestore
//	db.Close()
//
// # Crash consistency
//
// Everything a block writes — block, header, receipts, indexes, state
// entries, buckets, undo record, head pointer, undo pruning — goes into one
// pebble batch committed with Sync. Pebble applies a batch atomically and
// recovers it from its WAL whole or not at all, so after a crash (kill -9
// at any moment) the database holds the last block whose CommitBlock
// returned (or, if the crash hit during a commit, possibly that block too),
// with the state and buckets that match its state root. InitGenesis and
// RevertHead are single synced batches too. Open checks the metadata (schema
// version, head pointer, head header, height index); VerifyState checks
// the whole state against the buckets and the head's state root.
//
// # Key layout (schema version 1)
//
// Every key starts with a one-byte prefix; integers are big-endian.
//
//	'M' name                  metadata:
//	    "schema"              schema version, uint32
//	    "genesis"             genesis file (JSON) as given to InitGenesis
//	    "genesis-hash"        hash of block 0
//	    "head"                head block hash(32) + height(8)
//	    "undo-floor"          lowest height that may have an undo record, uint64
//	    "restore"             snapshot restore in progress (snapshot_restore.go)
//	    "restore/" index(2)   chunk written by that restore (empty value)
//	    "snapshot-base"       height of the snapshot the database was restored
//	                          from: no blocks between the genesis and it
//	'N' height(8)             hash of the canonical block at height
//	'H' hash(32)              header (types.Header.AppendEncoding)
//	'B' hash(32)              block (types.Block.Encode)
//	'R' hash(32)              receipts (types.EncodeReceipts)
//	'T' tx-hash(32)           location: block hash(32) height(8) index(4)
//	'S' bucket(2) state-key   state value; bucket = chain.BucketOf(state-key)
//	'K' bucket(2)             root bucket: crypto.LtHash, 2048 bytes
//	'U' height(8)             undo record of the canonical block at height
//
// State entries sort by bucket, so a run of buckets (a snapshot chunk) is
// one key range; IterateState walks such a range. Headers are stored apart
// from block bodies so Head and header lookups do not read whole blocks.
// All 1024 buckets are always stored (from genesis on), so a missing
// bucket is corruption. State never holds an empty value: an empty or nil
// new value deletes the entry.
//
// # Undo records and history
//
// A block's undo record lists the state entries it changed with their
// value before the block (see undo.go for the encoding). The records of the
// last Options.KeepUndo blocks are kept; older ones are deleted in the
// commit batch that makes them too old. RevertHead applies the head's
// record and recomputes the buckets it touched from the entries (removing
// the block's values, adding the old ones): bucket values are not stored in
// the record because they are 2 KB each and a busy block touches most of
// the 1024. StateAt(h) serves the state after block h by overlaying the
// records of blocks h+1..head on a snapshot of the head state. Reverted
// blocks keep their header, body and receipts (by hash); their height
// index, transaction index and undo record go.
//
// # Concurrency
//
// A DB is safe for concurrent use. Writers (InitGenesis, CommitBlock,
// RevertHead) are serialised. A single read (Get, BlockByHeight, ...) sees
// the database either before or after a block's batch, never half of it,
// but two reads may straddle a commit. Head moves only once the batch is
// durable, so the state a Get sees is never older than the last Head
// returned; it may be newer (pebble makes a batch visible before its WAL
// sync completes). For several reads of one state use a StateView
// (HeadState or StateAt), which reads a pebble snapshot. Close waits for
// operations in progress and closes the views still open; afterwards every
// method returns ErrClosed.
//
// # Errors
//
// Data that does not decode, a metadata inconsistency, or a corruption
// reported by pebble gives an error wrapping ErrCorrupt; the store does not
// panic on bad data. Only pebble's fatal errors (a failed WAL or MANIFEST
// write) panic, through the logger's Fatalf: the process cannot go on, and
// pebble recovers on the next Open.
package store
