package main

// noded contract new: a contract project in standard Go, ready to build
// and test.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/noded/noded/contracts/build"
)

// nodedModule is the node's module path; the SDK is a module of its own.
const (
	nodedModule = "github.com/noded/noded"
	sdkModule   = nodedModule + "/contracts/sdk"
)

func newContractNewCmd() *cobra.Command {
	var (
		module, nodedDir, sdkDir string
		noTidy, force            bool
	)
	cmd := &cobra.Command{
		Use:   "new DIR",
		Short: "Write a new contract project in Go: a counter, its test, go.mod",
		Long: `Write a contract project in standard Go into DIR (created if needed; it must
be empty): go.mod, NAME.go (a counter contract: increment, get, and a reset
only its owner may do), NAME_test.go (which builds the contract and runs it
in the node's engine against an in-memory chain), README.md and .gitignore.
NAME is DIR's base name.

go.mod requires the SDK (` + sdkModule + `), on which the contract
depends, and the node's module (` + nodedModule + `), whose test harness
the test uses. Until they are published, both are found through replace
directives: the SDK in SDK-DIR and the node in NODED-DIR, by default the
noded checkout this binary was built from, or one that contains DIR or the
current folder. Then "go mod tidy -e" fills in go.sum (offline if the
module cache has what it needs).

Then:
  cd DIR && go test ./...        build the contract and test it (on wasmer with a C compiler, else wazero)
  noded contract build DIR       write DIR/NAME.wasm
  noded contract deploy DIR/NAME.wasm --from dev0`,
		Example: `  noded contract new mycounter
  noded contract new ~/src/token --module example.com/token
  noded contract new ./c --noded ~/src/noded`,
		Args: exactArgs(1, "DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := newProject(args[0], module, nodedDir, sdkDir, force)
			if err != nil {
				return err
			}
			if err := p.write(); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "created %s (module %s):\n", p.dir, p.Module)
			for _, f := range p.files() {
				fmt.Fprintf(w, "  %s\n", filepath.Join(p.dir, f.name))
			}
			fmt.Fprintf(w, "SDK:  %s\nnode: %s\n", p.SDKDir, p.NodedDir)
			if !noTidy {
				ctx, stop := commandContext(cmd)
				defer stop()
				if err := p.tidy(ctx); err != nil {
					fmt.Fprintf(w, "note: %v\nrun \"go mod tidy\" in %s before testing\n", err, p.dir)
				} else {
					fmt.Fprintf(w, "go.sum written (go mod tidy)\n")
				}
			}
			fmt.Fprintf(w, "\nnext:\n  cd %s && go test ./...\n  noded contract build %s\n  noded contract deploy %s --from dev0\n",
				p.dir, p.dir, filepath.Join(p.dir, p.Name+".wasm"))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&module, "module", "", "the project's module path (default: DIR's base name)")
	fl.StringVar(&nodedDir, "noded", "", "folder of a noded checkout, for the replace directives (default: found)")
	fl.StringVar(&sdkDir, "sdk", "", "folder of the SDK (default: NODED-DIR/contracts/sdk)")
	fl.BoolVar(&noTidy, "no-tidy", false, "do not run go mod tidy")
	fl.BoolVar(&force, "force", false, "write into a folder that is not empty (existing files are replaced)")
	return cmd
}

// project is what `contract new` writes, and the data of its templates.
type project struct {
	dir       string
	Name      string // base name: the .go and .wasm files' names
	Module    string
	GoVersion string
	NodedDir  string // absolute
	SDKDir    string // absolute
	NodedRepl string // as written in go.mod: relative to dir when possible
	SDKRepl   string
}

var identRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]*$`)

func newProject(dir, module, nodedDir, sdkDir string, force bool) (*project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(abs)
	if !identRE.MatchString(name) {
		return nil, fmt.Errorf("%s: the folder's name becomes the contract's file name; use letters, digits, '-' and '_', starting with a letter", dir)
	}
	if entries, err := os.ReadDir(abs); err == nil && len(entries) > 0 && !force {
		return nil, fmt.Errorf("%s is not empty (--force writes into it anyway)", dir)
	}
	if module == "" {
		module = name
	}
	p := &project{dir: dir, Name: name, Module: module, GoVersion: "1.26"}
	if nodedDir == "" {
		nodedDir = findCheckout(abs)
	}
	if nodedDir == "" {
		return nil, errors.New("no noded checkout found for the replace directives: give one with --noded DIR (the SDK and the harness are not published modules yet)")
	}
	if p.NodedDir, err = checkoutDir(nodedDir); err != nil {
		return nil, err
	}
	if sdkDir == "" {
		sdkDir = filepath.Join(p.NodedDir, "contracts", "sdk")
	}
	if p.SDKDir, err = moduleDir(sdkDir, sdkModule); err != nil {
		return nil, fmt.Errorf("--sdk: %w", err)
	}
	if v := goDirective(filepath.Join(p.NodedDir, "go.mod")); v != "" {
		p.GoVersion = v
	}
	p.NodedRepl, p.SDKRepl = replacePath(abs, p.NodedDir), replacePath(abs, p.SDKDir)
	return p, nil
}

// findCheckout looks for a noded checkout: one containing dir or the
// current folder, else the source tree this binary was built from.
func findCheckout(dir string) string {
	starts := []string{dir}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, d := range starts {
		for ; ; d = filepath.Dir(d) {
			if _, err := moduleDir(d, nodedModule); err == nil {
				return d
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return ""
}

func checkoutDir(dir string) (string, error) {
	d, err := moduleDir(dir, nodedModule)
	if err != nil {
		return "", fmt.Errorf("--noded: %w", err)
	}
	if _, err := moduleDir(filepath.Join(d, "contracts", "sdk"), sdkModule); err != nil {
		return "", fmt.Errorf("--noded: %s has no contracts/sdk: a noded checkout from before the Go SDK", d)
	}
	return d, nil
}

// moduleDir returns dir, absolute, if its go.mod declares module path.
func moduleDir(dir, path string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("%s has no go.mod", dir)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == path {
			return abs, nil
		}
	}
	return "", fmt.Errorf("%s is not the module %s", dir, path)
}

// goDirective returns the go version a go.mod asks for.
func goDirective(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "go" {
			return f[1]
		}
	}
	return ""
}

// replacePath is target as a replace directive in dir's go.mod:
// relative if the project is in the same tree (inside the checkout),
// else absolute.
func replacePath(dir, target string) string {
	root := target
	if filepath.Base(target) == "sdk" {
		root = filepath.Dir(filepath.Dir(target)) // the checkout of contracts/sdk
	}
	rel, err := filepath.Rel(dir, target)
	if err != nil || !strings.HasPrefix(dir, root+string(filepath.Separator)) {
		return filepath.ToSlash(target)
	}
	if !strings.HasPrefix(rel, ".") {
		rel = "./" + rel
	}
	return filepath.ToSlash(rel)
}

type projectFile struct {
	name string
	tmpl string
}

func (p *project) files() []projectFile {
	return []projectFile{
		{"go.mod", goModTemplate},
		{p.Name + ".go", contractTemplate},
		{p.Name + "_test.go", testTemplate},
		{"README.md", readmeTemplate},
		{".gitignore", "/{{.Name}}.wasm\n"},
	}
}

func (p *project) write() error {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	for _, f := range p.files() {
		t, err := template.New(f.name).Parse(f.tmpl)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, p); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(p.dir, f.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// tidy runs go mod tidy -e in the project (-e: a test-only dependency of
// a dependency that is not in the module cache is no reason to fail
// offline).
func (p *project) tidy(ctx context.Context) error {
	goCmd, err := build.GoCommand()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "mod", "tidy", "-e")
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go mod tidy: %v: %s", err, strings.TrimSpace(out.String()))
	}
	if _, err := os.Stat(filepath.Join(p.dir, "go.sum")); err != nil {
		return errors.New("go mod tidy wrote no go.sum")
	}
	return nil
}

const goModTemplate = `module {{.Module}}

go {{.GoVersion}}

require (
	github.com/noded/noded v0.0.0
	github.com/noded/noded/contracts/sdk v0.0.0
)

// The SDK and the node's module (for the test harness) from a checkout.
replace (
	github.com/noded/noded => {{.NodedRepl}}
	github.com/noded/noded/contracts/sdk => {{.SDKRepl}}
)
`

const contractTemplate = `//go:build wasip1

