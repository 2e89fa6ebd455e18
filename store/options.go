package store

import (
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Defaults of Options.
const (
	DefaultCacheSize = 64 << 20
	DefaultKeepUndo  = 256
)

// memTableSize is pebble's memtable size. A batch larger than half of it
// bypasses the memtable and forces a flush, so it is sized for a block of
// ~50,000 transfers (a 5,000-transfer block is a ~6 MB batch).
const memTableSize = 64 << 20

// Options configure a DB. The zero value is valid: Open applies the
// defaults documented on each field.
type Options struct {
	// FS is the file system the database lives in. Default (nil): the
	// operating system's. Tests use vfs.NewMem().
	FS vfs.FS
	// CacheSize is the size in bytes of pebble's block cache. Default
	// (0): DefaultCacheSize, 64 MiB.
	CacheSize int64
	// KeepUndo is how many of the latest blocks keep an undo record, which
	// bounds how deep RevertHead can go and how old a height StateAt can
	// read. Default (0): DefaultKeepUndo, 256.
	KeepUndo uint64
	// ReadOnly opens the database for reading only; writes return
	// ErrReadOnly. The database must exist. Default false.
	ReadOnly bool
	// Logger receives pebble's messages. Default (nil): slog.Default().
	Logger *slog.Logger
}

// EnsureDefaults sets every unset field to its default.
func (o *Options) EnsureDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.KeepUndo == 0 {
		o.KeepUndo = DefaultKeepUndo
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Validate checks the options after EnsureDefaults.
func (o *Options) Validate() error {
	if o.CacheSize < 0 {
		return fmt.Errorf("store: negative cache size %d", o.CacheSize)
	}
	return nil
}
