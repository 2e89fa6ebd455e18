package vm

import (
	"unicode/utf8"

	"github.com/noded/noded/types"
)

// hostCallContract calls a method of another contract (or of the caller
// itself: re-entrancy runs a second instance). It forwards at most the
// gas asked for, read as unsigned (-1 forwards all that is left), and
// charges the callee's gas to the caller. It returns 0 on success, else
// the callee's ErrorKind; the callee's return or revert data is then
// readable with return_data_size and return_data_read. A failed callee's
// state changes are undone; the caller goes on. A timeout or an internal
// error ends the whole execution.
func hostCallContract(c *hostCall, a []uint64) (uint64, *ExecError) {
	s := &c.ex.v.opts.Schedule
	mlen, err := c.length("method", a[2])
	if err != nil {
		return 0, err
	}
	ilen, err := c.length("input", a[4])
	if err != nil {
		return 0, err
	}
	if err := c.charge(s.CallContract, c.bytePrice(), types.AddressSize+mlen+ilen+amountSize); err != nil {
		return 0, err
	}
	switch {
	case mlen > types.MaxMethodLen:
		return 0, hostError(c.name, "method of %d bytes exceeds %d", mlen, types.MaxMethodLen)
	case ilen > types.MaxInputSize:
		return 0, hostError(c.name, "input of %d bytes exceeds %d", ilen, types.MaxInputSize)
	}
	to, err := readAddress(c, a[0])
	if err != nil {
		return 0, err
	}
	method, err := c.region("method", a[1], mlen)
	if err != nil {
		return 0, err
	}
	if !utf8.Valid(method) {
		return 0, hostError(c.name, "method is not valid UTF-8")
	}
	input, err := c.read("input", a[3], ilen)
	if err != nil {
		return 0, err
	}
	value, err := readAmount(c, a[5])
	if err != nil {
		return 0, err
	}
	used := c.f.inst.GasUsed()
	gas := min(a[6], c.f.limit-used)

	out := c.ex.call(c.f.self, to, string(method), input, &value, gas)
	if c.ex.fatal != nil {
		return 0, c.ex.fatal
	}
	c.f.inst.SetGasUsed(used + out.gas)
	c.f.sub = out.ret
	if out.err != nil {
		if out.err.Kind != KindRevert {
			c.f.sub = nil
		}
		return uint64(out.err.Kind), nil
	}
	return 0, nil
}
