package vm_test

import (
	"github.com/noded/noded/contracts/examples"
	"github.com/noded/noded/contracts/harness"
	"github.com/noded/noded/vm"
)

// Package examples imports vm, so only this external test package can
// build the Go examples for the conformance vectors. Their compiled
// modules go to the contract tests' cache on disk, if it is on
// (NODED_CODECACHE): compiling a Go contract takes wasmer seconds.
func init() {
	vm.VectorGoExample = examples.Build
	if c := harness.CodeCache(); c != nil {
		vm.VectorCodeCache = c
	}
}
