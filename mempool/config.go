package mempool

import (
	"fmt"

	"github.com/noded/noded/types"
)

// Defaults of Config, applied by EnsureDefaults to fields left at zero.
const (
	DefaultMinGasPrice      = 1
	DefaultMaxTxs           = 200_000
	DefaultMaxPerSender     = 4096
	DefaultMaxQueued        = 64
	DefaultPriceBumpPercent = 10
	DefaultMaxTxSize        = types.MaxTxSize
)

// maxPriceBumpPercent bounds PriceBumpPercent: a bump of more than 100x is
// a typo, not a policy.
const maxPriceBumpPercent = 10_000

// Config holds the limits of a Pool. The zero value of every field means
// its default; New applies them (see EnsureDefaults) and validates.
type Config struct {
	// MinGasPrice is the lowest gas price accepted. Default 1: a gas price
	// of 0 is never accepted.
	MinGasPrice uint64
	// MaxTxs caps the transactions in the pool, pending and queued. When it
	// is reached a newcomer must outbid the cheapest transaction, which is
	// evicted. Default 200,000.
	MaxTxs int
	// MaxPerSender caps a sender's transactions by bounding their nonces: a
	// transaction is accepted only if its nonce is below the account nonce
	// + MaxPerSender. Default 4096.
	MaxPerSender int
	// MaxQueued caps a sender's queued transactions (waiting behind a nonce
	// gap) at admission: a sender can make a gap cost the pool at most this
	// many slots. Transactions demoted to queued by Remove or Update are not
	// dropped for it. Default 64.
	MaxQueued int
	// PriceBumpPercent is how much more, in percent, a transaction must pay
	// per unit of gas to replace the one with the same sender and nonce.
	// Default 10.
	PriceBumpPercent int
	// MaxTxSize is the largest encoded transaction accepted, in bytes.
	// Default types.MaxTxSize.
	MaxTxSize int
}

// EnsureDefaults sets every zero field of c to its default.
func (c *Config) EnsureDefaults() {
	if c.MinGasPrice == 0 {
		c.MinGasPrice = DefaultMinGasPrice
	}
	if c.MaxTxs == 0 {
		c.MaxTxs = DefaultMaxTxs
	}
	if c.MaxPerSender == 0 {
		c.MaxPerSender = DefaultMaxPerSender
	}
	if c.MaxQueued == 0 {
		c.MaxQueued = DefaultMaxQueued
	}
	if c.PriceBumpPercent == 0 {
		c.PriceBumpPercent = DefaultPriceBumpPercent
	}
	if c.MaxTxSize == 0 {
		c.MaxTxSize = DefaultMaxTxSize
	}
}

// Validate checks a configuration whose defaults have been applied.
func (c *Config) Validate() error {
	switch {
	case c.MinGasPrice == 0:
		return fmt.Errorf("mempool: MinGasPrice must be at least 1")
	case c.MaxTxs < 1:
		return fmt.Errorf("mempool: MaxTxs is %d, must be at least 1", c.MaxTxs)
	case c.MaxPerSender < 1:
		return fmt.Errorf("mempool: MaxPerSender is %d, must be at least 1", c.MaxPerSender)
	case c.MaxQueued < 1:
		return fmt.Errorf("mempool: MaxQueued is %d, must be at least 1", c.MaxQueued)
	case c.PriceBumpPercent < 1 || c.PriceBumpPercent > maxPriceBumpPercent:
		return fmt.Errorf("mempool: PriceBumpPercent is %d, must be 1-%d", c.PriceBumpPercent, maxPriceBumpPercent)
	case c.MaxTxSize < 1 || c.MaxTxSize > types.MaxTxSize:
		return fmt.Errorf("mempool: MaxTxSize is %d, must be 1-%d", c.MaxTxSize, types.MaxTxSize)
	}
	return nil
}
