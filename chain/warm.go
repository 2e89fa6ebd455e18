package chain

import (
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// loader is implemented by a ContractVM that can compile code ahead of
// running it (*vm.VM).
type loader interface {
	Load(h vm.Host, addr types.Address) error
	LoadCode(code []byte) error
	Schedule() vm.Schedule
}

// Warm compiles, or loads from the VM's code cache, the contract code tx
// will run: its code for a deploy, the called contract's for a call. The
// time limit of a transaction (ExecOptions.TxContext) must bound running
// code, not compiling it (seconds for a Go contract): block execution
// warms each transaction before making its context, and a caller that
// makes the context itself, for a query or an estimate, calls Warm first.
// A failure is left for the execution to report.
func (e *Executor) Warm(st StateReader, tx *types.Tx) {
	l, ok := e.vm.(loader)
	if !ok {
		return
	}
	switch tx.Kind {
	case types.TxDeploy:
		// Only a deploy that can pay for its code gets compiled, as the VM
		// would; a gas limit of 0 is an estimate's (no limit yet).
		s := l.Schedule()
		price := IntrinsicGas(tx) + s.Deploy + s.DeployPerByte*uint64(len(tx.Code))
		if tx.GasLimit == 0 || tx.GasLimit >= price {
			_ = l.LoadCode(tx.Code)
		}
	case types.TxCall:
		_ = l.Load(stateHost{NewOverlay(st)}, tx.To)
	}
}
