// Package build compiles a contract written in standard Go to the
// WebAssembly module the node deploys, with the go command:
//
//	GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -buildmode=c-shared -trimpath -ldflags="-s -w" -o DIR/NAME.wasm .
//
// run in the contract's folder DIR (its own Go module), NAME being the
// folder's name. `noded contract build` and the contract test harness
// (contracts/harness) both use it.
package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// Options change how Build builds. The zero value is what `noded
// contract build` does.
type Options struct {
	// Out is the file to write. Default: DIR/NAME.wasm, NAME being the
	// base name of DIR.
	Out string
	// Go is the go command. Default: "go" from PATH, else the one of the
	// toolchain that built this program.
	Go string
	// Debug keeps the symbol table and debug information (no -s -w):
	// bigger, and so dearer to deploy, but Go's panics then name the
	// functions.
	Debug bool
	// Env is added to the command's environment (after the build's own
	// GOOS, GOARCH and CGO_ENABLED, which it may not change).
	Env []string
}

// Result is a built contract.
type Result struct {
	Path string     // the .wasm file written
	Code []byte     // its content
	Hash types.Hash // chain.CodeHash(Code): the hash the chain stores the code under
	// DeployGas is what a deploy of Code costs before it runs: the
	// transaction's intrinsic cost and the VM's deploy price. Running
	// _initialize (Go's package initialisation, about 0.7-1.5 M gas) and
	// init comes on top.
	DeployGas uint64
}

// Error is a failed go build.
type Error struct {
	Dir    string
	Output string // the go command's
}

func (e *Error) Error() string { return "go build in " + e.Dir + " failed:\n" + e.Output }

// Args returns the go command's arguments for building into out.
func Args(out string, debug bool) []string {
	args := []string{"build", "-buildmode=c-shared", "-trimpath"}
	if !debug {
		args = append(args, "-ldflags=-s -w")
	}
	return append(args, "-o", out, ".")
}

// Env returns the variables Build sets for the go command.
func Env() []string { return []string{"GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0"} }

// GoCommand returns the go command to run: "go" from PATH, else the one
// in the toolchain that built this program.
func GoCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", errors.New("no go command: install Go 1.24 or later (https://go.dev/dl) and put it in PATH")
}

// Build builds the contract in dir. A failed build's error includes the
// go command's output.
func Build(ctx context.Context, dir string, opts Options) (*Result, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return nil, fmt.Errorf("%s has no go.mod: a contract is a Go module of its own (noded contract new makes one)", dir)
	}
	out := opts.Out
	if out == "" {
		out = filepath.Join(abs, filepath.Base(abs)+".wasm")
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, err
	}
	goCmd := opts.Go
	if goCmd == "" {
		if goCmd, err = GoCommand(); err != nil {
			return nil, err
		}
	}
	cmd := exec.CommandContext(ctx, goCmd, Args(out, opts.Debug)...)
	cmd.Dir = abs
	env := append(os.Environ(), opts.Env...)
	cmd.Env = append(env, Env()...)
	var outBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &outBuf
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(outBuf.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, &Error{Dir: dir, Output: msg}
	}
	code, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	if len(code) > types.MaxCodeSize {
		return nil, fmt.Errorf("%s is %d bytes, over the %d a deploy may carry: import fewer packages (fmt and encoding/json are large)", out, len(code), types.MaxCodeSize)
	}
	s := vm.DefaultSchedule()
	return &Result{
		Path:      out,
		Code:      code,
		Hash:      chain.CodeHash(code),
		DeployGas: chain.IntrinsicGas(&types.Tx{Code: code}) + s.Deploy + s.DeployPerByte*uint64(len(code)),
	}, nil
}
