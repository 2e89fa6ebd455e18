package vm

import (
	"fmt"
	"strings"
)

// The engines a node can run contracts on, chosen by name (the node's
// --vm-engine flag and config.json's vm_engine). Both run the same
// instrumented modules and must agree exactly on gas, results and
// failures: conformance_test.go, vectors_test.go and FuzzEngines check
// that they do.
const (
	// EngineWasmer is wasmer-go v1.0.4 (Cranelift), linked through cgo.
	EngineWasmer = "wasmer"
	// EngineWazero is wazero v1.12.0, pure Go (its compiler on amd64 and
	// arm64, its interpreter elsewhere).
	EngineWazero = "wazero"
)

// EngineNames lists the engines NewEngine knows, the default first.
func EngineNames() []string {
	if DefaultEngine == EngineWazero {
		return []string{EngineWazero, EngineWasmer}
	}
	return []string{EngineWasmer, EngineWazero}
}

// EngineOptions configure NewEngine. The zero value is valid.
type EngineOptions struct {
	// WazeroCacheDir is a folder where the wazero engine keeps compiled
	// code across restarts (wazero's own compilation cache, which checks
	// a checksum when it loads an entry). The caller picks and protects
	// the folder; the VM never opens it itself. Default "": compiled code
	// is kept in memory only, for the process's life. The wasmer engine
	// ignores it: its compiled modules go to Options.CodeCache.
	WazeroCacheDir string
}

// CheckEngine reports whether NewEngine can make the engine called name
// in this build.
func CheckEngine(name string) error {
	switch strings.ToLower(name) {
	case "", EngineWazero:
		return nil
	case EngineWasmer:
		if !wasmerBuilt {
			return ErrWasmerNeedsCgo
		}
		return nil
	}
	return fmt.Errorf("vm: unknown engine %q (want %s)", name, strings.Join(EngineNames(), " or "))
}

// NewEngine returns the engine called name ("" is DefaultEngine). A
// build without cgo has no wasmer: asking for it returns
// ErrWasmerNeedsCgo.
func NewEngine(name string, opts EngineOptions) (Engine, error) {
	if err := CheckEngine(name); err != nil {
		return nil, err
	}
	switch strings.ToLower(name) {
	case "":
		return NewEngine(DefaultEngine, opts)
	case EngineWasmer:
		return NewWasmerEngine(), nil
	}
	return NewWazeroEngine(WazeroOptions{CacheDir: opts.WazeroCacheDir}), nil
}
