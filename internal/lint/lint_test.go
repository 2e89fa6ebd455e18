// Package lint holds tests that check the architecture of the whole
// module, as pebble's internal/lint does. Its one rule so far is the
// dependency rule of docs/DESIGN section 1: types, crypto, vm, chain and
// mempool are deterministic and do no I/O. They never import the network,
// the file system, storage or the node's I/O packages, never read the wall
// clock or global randomness, and do not log: time, randomness and
// anything to report come in and go out through their APIs.
//
// What the tests check, in the non-test files of those packages and their
// subpackages:
//
//   - direct imports (TestDeterministicImports): the packages in
//     forbiddenImports. "time" itself is allowed (time.Duration and
//     time.Time are plain values), and so is "io" (readers and writers
//     passed in by the caller);
//   - uses (same test): the package members in forbiddenMembers, such as
//     time.Now, global math/rand functions and fmt.Println, wherever they
//     appear (a call or a method value like f := time.Now), plus the
//     print and println built-ins;
//   - the dependency closure, standard library excluded
//     (TestDeterministicDeps): no pebble, libp2p or the module's own I/O
//     packages, even through a third package.
//
// Files are parsed for every platform (build constraints are not applied),
// except files constrained with the "ignore" tag (generators run by hand).
// The checker works on syntax only: an identifier is taken to name the
// package it was imported as, so a local variable that shadows an import
// name and has a method of a forbidden name is reported too; rename it.
package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const module = "github.com/noded/noded"

// deterministicDirs are the deterministic packages, relative to the module
// root; their subpackages are included. Missing ones are skipped (vm may
// not exist yet).
var deterministicDirs = []string{"types", "crypto", "chain", "mempool", "vm"}

// exempt lists subpackages of the deterministic packages that may break
// the rules, with the reason. Keep it empty if you can: a test helper
// package that needs the file system belongs elsewhere (internal/...).
var exempt = map[string]string{}

// rule is a forbidden import path, matching the path itself and, with
// subtree set, every path below it.
type rule struct {
	path    string
	subtree bool
	why     string
}

func (r rule) matches(p string) bool {
	return p == r.path || r.subtree && strings.HasPrefix(p, r.path+"/")
}

const (
	whyIO     = "I/O: the deterministic core does no I/O"
	whyRand   = "global or OS randomness: take an io.Reader from the caller"
	whyLog    = "logging is I/O: return errors or events and let node log them"
	whyClock  = "reads the wall clock: take the time as an input"
	whyTimer  = "waits on real time: the caller drives time"
	whyStdout = "writes to standard output: return the data instead"
)

// forbiddenImports may not be imported by a non-test file of a
// deterministic package.
var forbiddenImports = []rule{
	{"os", true, whyIO}, // os/exec, os/signal, os/user too
	{"net", true, whyIO},
	{"io/ioutil", false, whyIO},
	{"syscall", false, whyIO},
	{"golang.org/x/sys", true, whyIO},
	{"plugin", false, whyIO},
	{"math/rand", true, whyRand}, // math/rand/v2 too
	{"crypto/rand", false, whyRand},
	{"log", true, whyLog}, // log/slog, log/syslog too
	{"github.com/cockroachdb/pebble", true, "storage: only store imports pebble"},
	{"github.com/libp2p", true, "networking: only p2p imports libp2p"},
	{module + "/store", true, "storage: the core returns what to persist"},
	{module + "/p2p", true, "networking: the core returns what to send"},
	{module + "/rpc", true, whyIO},
	{module + "/node", true, "node wires the core, not the other way round"},
	{module + "/client", true, whyIO},
	{module + "/cmd", true, "a command is I/O"},
	{module + "/internal/keystore", true, "key files are I/O"},
}

// forbiddenDeps may not be in the dependency closure of a deterministic
// package, even indirectly.
var forbiddenDeps = []rule{
	{"github.com/cockroachdb/pebble", true, "storage"},
	{"github.com/libp2p", true, "networking"},
	{module + "/store", true, "storage"},
	{module + "/p2p", true, "networking"},
	{module + "/rpc", true, "RPC server"},
	{module + "/node", true, "node"},
	{module + "/client", true, "RPC client"},
	{module + "/cmd", true, "command"},
	{module + "/internal/keystore", true, "key files"},
}

