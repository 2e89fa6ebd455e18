package vm_test

import (
	"github.com/noded/noded/contracts/examples"
	"github.com/noded/noded/vm"
)

// The Go example contracts for BenchmarkEngines: package examples
// imports vm, so only this external test package may build them.
func init() { vm.BuildExample = examples.Build }
