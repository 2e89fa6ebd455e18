package node

import (
	"fmt"

	"github.com/noded/noded/internal/codecache"
	"github.com/noded/noded/vm"
)

// openVM starts the contract engine named by the config with its
// compiled-module cache under the home folder: wasmer's serialized
// modules in cache/vm, wazero's own compilation cache in cache/wazero.
func (n *Node) openVM() error {
	cache, err := codecache.Open(n.cfg.vmCacheDir())
	if err != nil {
		return fmt.Errorf("contract cache: %w", err)
	}
	engine, err := vm.NewEngine(n.cfg.VMEngine, vm.EngineOptions{WazeroCacheDir: n.cfg.wazeroDir()})
	if err != nil {
		return fmt.Errorf("contract engine: %w", err)
	}
	if c, ok := engine.(interface{ CacheError() error }); ok {
		if err := c.CacheError(); err != nil {
			n.cfg.Logger.Warn("contract engine: compiling without its file cache", "engine", engine.Name(), "err", err)
		}
	}
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

// VMEngine names the contract engine and its version, e.g.
// "wazero-1.12.0" (noded status and vm_info say the same).
func (n *Node) VMEngine() string { return n.vmEngine() }
