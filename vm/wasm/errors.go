package wasm

import "fmt"

// The error sentinels. Every error returned by Parse and Validate wraps
// ErrInvalid, and also exactly one of ErrMalformed, ErrUnsupported or
// ErrLimit, so a caller can map them all to "invalid code" with one
// errors.Is(err, ErrInvalid) and still tell why.
var (
	// ErrInvalid is wrapped by every error about a module.
	ErrInvalid error = &sentinel{msg: "invalid wasm module"}
	// ErrMalformed: the bytes are not a well-formed binary module
	// (bad LEB128, truncated section, unknown opcode, misplaced section).
	ErrMalformed error = &sentinel{msg: "malformed wasm", parent: ErrInvalid}
	// ErrUnsupported: a well-formed module uses a feature this VM refuses
	// (SIMD, threads, reference types, exceptions, tail calls, multiple
	// memories, memory64, ...).
	ErrUnsupported error = &sentinel{msg: "unsupported wasm feature", parent: ErrInvalid}
	// ErrLimit: the module exceeds one of the Limits.
	ErrLimit error = &sentinel{msg: "wasm module over limit", parent: ErrInvalid}
)

type sentinel struct {
	msg    string
	parent error
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Unwrap() error { return e.parent }

// errorf wraps kind with a message.
func errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{kind}, args...)...)
}
