//go:build cgo

package instrument

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/noded/noded/vm/wasm"
	"github.com/wasmerio/wasmer-go/wasmer"
)

const tinyGoContract = `package main

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

var counter int64

//go:wasmexport bump
func bump() int64 { counter++; return counter }

func main() {}
`

// buildGo builds a Go program as a wasip1 reactor module with the
// toolchain running the test, or skips the test if there is none.
func buildGo(t testing.TB, src string) []byte {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goCmd); err != nil {
			t.Skip("no go command to build a Go contract with")
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

func allowWASI(module, name string, typ wasm.FuncType) error {
	if module == "wasi_snapshot_preview1" {
		return nil
	}
	return os.ErrPermission
}

// TestGoContract: a module built by the Go toolchain parses, validates
// with WASI imports allowed, instruments, compiles under wasmer and runs
// (initialisation, then its exports) within the gas it is given.
func TestGoContract(t *testing.T) {
	code := buildGo(t, tinyGoContract)
	m, err := wasm.Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	if err := wasm.Validate(m, wasm.Limits{}, allowWASI); err != nil {
		t.Fatal(err)
	}
	out, err := Instrument(m, Config{})
	if err != nil {
		t.Fatal(err)
	}
	bin := out.Encode()
	t.Logf("Go module: %d bytes, %d functions; instrumented %d bytes", len(code), len(m.Funcs), len(bin))

	store := wasmer.NewStore(engine)
	defer store.Close()
	mod, err := wasmer.NewModule(store, bin)
	if err != nil {
		t.Fatalf("wasmer refuses the instrumented module: %v", err)
	}
	defer mod.Close()
	wasi, err := wasmer.NewWasiStateBuilder("contract").Finalize()
	if err != nil {
		t.Fatal(err)
	}
	imports, err := wasi.GenerateImportObject(store, mod)
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{}
	newInst := func() {
		t.Helper()
		if in.inst != nil {
			in.inst.Close()
		}
		if in.inst, err = wasmer.NewInstance(mod, imports); err != nil {
			t.Fatal(err)
		}
		for name, g := range map[string]**wasmer.Global{GasUsedExport: &in.used, GasLimitExport: &in.limit, DepthExport: &in.depth} {
			if *g, err = in.inst.Exports.GetGlobal(name); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer func() { in.inst.Close() }()
	newInst()
	if _, err := in.call(t, 1000, "_initialize"); !isTrap(err) {
		t.Fatalf("_initialize with 1000 gas: %v, want out of gas", err)
	}
	if used := in.gasUsed(t); used <= 1000 {
		t.Fatalf("used %d after the out-of-gas trap", used)
	}
	// After a trap a Go instance is unusable: start again.
	newInst()
	if _, err := in.call(t, 10_000_000, "_initialize"); err != nil {
		t.Fatalf("_initialize: %v", err)
	}
	t.Logf("_initialize used %d gas", in.gasUsed(t))
	if got, err := in.call(t, 10_000_000, "add", int32(40), int32(2)); err != nil || got != int32(42) {
		t.Fatalf("add(40, 2) = %v, %v", got, err)
	}
	t.Logf("add used %d gas", in.gasUsed(t))
	for want := int64(1); want <= 3; want++ {
		if got, err := in.call(t, 10_000_000, "bump"); err != nil || got != want {
			t.Fatalf("bump = %v, %v; want %d", got, err, want)
		}
	}
	if d := in.depthNow(t); d != 0 {
		t.Errorf("depth %d after the calls, want 0", d)
	}
}
