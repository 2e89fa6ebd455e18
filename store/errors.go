package store

import "errors"

// Errors returned by the store. Match them with errors.Is: the store wraps
// them with details.
var (
	// ErrNotFound: no block, header, receipts or transaction under that
	// key, or a height above the head.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt: the database holds something the store did not write,
	// or pebble reports corruption. Restart will not fix it; restore from
	// a snapshot or resync.
	ErrCorrupt = errors.New("database corrupt")
	// ErrSchemaVersion: the database was written with another key layout.
	ErrSchemaVersion = errors.New("unsupported database schema version")
	// ErrNotInitialized: InitGenesis has not been called yet.
	ErrNotInitialized = errors.New("database has no genesis")
	// ErrGenesisMismatch: the database belongs to another chain.
	ErrGenesisMismatch = errors.New("database holds another genesis")
	// ErrNotHeadChild: CommitBlock was given a block that does not extend
	// the current head.
	ErrNotHeadChild = errors.New("block does not extend the head")
	// ErrNoUndo: the head cannot be reverted: it is the genesis, or its
	// undo record was pruned.
	ErrNoUndo = errors.New("no undo record for the head block")
	// ErrStateUnavailable: the state at that height is older than the kept
	// undo records.
	ErrStateUnavailable = errors.New("state at that height is no longer available")
	// ErrReadOnly: a write to a database opened with Options.ReadOnly.
	ErrReadOnly = errors.New("database is read-only")
	// ErrClosed: the DB or the StateView was closed.
	ErrClosed = errors.New("database closed")
)
