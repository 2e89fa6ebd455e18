package vm

import (
	"fmt"

	"github.com/noded/noded/vm/wasm"
)

// Limits of the VM that are not in the gas schedule. They are consensus
// rules as much as the schedule is.
const (
	// MaxGas is the most gas one call or deploy may be given.
	MaxGas uint64 = 10_000_000
	// DefaultMaxCallDepth is the default Options.MaxCallDepth.
	DefaultMaxCallDepth = 64
	// MaxKeyLen and MaxValueLen bound a storage entry.
	MaxKeyLen   = 256
	MaxValueLen = 64 << 10
	// MaxDebugLogLen bounds one debug_log message.
	MaxDebugLogLen = 1024
	// maxLogs bounds the debug messages kept per execution (node-local).
	maxLogs = 1024
	// maxIdleInstances is how many instances of one module are kept for
	// reuse; more are made when calls nest (re-entrancy) and closed after.
	maxIdleInstances = 2
)

// Options configure a VM. The zero value of each field means its default.
type Options struct {
	// Schedule is the gas price list. Default: DefaultSchedule() (a
	// Schedule with Version 0 is taken as unset).
	Schedule Schedule
	// Limits bound what a module may declare (vm/wasm). Zero fields take
	// the wasm package's defaults.
	Limits wasm.Limits
	// CodeCache stores compiled modules across restarts. Default nil: no
	// disk cache, every code is compiled once per process.
	CodeCache CodeCache
	// MaxCallDepth bounds nested contract calls; the outermost call is
	// depth 1. Default DefaultMaxCallDepth (64).
	MaxCallDepth int
}

// EnsureDefaults fills in the defaults of unset fields.
func (o *Options) EnsureDefaults() {
	if o.Schedule.Version == 0 {
		o.Schedule = DefaultSchedule()
	}
	o.Limits.EnsureDefaults()
	if o.MaxCallDepth == 0 {
		o.MaxCallDepth = DefaultMaxCallDepth
	}
}

// Validate checks the options after EnsureDefaults.
func (o *Options) Validate() error {
	if err := o.Schedule.Validate(); err != nil {
		return err
	}
	if o.MaxCallDepth < 1 || o.MaxCallDepth > 1024 {
		return fmt.Errorf("vm: MaxCallDepth %d out of range [1, 1024]", o.MaxCallDepth)
	}
	return nil
}
