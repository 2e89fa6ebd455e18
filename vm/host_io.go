package vm

import (
	"encoding/hex"
	"unicode/utf8"

	"github.com/noded/noded/types"
)

// Host functions of ABI v1 that move bytes in and out of a call: input,
// return data, revert, sub-call results, debug messages, gas.

func hostInputSize(c *hostCall, _ []uint64) (uint64, *ExecError) {
	if err := c.charge(0, 0, 0); err != nil {
		return 0, err
	}
	return uint64(len(c.f.input)), nil
}

func hostInputRead(c *hostCall, a []uint64) (uint64, *ExecError) {
	in := c.f.input
	if err := c.charge(0, c.bytePrice(), uint64(len(in))); err != nil {
		return 0, err
	}
	return 0, c.write("input", a[0], in)
}

// returnBytes reads the data of return_data or revert.
func returnBytes(c *hostCall, ptr, n uint64) ([]byte, *ExecError) {
	n, err := c.length("data", n)
	if err != nil {
		return nil, err
	}
	if err := c.charge(0, c.bytePrice(), n); err != nil {
		return nil, err
	}
	if n > types.MaxReturnDataLen {
		return nil, hostError(c.name, "data of %d bytes exceeds %d", n, types.MaxReturnDataLen)
	}
	return c.read("data", ptr, n)
}

func hostReturnData(c *hostCall, a []uint64) (uint64, *ExecError) {
	data, err := returnBytes(c, a[0], a[1])
	if err != nil {
		return 0, err
	}
	c.f.ret = data
	return 0, nil
}

// hostRevert ends the call as failed; its data is the revert data, and
// also the error's message (as text if it is UTF-8, else as 0x-hex).
func hostRevert(c *hostCall, a []uint64) (uint64, *ExecError) {
	data, err := returnBytes(c, a[0], a[1])
	if err != nil {
		return 0, err
	}
	c.f.ret = data
	return 0, &ExecError{Kind: KindRevert, Message: revertMessage(data)}
}

func revertMessage(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	return "0x" + hex.EncodeToString(data)
}

func hostReturnDataSize(c *hostCall, _ []uint64) (uint64, *ExecError) {
	if err := c.charge(0, 0, 0); err != nil {
		return 0, err
	}
	return uint64(len(c.f.sub)), nil
}

func hostReturnDataRead(c *hostCall, a []uint64) (uint64, *ExecError) {
	sub := c.f.sub
	if err := c.charge(0, c.bytePrice(), uint64(len(sub))); err != nil {
		return 0, err
	}
	return 0, c.write("output", a[0], sub)
}

func hostDebugLog(c *hostCall, a []uint64) (uint64, *ExecError) {
	n, err := c.length("message", a[1])
	if err != nil {
		return 0, err
	}
	if err := c.charge(0, c.bytePrice(), n); err != nil {
		return 0, err
	}
	if n > MaxDebugLogLen {
		return 0, hostError(c.name, "message of %d bytes exceeds %d", n, MaxDebugLogLen)
	}
	msg, err := c.region("message", a[0], n)
	if err != nil {
		return 0, err
	}
	if len(c.ex.logs) < maxLogs {
		c.ex.logs = append(c.ex.logs, c.f.self.String()+": "+string(msg))
	}
	return 0, nil
}

func hostGasLeft(c *hostCall, _ []uint64) (uint64, *ExecError) {
	if err := c.charge(0, 0, 0); err != nil {
		return 0, err
	}
	return c.f.limit - c.f.inst.GasUsed(), nil
}
