package sdk

import (
	"errors"
	"unsafe"
)

// Caller returns who called the method: the transaction's sender, or the
// contract that called this one.
func Caller() Address {
	var a Address
	hostCaller(unsafe.Pointer(&a[0]))
	return a
}

// Self returns this contract's address.
func Self() Address {
	var a Address
	hostSelfAddress(unsafe.Pointer(&a[0]))
	return a
}

// Value returns the amount sent with the call; it is already in this
// contract's balance.
func Value() Amount {
	var b [AmountSize]byte
	hostValue(unsafe.Pointer(&b[0]))
	return AmountFromBytes32(b)
}

// BlockHeight returns the height of the block the call runs in.
func BlockHeight() uint64 { return uint64(hostBlockHeight()) }

// BlockTime returns the block's time in unix milliseconds, from its
// header. time.Now() in a contract returns the same instant.
func BlockTime() uint64 { return uint64(hostBlockTime()) }

// Balance returns the balance of an account or contract.
func Balance(a Address) Amount {
	var b [AmountSize]byte
	hostBalance(unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]))
	return AmountFromBytes32(b)
}

// ErrInsufficientBalance is returned by Transfer when this contract's
// balance is too low; nothing moved.
var ErrInsufficientBalance = errors.New("sdk: the contract's balance is too low")

// Transfer moves amount of the chain's coin from this contract to an
// account or contract.
func Transfer(to Address, amount Amount) error {
	b := amount.Bytes32()
	if hostTransfer(unsafe.Pointer(&to[0]), unsafe.Pointer(&b[0])) != 0 {
		return ErrInsufficientBalance
	}
	return nil
}

// Emit adds an event to the transaction's receipt: this contract's
// address, a topic (at most 64 bytes of UTF-8) and data (at most 64 KiB).
// The events of a failed call are dropped.
func Emit(topic string, data []byte) {
	hostEmitEvent(strptr(topic), int32(len(topic)), ptr(data), int32(len(data)))
}

// EmitJSON emits an event whose data is the object w built.
func EmitJSON(topic string, w *JSONWriter) { Emit(topic, w.Bytes()) }
