package store

import (
	"context"
	"fmt"
	"log/slog"
)

// pebbleLogger passes pebble's messages to slog.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...)) // pebble's info messages (WAL replay, compactions) are routine
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
}

// Fatalf is called by pebble when it cannot go on safely (a failed WAL or
// MANIFEST write, a broken invariant) and must not return. It panics
// rather than exiting so that deferred clean-up runs and the stack is
// printed; the process must not continue with this DB either way, and on
// restart pebble recovers from its WAL.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Log(context.Background(), slog.LevelError+4, msg)
	panic("store: pebble fatal error: " + msg)
}
