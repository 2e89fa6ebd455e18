package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/types"
)

// DB is a node's database: the chain, its state and the state root's
// buckets. It is safe for concurrent use; writes (InitGenesis, CommitBlock,
// RevertHead) are serialised.
type DB struct {
	pdb  *pebble.DB
	opts Options

	// mu guards closed and active: every operation counts itself in active
	// while it uses pdb, and Close waits for active to drop to zero after
	// setting closed, so pebble is never used after it is closed.
	mu     sync.Mutex
	idle   sync.Cond
	closed bool
	active int

	// writeMu serialises the writers. undoFloor is the lowest height
	// that can have an undo record (the stored keyUndoFloor).
	writeMu   sync.Mutex
	undoFloor uint64

	// cache holds recent head state entries (see stateCache); cacheKept
	// says the writer holding writeMu kept it current.
	cache     *stateCache
	cacheKept bool

	// afterBatch, set by tests, runs in CommitBlock between the batch's
	// commit and the cache's update.
	afterBatch func(height uint64)

	// head is the durable head; nil before InitGenesis. Replaced, never
	// modified, after each write.
	head atomic.Pointer[headState]

	viewsMu sync.Mutex
	views   map[*StateView]struct{}

	// corrupt is the first data corruption pebble reported, found by a
	// read or a background compaction; once set, writes are refused.
	corrupt atomic.Pointer[error]

	// restoring is the snapshot restore in progress, nil if none (see
	// snapshot_restore.go).
	restoring atomic.Pointer[RestoreState]
}

type headState struct {
	header types.Header
	hash   types.Hash
}

// Open opens the database in dir, creating it if it does not exist (unless
// opts.ReadOnly). A database that pebble reports corrupt, or whose
// metadata is inconsistent, gives an error wrapping ErrCorrupt; one written
// with another key layout gives ErrSchemaVersion.
func Open(dir string, opts Options) (*DB, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	db := &DB{opts: opts, views: make(map[*StateView]struct{}), cache: newStateCache(stateCacheBytes)}
	db.idle.L = &db.mu
	log := opts.Logger.With("component", "pebble")
	popts := &pebble.Options{
		FS:               opts.FS,
		CacheSize:        opts.CacheSize,
		MemTableSize:     memTableSize,
		ReadOnly:         opts.ReadOnly,
		ErrorIfNotExists: opts.ReadOnly,
		Logger:           pebbleLogger{log},
		EventListener: &pebble.EventListener{
			// Pebble's default for both is to log; for corruption it
			// exits. Reads that meet the corruption return errors
			// wrapping ErrCorrupt; the store refuses further writes.
			DataCorruption: func(info pebble.DataCorruptionInfo) {
				log.Error("data corruption", "info", info.String())
				err := fmt.Errorf("store: %w: %s", ErrCorrupt, info.String())
				db.corrupt.CompareAndSwap(nil, &err)
			},
			BackgroundError: func(err error) { log.Error("background error", "err", err) },
		},
	}
	if !opts.ReadOnly {
		popts.FormatMajorVersion = pebble.FormatNewest
	}
	pdb, err := pebble.Open(dir, popts)
	if err != nil {
		return nil, openError(dir, err)
	}
	db.pdb = pdb
	if err := db.load(); err != nil {
		_ = pdb.Close()
		return nil, fmt.Errorf("%w (database %s)", err, dir)
	}
	return db, nil
}

// openError wraps an error of pebble.Open. Unless it is about the
// environment (permissions, a lock held by another process, a full,
// read-only or failing disk, a missing database), the files are
// inconsistent and it wraps ErrCorrupt, whether pebble marked it (a bad
// checksum) or not (a table whose size differs from the MANIFEST's, a
// missing table, an unparseable OPTIONS file).
func openError(dir string, err error) error {
	if pebble.IsCorruptionError(err) || !isEnvError(err) {
		return fmt.Errorf("store: open %s: %w: %w", dir, ErrCorrupt, err)
	}
	return fmt.Errorf("store: open %s: %w", dir, err)
}

func isEnvError(err error) bool {
	if errors.Is(err, pebble.ErrDBDoesNotExist) || errors.Is(err, fs.ErrPermission) {
		return true
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EAGAIN, syscall.EACCES, syscall.EPERM, syscall.ENOSPC, syscall.EROFS,
			syscall.EIO, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.ENOTDIR:
			return true
		}
	}
	return false
}

// load checks the schema version and reads the head.
func (db *DB) load() error {
	raw, ok, err := get(db.pdb, keySchema)
	if err != nil {
		return err
	}
	if !ok {
		empty, err := db.isEmpty()
		if err != nil {
			return err
		}
		if !empty {
			return corruptf("no schema version: not a noded database")
		}
		if db.opts.ReadOnly {
			return nil
		}
		v := binary.BigEndian.AppendUint32(nil, schemaVersion)
		if err := db.pdb.Set(keySchema, v, pebble.Sync); err != nil {
			return wrapErr(err, "write schema version")
		}
		return nil
	}
	if len(raw) != 4 {
		return corruptf("schema version is %d bytes, want 4", len(raw))
	}
	if v := binary.BigEndian.Uint32(raw); v != schemaVersion {
		return fmt.Errorf("store: %w: the database has schema version %d, this build reads version %d", ErrSchemaVersion, v, schemaVersion)
	}
	hs, floor, err := readHead(db.pdb)
	if err != nil {
		return err
	}
	if hs == nil {
		_, ok, err := get(db.pdb, keyGenesisHash)
		if err == nil && ok {
			err = corruptf("genesis without a head pointer")
		}
		return err
	}
	db.head.Store(hs)
	db.undoFloor = floor
	return db.loadRestore()
}

