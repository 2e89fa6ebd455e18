package chain

import (
	"fmt"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Gas costs of transactions outside the VM. They are consensus rules:
// changing one is a hard fork, so they are versioned with the schedule.
const (
	// MaxTxGas is the largest gas limit a transaction may carry (MaxGas).
	MaxTxGas uint64 = 10_000_000
	// TxBaseGas is charged for every transaction.
	TxBaseGas uint64 = 1_000
	// TxByteGas is charged per byte of input and method name.
	TxByteGas uint64 = 4
	// TxCodeByteGas is charged per byte of a deploy's code. It is below
	// TxByteGas so that a contract built by the standard Go toolchain
	// (2-3 MB) can be deployed within MaxTxGas: the VM charges as much
	// again (vm.Schedule.DeployPerByte) plus Go's _initialize (~1 M).
	TxCodeByteGas uint64 = 1
	// DefaultBlockGasLimit allows ~100,000 transfers a block.
	DefaultBlockGasLimit uint64 = 100_000_000
)

// IntrinsicGas is what a transaction costs before any execution.
func IntrinsicGas(tx *types.Tx) uint64 {
	return TxBaseGas + TxCodeByteGas*uint64(len(tx.Code)) + TxByteGas*uint64(len(tx.Input)+len(tx.Method))
}

// Config holds the rules of one chain, fixed at genesis.
type Config struct {
	ChainID       string
	Validators    []crypto.PublicKey // block proposers, in slot order
	BlockGasLimit uint64
	// SlotMillis is the length of a slot in milliseconds; 0 means blocks
	// on demand (dev mode): each block takes the next slot.
	SlotMillis uint64
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.ChainID == "" || len(c.ChainID) > types.MaxChainIDLen {
		return fmt.Errorf("chain id must be 1-%d characters", types.MaxChainIDLen)
	}
	for _, r := range c.ChainID {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("chain id %q: only a-z, 0-9, '-', '_' and '.' are allowed", c.ChainID)
		}
	}
	if len(c.Validators) == 0 {
		return fmt.Errorf("no validators")
	}
	seen := make(map[crypto.PublicKey]bool)
	for _, v := range c.Validators {
		if v.IsWeak() {
			return fmt.Errorf("validator key %s is not a valid signing key", v)
		}
		if seen[v] {
			return fmt.Errorf("validator %s listed twice", v)
		}
		seen[v] = true
	}
	if c.BlockGasLimit < MaxTxGas {
		return fmt.Errorf("block gas limit %d is below the per-transaction maximum %d", c.BlockGasLimit, MaxTxGas)
	}
	return nil
}
