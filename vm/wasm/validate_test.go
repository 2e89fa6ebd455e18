package wasm

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func allowEnv(module, name string, typ FuncType) error {
	if module == "env" {
		return nil
	}
	return errors.New("not in the ABI")
}

// TestLimits: each limit, set just below what a module declares, refuses
// it with ErrLimit and a message naming the count and the limit.
func TestLimits(t *testing.T) {
	locals := func(n int) string {
		return fmt.Sprintf(`(module (func %s))`, strings.Repeat("(local i32)", n))
	}
	cases := []struct {
		name string
		src  string
		lim  Limits
		want string
	}{
		{"module size", `(module (func) (func))`, Limits{MaxModuleSize: 10}, "module of 28 bytes, limit 10"},
		{"types", `(module (type (func)) (type (func (param i32))))`, Limits{MaxTypes: 1}, "2 types, limit 1"},
		{"functions", `(module (import "env" "f" (func)) (func) (func))`, Limits{MaxFunctions: 2}, "3 functions, limit 2"},
		{"params", `(module (type (func (param i32 i32 i32))))`, Limits{MaxParams: 2}, "type 0 has 3 params, limit 2"},
		{"results", `(module (type (func (result i32 i32))))`, Limits{MaxResults: 1}, "type 0 has 2 results, limit 1"},
		{"locals", locals(5), Limits{MaxLocals: 4}, "function 0 declares 5 locals, limit 4"},
		{"locals default", locals(4097), Limits{}, "function 0 declares 4097 locals, limit 4096"},
		{"body size", `(module (func nop nop nop nop))`, Limits{MaxBodySize: 4}, "function 0 has a body of 5 bytes, limit 4"},
		{"globals", `(module (global i32 (i32.const 0)) (global i32 (i32.const 0)))`, Limits{MaxGlobals: 1}, "2 globals, limit 1"},
		{"exports", `(module (func (export "a")) (func (export "b")))`, Limits{MaxExports: 1}, "2 exports, limit 1"},
		{"imports", `(module (import "env" "a" (func)) (import "env" "b" (func)))`, Limits{MaxImports: 1}, "2 imports, limit 1"},
		{"table size", `(module (table 11 funcref))`, Limits{MaxTableSize: 10}, "table 0: initial size 11 elements, limit 10"},
		{"table max", `(module (table 1 11 funcref))`, Limits{MaxTableSize: 10}, "table 0: maximum 11 elements, limit 10"},
		{"element segments", `(module (table 2 funcref) (func) (elem (i32.const 0) 0) (elem (i32.const 1) 0))`, Limits{MaxElementSegments: 1}, "2 element segments, limit 1"},
		{"element length", `(module (table 2 funcref) (func) (elem (i32.const 0) 0 0 0))`, Limits{MaxTableSize: 2}, "element segment 0 has 3 entries, limit 2"},
		{"data segments", `(module (memory (export "memory") 1) (data (i32.const 0) "a") (data (i32.const 1) "b"))`, Limits{MaxDataSegments: 1}, "2 data segments, limit 1"},
		{"data bytes", `(module (memory (export "memory") 1) (data (i32.const 0) "abc") (data (i32.const 1) "de"))`, Limits{MaxDataBytes: 4}, "5 bytes of data segments, limit 4"},
		{"memory pages", `(module (memory (export "memory") 257))`, Limits{}, "memory 0: initial size 257 pages, limit 256"},
		{"memory max", `(module (memory (export "memory") 1 300))`, Limits{}, "memory 0: maximum 300 pages, limit 256"},
		{"nesting", `(module (func (block (block (block)))))`, Limits{MaxNesting: 2}, "function 0 nests blocks 3 deep, limit 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(wat(t, c.src))
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(m, c.lim, allowEnv)
			if !errors.Is(err, ErrLimit) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrLimit", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			// One more of the limit and the module passes.
			if err := Validate(m, Limits{}, allowEnv); err != nil && c.name != "locals default" &&
				!strings.HasPrefix(c.name, "memory") {
				t.Errorf("with default limits: %v", err)
			}
		})
	}
}

// TestLocalsBomb: the classic compile bomb, 2^32-1 locals declared in a
// few bytes, is refused without allocating them.
func TestLocalsBomb(t *testing.T) {
	code := module(typeSec, sec(secFunction, 1, 0),
		sec(secCode, 1, 8, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7e, 0x0b))
	m, err := Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	err = Validate(m, Limits{}, nil)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "declares 4294967295 locals, limit 4096") {
		t.Fatalf("Validate = %v", err)
	}
}