// readHead reads and checks the head pointer, its header and the undo
// floor; nil if there is no head.
func readHead(r pebble.Reader) (*headState, uint64, error) {
	raw, ok, err := get(r, keyHead)
	if err != nil || !ok {
		return nil, 0, err
	}
	hp, err := decodeHeadPointer(raw)
	if err != nil {
		return nil, 0, err
	}
	h, err := readHeader(r, hp.hash)
	if errors.Is(err, ErrNotFound) {
		return nil, 0, corruptf("head block %s is missing", hp.hash)
	}
	if err != nil {
		return nil, 0, err
	}
	if h.Height != hp.height {
		return nil, 0, corruptf("head pointer says height %d, head block %s has height %d", hp.height, hp.hash, h.Height)
	}
	canon, err := readNumber(r, hp.height)
	if err != nil {
		return nil, 0, mustExist(err, "height index of the head")
	}
	if canon != hp.hash {
		return nil, 0, corruptf("height %d maps to %s, head is %s", hp.height, canon, hp.hash)
	}
	raw, ok, err = get(r, keyUndoFloor)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, corruptf("undo floor missing")
	}
	floor, err := decodeU64(raw, "undo floor")
	if err != nil {
		return nil, 0, err
	}
	return &headState{header: h, hash: hp.hash}, floor, nil
}

func (db *DB) isEmpty() (bool, error) {
	it, err := db.pdb.NewIter(nil)
	if err != nil {
		return false, wrapErr(err, "iterate")
	}
	found := it.First()
	if err := it.Close(); err != nil {
		return false, wrapErr(err, "iterate")
	}
	return !found, nil
}

// Close closes the database, waiting for operations in progress and
// closing the StateViews still open. Later calls return ErrClosed.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return ErrClosed
	}
	db.closed = true
	for db.active > 0 {
		db.idle.Wait()
	}
	db.mu.Unlock()

	db.viewsMu.Lock()
	for v := range db.views {
		v.release()
	}
	db.views = nil
	db.viewsMu.Unlock()
	if err := db.pdb.Close(); err != nil {
		return wrapErr(err, "close")
	}
	return nil
}

// enter registers an operation; it fails once Close has begun. Every
// successful enter is paired with leave.
func (db *DB) enter() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	db.active++
	return nil
}

func (db *DB) leave() {
	db.mu.Lock()
	db.active--
	if db.active == 0 && db.closed {
		db.idle.Broadcast()
	}
	db.mu.Unlock()
}

// enterWrite is enter for the writers: it also refuses a read-only
// database and takes writeMu. Release with leaveWrite.
func (db *DB) enterWrite() error {
	if db.opts.ReadOnly {
		return ErrReadOnly
	}
	if err := db.corrupt.Load(); err != nil {
		return *err
	}
	if err := db.enter(); err != nil {
		return err
	}
	db.writeMu.Lock()
	db.cache.begin()
	return nil
}

// leaveWrite releases what enterWrite took. The state cache is emptied
// unless the writer kept it current (cacheKept, set by CommitBlock after
// recording its changes): a writer added later cannot leave it stale.
func (db *DB) leaveWrite() {
	if !db.cacheKept {
		db.cache.clear()
	}
	db.cacheKept = false
	db.writeMu.Unlock()
	db.leave()
}

// Initialized reports whether the database holds a genesis.
func (db *DB) Initialized() (bool, error) {
	if err := db.enter(); err != nil {
		return false, err
	}
	defer db.leave()
	return db.head.Load() != nil, nil
}

// Head returns the header of the last committed block.
func (db *DB) Head() (types.Header, error) {
	if err := db.enter(); err != nil {
		return types.Header{}, err
	}
	defer db.leave()
	hs := db.head.Load()
	if hs == nil {
		return types.Header{}, ErrNotInitialized
	}
	return hs.header, nil
}

// Metrics returns pebble's metrics, formatted for people.
func (db *DB) Metrics() (string, error) {
	if err := db.enter(); err != nil {
		return "", err
	}
	defer db.leave()
	return db.pdb.Metrics().String(), nil
}

// get returns a copy of the value at key; ok is false if there is none.
func get(r pebble.Reader, key []byte) (v []byte, ok bool, err error) {
	ok, err = withValue(r, key, func(val []byte) error {
		v = append(make([]byte, 0, len(val)), val...)
		return nil
	})
	return v, ok, err
}

// withValue calls fn with the value at key, valid only during the call; ok
// is false (and fn not called) if there is none.
func withValue(r pebble.Reader, key []byte, fn func(val []byte) error) (ok bool, err error) {
	val, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, wrapErr(err, "read key %q", key)
	}
	err = fn(val)
	if cerr := closer.Close(); err == nil && cerr != nil {
		err = wrapErr(cerr, "read key %q", key)
	}
	return true, err
}

// wrapErr wraps an error from pebble, marking corruption with ErrCorrupt.
func wrapErr(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if pebble.IsCorruptionError(err) {
		return fmt.Errorf("store: %s: %w: %w", what, ErrCorrupt, err)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
