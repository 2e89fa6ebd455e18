package sdk

import "unsafe"

// ErrorKind is why a sub-call failed: the numbers of ABI v1, the same as
// the node's failure kinds.
type ErrorKind int

// The failure kinds a sub-call reports.
const (
	KindOutOfGas            ErrorKind = 1
	KindRevert              ErrorKind = 2
	KindTrap                ErrorKind = 3
	KindHostError           ErrorKind = 4
	KindInvalidCode         ErrorKind = 5
	KindNoContract          ErrorKind = 6
	KindNoMethod            ErrorKind = 7
	KindDepth               ErrorKind = 8
	KindInsufficientBalance ErrorKind = 10
)

var kindNames = [...]string{"", "out of gas", "reverted", "trap", "host call failed", "invalid code",
	"no contract", "no such method", "call depth exceeded", "timeout", "insufficient balance", "internal error"}

func (k ErrorKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "failure"
}

// CallError is a failed sub-call. Its state changes and events were
// undone; the caller goes on.
type CallError struct {
	Kind ErrorKind
	Data []byte // the revert data (the revert message), for KindRevert
}

func (e *CallError) Error() string {
	if e.Kind == KindRevert && len(e.Data) > 0 {
		return "sub-call reverted: " + string(e.Data)
	}
	return "sub-call failed: " + e.Kind.String()
}

// Call calls method of another contract (or of this one) with input and
// all the gas left, sending nothing, and returns its return data.
func Call(contract Address, method string, input []byte) ([]byte, error) {
	return CallWith(contract, method, input, Amount{}, 0)
}

// CallWith calls method of contract with input, sending value from this
// contract's balance first, with at most gas (0: all that is left). The
// gas the callee uses is charged to this call. On failure the error is a
// *CallError.
func CallWith(contract Address, method string, input []byte, value Amount, gas uint64) ([]byte, error) {
	g := int64(gas)
	if gas == 0 {
		g = -1 // all
	}
	v := value.Bytes32()
	code := hostCallContract(unsafe.Pointer(&contract[0]), strptr(method), int32(len(method)),
		ptr(input), int32(len(input)), unsafe.Pointer(&v[0]), g)
	var data []byte
	if n := hostReturnDataSize(); n > 0 {
		data = make([]byte, n)
		hostReturnDataRead(ptr(data))
	}
	if code != 0 {
		return nil, &CallError{Kind: ErrorKind(code), Data: data}
	}
	return data, nil
}
