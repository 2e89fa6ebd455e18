// Package codecache keeps compiled contract modules on disk, so that a
// restarted node loads them (milliseconds) instead of compiling them
// again (up to a second for a 2 MB contract). It implements vm.CodeCache;
// the vm package itself does no I/O.
//
// Every entry is one file in the cache directory, named by its key, made
// of a header (magic, length, SHA-256 of the payload) and the payload.
// Put writes a temporary file, syncs it and renames it over the entry, so
// a reader never sees half an entry. Get verifies the header and the
// checksum before returning anything: the engines load compiled code
// without checking it, so a truncated or corrupt file (a crash, a bad
// disk, an edit) is deleted and reported as a miss, and the VM compiles
// the module again. Nothing is ever evicted: entries are keyed by code
// hash, engine and gas schedule, and a node runs few distinct contracts.
//
// Use:
//
//	cache, err := codecache.Open(filepath.Join(dataDir, "code"))
//	v, err := vm.New(engine, vm.Options{CodeCache: cache})
//	... cache.Stats() for metrics ...
package codecache
