package rpc

import "github.com/noded/noded/vm"

// vmAPI serves the vm_* methods: what contracts run on.
type vmAPI struct{ *api }

// GasSchedule returns the gas price list in force (vm_gasSchedule).
func (v *vmAPI) GasSchedule() (_ *vm.Schedule, err error) {
	defer v.catch("vm_gasSchedule", &err)
	s := v.b.VMInfo().Schedule
	return &s, nil
}

// Info describes the contract engine and its limits (vm_info).
func (v *vmAPI) Info() (_ *RPCVMInfo, err error) {
	defer v.catch("vm_info", &err)
	info := v.b.VMInfo()
	return NewRPCVMInfo(&info), nil
}
