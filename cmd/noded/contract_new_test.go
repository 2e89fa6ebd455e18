package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/contracts/build"
	"github.com/noded/noded/contracts/harness"
	"github.com/noded/noded/types"
)

// builtJSON is contract build --json.
type builtJSON struct {
	Path      string     `json:"path"`
	Size      int        `json:"size"`
	CodeHash  types.Hash `json:"codeHash"`
	DeployGas uint64     `json:"deployGas"`
}

func buildJSON(t *testing.T, args ...string) builtJSON {
	t.Helper()
	out := mustRun(t, append([]string{"contract", "build", "--json"}, args...)...)
	var b builtJSON
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return b
}

// contract new writes a project that builds, deploys, runs and passes
// its own test; contract build reports the chain's code hash.
func TestContractNewAndBuild(t *testing.T) {
	if _, err := build.GoCommand(); err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(t.TempDir(), "mycounter")
	out := mustRun(t, "contract", "new", dir)
	for _, want := range []string{"created " + dir, "go.sum written", "noded contract build " + dir} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"go.mod", "go.sum", "mycounter.go", "mycounter_test.go", "README.md", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	checkout, _ := filepath.Abs("../..")
	for _, want := range []string{"module mycounter", "github.com/noded/noded => " + filepath.ToSlash(checkout),
		"github.com/noded/noded/contracts/sdk => " + filepath.ToSlash(filepath.Join(checkout, "contracts", "sdk"))} {
		if !strings.Contains(string(gomod), want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}

	b := buildJSON(t, dir)
	code, err := os.ReadFile(filepath.Join(dir, "mycounter.wasm"))
	if err != nil || b.Path != filepath.Join(dir, "mycounter.wasm") || b.Size != len(code) || b.CodeHash != chain.CodeHash(code) {
		t.Fatalf("build: %+v (%d bytes read, %v)", b, len(code), err)
	}
	if want := chain.IntrinsicGas(&types.Tx{Code: code}); b.DeployGas <= want || b.DeployGas > chain.MaxTxGas/2 {
		t.Errorf("deploy gas %d", b.DeployGas)
	}
	text := mustRun(t, "contract", "build", dir)
	for _, want := range []string{"size:", "code hash:", b.CodeHash.String(), "deploy gas:"} {
		if !strings.Contains(text, want) {
			t.Errorf("build output lacks %q:\n%s", want, text)
		}
	}

	// What it built works as the template says.
	c := harness.New(t)
	counter := c.Deploy("alice", code, []byte(`{"start": 1}`)).Contract()
	if r := c.Call("bob", counter, "increment", nil); r.Text() != `{"count":2}` {
		t.Fatalf("increment: %s", r.ReturnData)
	}
	if r := c.TryCall("bob", counter, "reset", nil); r.Error != "reverted: only the owner may reset" {
		t.Fatalf("reset: %s", r.Error)
	}

	// And its own test passes.
	if testing.Short() {
		return
	}
	goCmd, _ := build.GoCommand()
	cmd := exec.Command(goCmd, "test", "-count=1", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test in the new project: %v\n%s", err, out)
	}
}

func TestContractNewRefusals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "full")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "x"), nil, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{dir}, "is not empty"},
		{[]string{filepath.Join(t.TempDir(), "9lives")}, "use letters"},
		{[]string{filepath.Join(t.TempDir(), "c"), "--noded", t.TempDir()}, "has no go.mod"},
		{[]string{filepath.Join(t.TempDir(), "c"), "--sdk", "../../contracts/harness"}, "--sdk"},
	} {
		if msg := mustFail(t, append([]string{"contract", "new"}, tc.args...)...); !strings.Contains(msg, tc.want) {
			t.Errorf("new %v: %q, want it to mention %q", tc.args, msg, tc.want)
		}
	}
}

func TestContractBuildExamplesAndErrors(t *testing.T) {
	if _, err := build.GoCommand(); err != nil {
		t.Skip(err)
	}
	out := filepath.Join(t.TempDir(), "token.wasm")
	b := buildJSON(t, "../../contracts/examples/token", "--out", out)
	code, _ := os.ReadFile(out)
	if b.Path != out || b.CodeHash != chain.CodeHash(code) || len(code) == 0 {
		t.Fatalf("build of the token example: %+v", b)
	}

	if msg := mustFail(t, "contract", "build", t.TempDir()); !strings.Contains(msg, "has no go.mod") {
		t.Errorf("build without go.mod: %s", msg)
	}
	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "go.mod"), []byte("module broken\n\ngo 1.24\n"), 0o644)
	os.WriteFile(filepath.Join(broken, "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"), 0o644)
	if msg := mustFail(t, "contract", "build", broken); !strings.Contains(msg, "go build in") {
		t.Errorf("build of broken code: %s", msg)
	}
}
