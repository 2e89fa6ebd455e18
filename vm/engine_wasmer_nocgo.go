//go:build !cgo

package vm

// A build without cgo (CGO_ENABLED=0) has no wasmer: wasmer-go links
// libwasmer through cgo. Such a build runs contracts on wazero.

// DefaultEngine is the engine a node runs when none is named: wasmer in
// a build with cgo, wazero without.
const DefaultEngine = EngineWazero

const wasmerBuilt = false

// NewWasmerEngine returns, in a build without cgo, an engine that
// refuses every use with ErrWasmerNeedsCgo.
func NewWasmerEngine() Engine { return noWasmer{} }

type noWasmer struct{}

func (noWasmer) Name() string                       { return "wasmer-unavailable" }
func (noWasmer) Bind([]HostFunc, HostHandler) error { return ErrWasmerNeedsCgo }
func (noWasmer) Compile([]byte) (Module, error)     { return nil, ErrWasmerNeedsCgo }
func (noWasmer) Load([]byte) (Module, error)        { return nil, ErrWasmerNeedsCgo }
func (noWasmer) Close() error                       { return nil }
