package vm

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// CodeCache keeps compiled modules across restarts; the VM does no I/O
// itself. internal/codecache implements it on disk. The VM only puts
// what Module.Serialize returned, and only the engine named in the key
// loads it; an implementation must return exactly the bytes put under a
// key or nothing (engines do not check what they load), so it detects
// and drops corrupt entries itself. Get and Put are called with the VM's
// lock held, from one goroutine at a time.
type CodeCache interface {
	Get(key string) ([]byte, bool)
	Put(key string, data []byte)
}

// cacheKey names the compiled form of instrumented code: its SHA-256,
// the engine and the schedule version the instrumentation used. It is
// safe as a file name.
func cacheKey(instrumented []byte, engine string, scheduleVersion uint32) string {
	sum := sha256.Sum256(instrumented)
	return hex.EncodeToString(sum[:]) + "." + engine + ".s" + strconv.FormatUint(uint64(scheduleVersion), 10)
}