// forbiddenMembers maps an import path to its members that may not be
// used. A nil map forbids every member except those in allowedMembers.
var forbiddenMembers = map[string]map[string]string{
	"time": {
		"Now":          whyClock,
		"Since":        whyClock,
		"Until":        whyClock,
		"Tick":         whyTimer,
		"After":        whyTimer,
		"AfterFunc":    whyTimer,
		"NewTimer":     whyTimer,
		"NewTicker":    whyTimer,
		"Sleep":        whyTimer,
		"LoadLocation": "reads the time zone database from disk",
		"Local":        "the local time zone differs between machines: use UTC",
	},
	"math/rand":    nil,
	"math/rand/v2": nil,
	"fmt": {
		"Print":   whyStdout,
		"Printf":  whyStdout,
		"Println": whyStdout,
	},
}

// allowedMembers are the members of a package in forbiddenMembers with a
// nil map that may be used: constructors of explicitly seeded sources and
// their types. Everything else in math/rand reads the global source.
var allowedMembers = map[string][]string{
	"math/rand":    {"New", "NewSource", "NewZipf", "Rand", "Source", "Source64", "Zipf"},
	"math/rand/v2": {"New", "NewPCG", "NewChaCha8", "NewZipf", "PCG", "ChaCha8", "Rand", "Source", "Zipf"},
}

// forbiddenBuiltins write to standard error.
var forbiddenBuiltins = map[string]string{
	"print":   "writes to standard error: return the data instead",
	"println": "writes to standard error: return the data instead",
}

// finding is one breach of the rules.
type finding struct {
	pos  token.Position
	what string // the forbidden thing, e.g. `import "os"` or `time.Now`
	why  string
}

func (f finding) String() string { return fmt.Sprintf("%s: %s: %s", f.pos, f.what, f.why) }

// defaultImportName is the name a package is known by when imported
// without a name: the last path element, skipping a major version suffix.
func defaultImportName(p string) string {
	elems := strings.Split(p, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = elems[len(elems)-2]
	}
	return last
}

// hasIgnoreTag reports whether f is constrained by the "ignore" tag.
func hasIgnoreTag(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			expr, err := constraint.Parse(c.Text)
			if err != nil {
				continue
			}
			ignored := false
			expr.Eval(func(tag string) bool {
				ignored = ignored || tag == "ignore"
				return true
			})
			if ignored {
				return true
			}
		}
	}
	return false
}

// checkFile parses one Go source file and returns its breaches of the
// rules. src is as for parser.ParseFile: nil to read filename.
func checkFile(fset *token.FileSet, filename string, src any) ([]finding, error) {
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	if hasIgnoreTag(f) {
		return nil, nil
	}
	var out []finding
	add := func(pos token.Pos, what, why string) {
		out = append(out, finding{fset.Position(pos), what, why})
	}
	names := map[string]string{} // local name -> import path, for checked packages
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, err
		}
		for _, r := range forbiddenImports {
			if r.matches(p) {
				add(imp.Pos(), fmt.Sprintf("import %q", p), r.why)
				break
			}
		}
		if _, checked := forbiddenMembers[p]; !checked {
			continue
		}
		name := defaultImportName(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		switch name {
		case "_":
		case ".":
			add(imp.Pos(), fmt.Sprintf("dot import of %q", p), "hides its members from this check: import it by name")
		default:
			names[name] = p
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			p, ok := names[id.Name]
			if !ok {
				return true
			}
			member := n.Sel.Name
			members := forbiddenMembers[p]
			what := fmt.Sprintf("%s.%s", id.Name, member)
			if id.Name != defaultImportName(p) {
				what += fmt.Sprintf(" (%s.%s)", p, member)
			}
			if members == nil {
				if !slices.Contains(allowedMembers[p], member) {
					add(n.Pos(), what, "uses the global random source: take a seeded source or an io.Reader from the caller")
				}
			} else if why, bad := members[member]; bad {
				add(n.Pos(), what, why)
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok {
				if why, bad := forbiddenBuiltins[id.Name]; bad {
					add(n.Pos(), id.Name+" (built-in)", why)
				}
			}
		}
		return true
	})
	return out, nil
}

