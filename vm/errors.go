package vm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/noded/noded/vm/instrument"
)

// Reserved export names: not callable as methods.
const (
	startExport      = instrument.StartExport // the start function, turned into an export
	initializeExport = "_initialize"          // a WASI reactor's initialisation: Go's runtime and package init
	initExport       = "init"                 // runs once, at deploy
)

// callable reports whether method may be called by a transaction or
// another contract: init runs only at deploy, _initialize before
// anything, and the noded_ prefix belongs to the instrumentation.
func callable(method string) bool {
	return method != initExport && method != initializeExport && !strings.HasPrefix(method, "noded_") && method != ""
}

func noMethod(method string) *ExecError {
	return &ExecError{Kind: KindNoMethod, Message: "no method " + strconv.Quote(method)}
}

func depthMessage(max int) string {
	return "more than " + strconv.Itoa(max) + " nested calls"
}

func timeoutError() *ExecError {
	return &ExecError{Kind: KindTimeout, Message: "execution stopped by the node's time limit"}
}

// invalidCode is the error of code that validation or instrumentation
// rejected; the reason is deterministic (it comes from vm/wasm).
func invalidCode(err error) *ExecError {
	return &ExecError{Kind: KindInvalidCode, Message: err.Error(), cause: err}
}

// trapError is the consensus error of a trap: only its engine-independent
// code.
func trapError(err error) *ExecError {
	var t *Trap
	if errors.As(err, &t) {
		return &ExecError{Kind: KindTrap, Message: t.Code.String()}
	}
	return &ExecError{Kind: KindTrap, Message: TrapUnknown.String()}
}

func isInsufficient(err error) bool { return errors.Is(err, ErrInsufficientBalance) }

// hostError is the error of a misused host call, naming the call.
func hostError(call, format string, args ...any) *ExecError {
	return &ExecError{Kind: KindHostError, Message: "host call " + call + ": " + fmt.Sprintf(format, args...)}
}
