package rpc

import (
	"errors"
	"fmt"
)

// Defaults of Config. docs/rpc.md states the same numbers.
const (
	DefaultAddr                  = "127.0.0.1:8545"
	DefaultMaxBodyBytes          = 8 << 20 // a 3 MiB contract deploy in hex fits
	DefaultMaxBatchItems         = 1000
	DefaultMaxBatchResponseBytes = 25_000_000
	DefaultMaxConns              = 1024
	DefaultWSReadLimit           = 8 << 20
)

// Config holds the server's address and limits. A zero field takes its
// default; a negative one is an error.
type Config struct {
	// Addr is the TCP address Start listens on. Default DefaultAddr
	// (127.0.0.1:8545). Serve ignores it.
	Addr string
	// MaxBodyBytes bounds an HTTP request body. A request whose
	// Content-Length is larger is answered 413; a chunked body is cut at
	// the limit and answered -32700. Default 8 MiB.
	MaxBodyBytes int
	// MaxBatchItems bounds the calls in one batch. Default 1000.
	MaxBatchItems int
	// MaxBatchResponseBytes bounds the total size of a batch's responses;
	// the calls past it are answered with error -32003. Default 25,000,000.
	MaxBatchResponseBytes int
	// MaxConns bounds the open connections, HTTP and WebSocket together.
	// Connections past it wait in the listen backlog until one closes.
	// Default 1024.
	MaxConns int
	// WSReadLimit bounds one WebSocket message; a larger one closes the
	// connection. Default 8 MiB.
	WSReadLimit int64
}

// withDefaults returns a copy of c with zero fields set to their defaults,
// or an error if a field is invalid.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	check := func(name string, v int64) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("rpc: config: %s is negative (%d)", name, v))
		}
	}
	check("MaxBodyBytes", int64(c.MaxBodyBytes))
	check("MaxBatchItems", int64(c.MaxBatchItems))
	check("MaxBatchResponseBytes", int64(c.MaxBatchResponseBytes))
	check("MaxConns", int64(c.MaxConns))
	check("WSReadLimit", c.WSReadLimit)
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxBatchItems == 0 {
		c.MaxBatchItems = DefaultMaxBatchItems
	}
	if c.MaxBatchResponseBytes == 0 {
		c.MaxBatchResponseBytes = DefaultMaxBatchResponseBytes
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.WSReadLimit == 0 {
		c.WSReadLimit = DefaultWSReadLimit
	}
	return c, nil
}
