package node

import (
	"fmt"

	"github.com/noded/noded/internal/codecache"
	"github.com/noded/noded/vm"
)

// openVM starts the contract engine with its compiled-module cache under
// the home folder.
func (n *Node) openVM() error {
	cache, err := codecache.Open(n.cfg.vmCacheDir())
	if err != nil {
		return fmt.Errorf("contract cache: %w", err)
	}
	engine := vm.NewWasmerEngine()
	v, err := vm.New(engine, vm.Options{CodeCache: cache})
	if err != nil {
		return fmt.Errorf("contract engine: %w", err)
	}
	n.vm, n.vmName = v, engine.Name()
	return nil
}

// vmEngine names the contract engine.
func (n *Node) vmEngine() string {
	if n.vm == nil {
		return "none"
	}
	return n.vmName
}
