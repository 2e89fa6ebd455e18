package sdk

// Storage: the contract's own key/value store, kept in the chain's state.
// Keys are at most 256 bytes, values at most 64 KiB; an empty value is
// no value. Writes cost gas per byte (vm_gasSchedule), reads less.

// Get returns the value under key, and whether there is one.
func Get(key string) ([]byte, bool) {
	var buf [128]byte
	n := hostStorageRead(strptr(key), int32(len(key)), ptr(buf[:]), int32(len(buf)))
	if n < 0 {
		return nil, false
	}
	if int(n) <= len(buf) {
		return append([]byte(nil), buf[:n]...), true
	}
	v := make([]byte, n)
	hostStorageRead(strptr(key), int32(len(key)), ptr(v), n)
	return v, true
}

// Has reports whether key has a value.
func Has(key string) bool { return hostStorageRead(strptr(key), int32(len(key)), nil, 0) >= 0 }

// Set stores value under key; an empty value deletes the entry.
func Set(key string, value []byte) {
	hostStorageWrite(strptr(key), int32(len(key)), ptr(value), int32(len(value)))
}

// Delete removes key's value.
func Delete(key string) { hostStorageDelete(strptr(key), int32(len(key))) }

// Key joins a prefix and parts into a storage key: prefix, then each
// part after a '/'. Parts of a fixed size (addresses, 8-byte integers)
// or not containing '/' keep keys apart.
func Key(prefix string, parts ...[]byte) string {
	n := len(prefix)
	for _, p := range parts {
		n += 1 + len(p)
	}
	b := make([]byte, 0, n)
	b = append(b, prefix...)
	for _, p := range parts {
		b = append(b, '/')
		b = append(b, p...)
	}
	return string(b)
}

// GetUint64 reads an 8-byte little-endian integer; 0 if absent.
func GetUint64(key string) uint64 {
	v, ok := Get(key)
	if !ok || len(v) != 8 {
		return 0
	}
	return le64(v)
}

// SetUint64 stores v as 8 bytes, little-endian.
func SetUint64(key string, v uint64) { Set(key, put64(nil, v)) }

// GetAmount reads a 32-byte big-endian amount; 0 if absent.
func GetAmount(key string) Amount {
	v, ok := Get(key)
	if !ok || len(v) != AmountSize {
		return Amount{}
	}
	return AmountFromBytes32([AmountSize]byte(v))
}

// SetAmount stores a as 32 bytes, big-endian; 0 deletes the entry.
func SetAmount(key string, a Amount) {
	if a.IsZero() {
		Delete(key)
		return
	}
	b := a.Bytes32()
	Set(key, b[:])
}

// GetAddress reads an address, and whether there is one.
func GetAddress(key string) (Address, bool) {
	v, ok := Get(key)
	if !ok || len(v) != AddressSize {
		return Address{}, false
	}
	return Address(v), true
}

// SetAddress stores an address.
func SetAddress(key string, a Address) { Set(key, a[:]) }

// GetString reads a string; "" if absent.
func GetString(key string) string {
	v, _ := Get(key)
	return string(v)
}

// SetString stores s; "" deletes the entry.
func SetString(key, s string) { Set(key, []byte(s)) }
