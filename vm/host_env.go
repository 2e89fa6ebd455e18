package vm

import (
	"crypto/sha256"

	"github.com/noded/noded/types"
)

// Host functions of ABI v1 about the call's context and accounts:
// addresses, value, block, balances, transfers, hashing. Addresses are
// 20 bytes; amounts are 32 bytes, big-endian.

const amountSize = 32

func writeAddress(c *hostCall, ptr uint64, addr types.Address) (uint64, *ExecError) {
	if err := c.charge(0, c.bytePrice(), types.AddressSize); err != nil {
		return 0, err
	}
	return 0, c.write("address", ptr, addr[:])
}

func hostCaller(c *hostCall, a []uint64) (uint64, *ExecError) {
	return writeAddress(c, a[0], c.f.caller)
}

func hostSelfAddress(c *hostCall, a []uint64) (uint64, *ExecError) {
	return writeAddress(c, a[0], c.f.self)
}

func hostValue(c *hostCall, a []uint64) (uint64, *ExecError) {
	if err := c.charge(0, c.bytePrice(), amountSize); err != nil {
		return 0, err
	}
	b := c.f.value.Bytes32()
	return 0, c.write("amount", a[0], b[:])
}

func hostBlockHeight(c *hostCall, _ []uint64) (uint64, *ExecError) {
	if err := c.charge(0, 0, 0); err != nil {
		return 0, err
	}
	return c.ex.env.BlockHeight, nil
}

func hostBlockTime(c *hostCall, _ []uint64) (uint64, *ExecError) {
	if err := c.charge(0, 0, 0); err != nil {
		return 0, err
	}
	return c.ex.env.BlockTime, nil
}

// readAddress reads a 20-byte address argument.
func readAddress(c *hostCall, ptr uint64) (types.Address, *ExecError) {
	var addr types.Address
	b, err := c.region("address", ptr, types.AddressSize)
	if err == nil {
		copy(addr[:], b)
	}
	return addr, err
}

// readAmount reads a 32-byte big-endian amount argument.
func readAmount(c *hostCall, ptr uint64) (types.Amount, *ExecError) {
	var v types.Amount
	b, err := c.region("amount", ptr, amountSize)
	if err == nil {
		v.SetBytes32(b)
	}
	return v, err
}

func hostBalance(c *hostCall, a []uint64) (uint64, *ExecError) {
	if err := c.charge(c.ex.v.opts.Schedule.Balance, c.bytePrice(), types.AddressSize+amountSize); err != nil {
		return 0, err
	}
	addr, err := readAddress(c, a[0])
	if err != nil {
		return 0, err
	}
	if _, err := c.region("amount", a[1], amountSize); err != nil {
		return 0, err
	}
	bal, herr := c.ex.host.Balance(addr)
	if herr != nil {
		return 0, c.ex.internal("balance", herr)
	}
	b := bal.Bytes32()
	return 0, c.write("amount", a[1], b[:])
}

// hostTransfer moves an amount from the calling contract to an account.
// It returns 0, or 1 if the contract's balance is too low (nothing moves).
func hostTransfer(c *hostCall, a []uint64) (uint64, *ExecError) {
	if err := c.charge(c.ex.v.opts.Schedule.Transfer, c.bytePrice(), types.AddressSize+amountSize); err != nil {
		return 0, err
	}
	to, err := readAddress(c, a[0])
	if err != nil {
		return 0, err
	}
	amount, err := readAmount(c, a[1])
	if err != nil {
		return 0, err
	}
	if herr := c.ex.host.Transfer(c.f.self, to, &amount); herr != nil {
		if isInsufficient(herr) {
			return 1, nil
		}
		return 0, c.ex.internal("transfer", herr)
	}
	return 0, nil
}

func hostSha256(c *hostCall, a []uint64) (uint64, *ExecError) {
	s := &c.ex.v.opts.Schedule
	n, err := c.length("data", a[1])
	if err != nil {
		return 0, err
	}
	if err := c.charge(satAdd(s.Sha256, satMul(c.bytePrice(), 32)), satAdd(s.Sha256PerByte, c.bytePrice()), n); err != nil {
		return 0, err
	}
	data, err := c.region("data", a[0], n)
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256(data)
	return 0, c.write("hash", a[2], sum[:])
}