func TestValidateRules(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want string
	}{
		{"import not allowed", `(module (import "wasi" "exit" (func)))`, "import wasi.exit [] -> []: not in the ABI"},
		{"memory import", `(module (import "env" "m" (memory 1)))`, "only functions may be imported, not a memory"},
		{"global import", `(module (import "env" "g" (global i32)))`, "not a global"},
		{"memory not exported", `(module (memory 1))`, `the memory is not exported as "memory"`},
		{"memory exported otherwise", `(module (memory (export "mem") 1))`, `not exported as "memory"`},
		{"memory name on a function", `(module (memory 1) (func (export "memory")))`, `export "memory" is a function`},
		{"duplicate export", `(module (func (export "a")) (func (export "a")))`, `export name "a" used twice`},
		{"start type", `(module (func $s (param i32)) (start $s))`, "start function 0 has type [i32] -> [], want [] -> []"},
		{"immutable global.set", `(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))`, "global 0 is immutable"},
		{"alignment", `(module (memory (export "memory") 1) (func (drop (i32.load align=8 (i32.const 0)))))`, "alignment 2^3 larger than natural 2^2"},
		{"load without memory", `(module (func (drop (i32.load (i32.const 0)))))`, "no memory"},
		{"memory.grow without memory", `(module (func (drop (memory.grow (i32.const 0)))))`, "no memory"},
		{"call_indirect without table", `(module (type $t (func)) (func (call_indirect (type $t) (i32.const 0))))`, "no table"},
		{"global type", `(module (global i32 (i64.const 0)))`, "initializer of type i64, want i32"},
		{"data without memory", `(module (data (i32.const 0) "x"))`, "data segment 0: no memory"},
		{"elem function range", `(module (table 1 funcref) (elem (i32.const 0) 0))`, "function 0 out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(wat(t, c.src))
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(m, Limits{}, allowEnv)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
	// Index errors WAT would not compile, built by hand.
	bad := []struct {
		name string
		code []byte
		want string
	}{
		{"call out of range", funcModule(0x10, 5), "function 5 out of range"},
		{"local out of range", funcModule(0x20, 0, 0x1a), "local 0 out of range"},
		{"global out of range", funcModule(0x23, 3, 0x1a), "global 3 out of range"},
		{"label out of range", funcModule(0x0c, 1), "label 1 out of range"},
		{"br_table label out of range", funcModule(0x41, 0, 0x0e, 1, 0, 2), "label 2 out of range"},
		{"block type out of range", funcModule(0x02, 9, 0x0b), "block type 9 out of range"},
		{"data.drop without data count", funcModule(0xfc, 9, 0), "needs a data count section"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(c.code)
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(m, Limits{}, nil)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate = %v, want %q", err, c.want)
			}
		})
	}
	// And a module that keeps every rule passes.
	m, err := Parse(wat(t, roundTripWAT["all sections"]))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(m, Limits{}, allowEnv); err != nil {
		t.Fatal(err)
	}
}

// TestGoModule: a module built by the Go toolchain parses, validates with
// WASI imports allowed, and re-encodes to the same module.
func TestGoModule(t *testing.T) {
	code := buildGo(t, `package main

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

func main() {}
`)
	m, err := Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	wasi := func(module, name string, typ FuncType) error {
		if module != "wasi_snapshot_preview1" {
			return errors.New("not WASI")
		}
		return nil
	}
	if err := Validate(m, Limits{}, wasi); err != nil {
		t.Fatal(err)
	}
	if err := Validate(m, Limits{}, allowEnv); err == nil {
		t.Error("WASI imports passed a callback that refuses them")
	}
	m2, err := Parse(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Code) != len(m.Code) || len(m2.Data) != len(m.Data) {
		t.Error("re-encoded module differs")
	}
}

// buildGo builds a Go program as a wasip1 reactor module, or skips the
// test if there is no go command.
func buildGo(t testing.TB, src string) []byte {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goCmd); err != nil {
			t.Skip("no go command to build a Go module with")
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module contract\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "contract.wasm")
	cmd := exec.Command(goCmd, "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	code, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return code
}
