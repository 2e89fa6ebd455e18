package vm

// Host functions of ABI v1 on the calling contract's storage.

// storageKey reads a key argument, refusing one over MaxKeyLen.
func storageKey(c *hostCall, ptr, n uint64) ([]byte, *ExecError) {
	if n > MaxKeyLen {
		return nil, hostError(c.name, "key of %d bytes exceeds %d", n, MaxKeyLen)
	}
	return c.read("key", ptr, n)
}

func hostStorageRead(c *hostCall, a []uint64) (uint64, *ExecError) {
	s := &c.ex.v.opts.Schedule
	klen, err := c.length("key", a[1])
	if err != nil {
		return 0, err
	}
	vcap, err := c.length("value", a[3])
	if err != nil {
		return 0, err
	}
	if err := c.charge(s.StorageRead, c.bytePrice(), klen); err != nil {
		return 0, err
	}
	key, err := storageKey(c, a[0], klen)
	if err != nil {
		return 0, err
	}
	out, err := c.region("value", a[2], vcap)
	if err != nil {
		return 0, err
	}
	val, herr := c.ex.host.StorageGet(c.f.self, key)
	if herr != nil {
		return 0, c.ex.internal("storage get", herr)
	}
	if val == nil {
		return uint64(0xFFFFFFFF), nil // -1: absent
	}
	n := uint64(min(len(val), len(out)))
	if err := c.chargeMore(s.StorageReadPerByte, uint64(len(val)), c.bytePrice(), n); err != nil {
		return 0, err
	}
	copy(out, val)
	return uint64(len(val)), nil
}

// chargeMore charges a host call's second part (after the work revealed
// its size): perA x a + perB x b, without the base.
func (c *hostCall) chargeMore(perA, a, perB, b uint64) *ExecError {
	cost := satAdd(satMul(perA, a), satMul(perB, b))
	used := c.f.inst.GasUsed()
	if used > c.f.limit || cost > c.f.limit-used {
		return &ExecError{Kind: KindOutOfGas}
	}
	c.f.inst.SetGasUsed(used + cost)
	return nil
}

func hostStorageWrite(c *hostCall, a []uint64) (uint64, *ExecError) {
	s := &c.ex.v.opts.Schedule
	klen, err := c.length("key", a[1])
	if err != nil {
		return 0, err
	}
	vlen, err := c.length("value", a[3])
	if err != nil {
		return 0, err
	}
	if err := c.charge(s.StorageWrite, satAdd(s.StorageWritePerByte, c.bytePrice()), klen+vlen); err != nil {
		return 0, err
	}
	key, err := storageKey(c, a[0], klen)
	if err != nil {
		return 0, err
	}
	if vlen > MaxValueLen {
		return 0, hostError(c.name, "value of %d bytes exceeds %d", vlen, MaxValueLen)
	}
	val, err := c.read("value", a[2], vlen)
	if err != nil {
		return 0, err
	}
	if herr := c.ex.host.StorageSet(c.f.self, key, val); herr != nil {
		return 0, c.ex.internal("storage set", herr)
	}
	return 0, nil
}

func hostStorageDelete(c *hostCall, a []uint64) (uint64, *ExecError) {
	s := &c.ex.v.opts.Schedule
	klen, err := c.length("key", a[1])
	if err != nil {
		return 0, err
	}
	if err := c.charge(s.StorageDelete, c.bytePrice(), klen); err != nil {
		return 0, err
	}
	key, err := storageKey(c, a[0], klen)
	if err != nil {
		return 0, err
	}
	if herr := c.ex.host.StorageSet(c.f.self, key, nil); herr != nil {
		return 0, c.ex.internal("storage set", herr)
	}
	return 0, nil
}