// pkg is the part of `go list -json` output the tests use.
type pkg struct {
	ImportPath     string
	Dir            string
	Standard       bool
	DepOnly        bool
	GoFiles        []string
	CgoFiles       []string
	IgnoredGoFiles []string
	Imports        []string
	Error          *struct{ Err string }
}

type listing struct {
	root  string          // module root directory
	roots []*pkg          // the deterministic packages
	all   map[string]*pkg // them and their dependencies
}

// listDeterministic runs `go list -deps -json` once for all the tests.
var listDeterministic = sync.OnceValues(func() (*listing, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(goTool, "env", "GOMOD").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return nil, errors.New("not inside a module")
	}
	l := &listing{root: filepath.Dir(gomod), all: map[string]*pkg{}}
	args := []string{"list", "-e", "-deps", "-json"}
	found := false
	for _, d := range deterministicDirs {
		if fi, err := os.Stat(filepath.Join(l.root, d)); err == nil && fi.IsDir() {
			args = append(args, "./"+d+"/...")
			found = true
		}
	}
	if !found {
		return nil, errors.New("none of the deterministic packages exists")
	}
	cmd := exec.Command(goTool, args...)
	cmd.Dir = l.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(pkg)
		if err := dec.Decode(p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decoding go list output: %v", err)
		}
		l.all[p.ImportPath] = p
		if !p.DepOnly {
			l.roots = append(l.roots, p)
		}
	}
	return l, nil
})

func list(t *testing.T) *listing {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command in PATH")
	}
	l, err := listDeterministic()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDeterministicImports(t *testing.T) {
	l := list(t)
	fset := token.NewFileSet()
	checked := 0
	for _, p := range l.roots {
		if why, ok := exempt[p.ImportPath]; ok {
			t.Logf("%s exempt: %s", p.ImportPath, why)
			continue
		}
		var files []string
		for _, f := range slices.Concat(p.GoFiles, p.CgoFiles, p.IgnoredGoFiles) {
			if strings.HasSuffix(f, ".go") && !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
		for _, f := range files {
			full := filepath.Join(p.Dir, f)
			rel, err := filepath.Rel(l.root, full)
			if err != nil {
				rel = full
			}
			src, err := os.ReadFile(full)
			if err != nil {
				t.Errorf("%s: %v", rel, err)
				continue
			}
			fs, err := checkFile(fset, rel, src)
			if err != nil {
				t.Errorf("%s: cannot check: %v", rel, err)
				continue
			}
			for _, f := range fs {
				t.Errorf("%s", f)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no files checked")
	}
	t.Logf("checked %d files in %d packages", checked, len(l.roots))
}

func TestDeterministicDeps(t *testing.T) {
	l := list(t)
	imports := map[string][]string{}
	for path, p := range l.all {
		imports[path] = p.Imports
	}
	var roots []string
	for _, p := range l.roots {
		if _, ok := exempt[p.ImportPath]; !ok {
			roots = append(roots, p.ImportPath)
		}
	}
	for _, msg := range forbiddenDepPaths(imports, roots) {
		t.Error(msg)
	}
}

// forbiddenDepPaths returns, for each root, a message for each forbidden
// package in its dependency closure, naming a shortest import path to it.
// The search does not go on below a forbidden package, so a forbidden
// module is reported once, not once per subpackage. imports maps a package
// to its direct imports.
func forbiddenDepPaths(imports map[string][]string, roots []string) []string {
	var msgs []string
	for _, root := range roots {
		// Breadth-first, remembering where each package was reached from.
		from := map[string]string{root: ""}
		queue := []string{root}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			if i := slices.IndexFunc(forbiddenDeps, func(r rule) bool { return r.matches(p) }); i >= 0 {
				chain := []string{p}
				for q := from[p]; q != ""; q = from[q] {
					chain = append(chain, q)
				}
				slices.Reverse(chain)
				msgs = append(msgs, fmt.Sprintf("%s depends on %s (%s): %s",
					root, p, forbiddenDeps[i].why, strings.Join(chain, " -> ")))
				continue
			}
			deps := slices.Clone(imports[p])
			slices.Sort(deps)
			for _, d := range deps {
				if _, seen := from[d]; !seen {
					from[d] = p
					queue = append(queue, d)
				}
			}
		}
	}
	return msgs
}
