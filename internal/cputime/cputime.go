//go:build unix

// Package cputime reads the CPU time of the process, which benchmarks and
// the load generator report beside rates: unlike a rate it does not depend
// on what else runs on the machine.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the CPU time (user and system) this process has used.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