// Command {{.Name}} is a noded contract in standard Go: a counter that
// anyone may increment and only its owner, who deployed it, may reset.
//
// Build it with "noded contract build ." (GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared), test it with "go test ./...". Each method is an
// exported function marked //go:wasmexport; it reads its input and writes
// its output with the SDK (github.com/noded/noded/contracts/sdk).
package main

import "github.com/noded/noded/contracts/sdk"

// init runs once, at deploy: {"start": N} sets the count (optional).
//
//go:wasmexport init
func initialize() {
	defer sdk.Recover() // a panic reverts the call with its message
	in := sdk.InputJSON()
	if in.Has("start") {
		sdk.SetUint64("count", in.Uint64("start"))
	}
	sdk.SetAddress("owner", sdk.Caller())
}

// increment adds 1 and returns {"count": N}.
//
//go:wasmexport increment
func increment() {
	defer sdk.Recover()
	n := sdk.GetUint64("count") + 1
	sdk.SetUint64("count", n)
	sdk.EmitJSON("incremented", sdk.NewJSON().Uint64("count", n).Address("by", sdk.Caller()))
	sdk.ReturnJSON(sdk.NewJSON().Uint64("count", n))
}

// get returns {"count": N}.
//
//go:wasmexport get
func get() {
	defer sdk.Recover()
	sdk.ReturnJSON(sdk.NewJSON().Uint64("count", sdk.GetUint64("count")))
}

// reset sets the count to 0; only the owner may.
//
//go:wasmexport reset
func reset() {
	defer sdk.Recover()
	owner, _ := sdk.GetAddress("owner")
	sdk.Require(sdk.Caller() == owner, "only the owner may reset")
	sdk.Delete("count")
}

func main() {}
`

const testTemplate = `//go:build !wasip1

package main

import (
	"testing"

	"github.com/noded/noded/contracts/harness"
)

// TestCounter builds the contract and runs it in the node's engine, on an
// in-memory chain with funded accounts (alice, bob, ...).
func TestCounter(t *testing.T) {
	code := harness.Build(t, ".")
	c := harness.New(t)
	d := c.Deploy("alice", code, []byte(` + "`" + `{"start": 41}` + "`" + `))
	counter := d.Contract()
	t.Logf("{{.Name}}: %d bytes, deployed for %d gas", len(code), d.GasUsed)

	r := c.Call("bob", counter, "increment", nil)
	if r.Text() != ` + "`" + `{"count":42}` + "`" + ` {
		t.Fatalf("increment returned %s", r.ReturnData)
	}
	if _, ok := r.Event("incremented"); !ok {
		t.Fatal("no incremented event")
	}
	if r := c.TryCall("bob", counter, "reset", nil); r.Error != "reverted: only the owner may reset" {
		t.Fatalf("reset by bob: %q", r.Error)
	}
	c.Call("alice", counter, "reset", nil)
	if q := c.Query(counter, "get", nil); q.Text() != ` + "`" + `{"count":0}` + "`" + ` {
		t.Fatalf("get after reset: %s", q.ReturnData)
	}
}
`

const readmeTemplate = "# {{.Name}}\n\n" +
	"A noded contract in standard Go (module `{{.Module}}`), written by `noded contract new`.\n\n" +
	"```sh\n" +
	"go test ./...                      # builds {{.Name}}.wasm and runs it in the node's engine\n" +
	"noded contract build .             # writes {{.Name}}.wasm, prints its size and code hash\n" +
	"noded dev                          # in another terminal: a dev chain\n" +
	"noded contract deploy {{.Name}}.wasm --from dev0 --init-json '{\"start\": 41}'\n" +
	"noded contract call 0x... increment --from dev1\n" +
	"noded contract query 0x... get\n" +
	"```\n\n" +
	"`{{.Name}}.go` holds the contract (built for `GOOS=wasip1` only), `{{.Name}}_test.go` its test\n" +
	"(built for the host, using `github.com/noded/noded/contracts/harness`). The SDK's\n" +
	"documentation: `go doc github.com/noded/noded/contracts/sdk`.\n"
