package examples

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noded/noded/contracts/build"
	"github.com/noded/noded/contracts/harness"
	"github.com/noded/noded/types"
)

// goTool runs the go command in dir, failing the test with its output.
func goTool(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	goCmd, err := build.GoCommand()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(goCmd, args...)
	cmd.Dir = dir
	// -mod=mod: the examples' go.sum follows the node's module, which
	// may have gained a dependency since.
	cmd.Env = append(append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod"), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	t.Logf("go %s (%s): %.1fs\n%s", strings.Join(args, " "), strings.Join(env, " "), time.Since(start).Seconds(), bytes.TrimSpace(out))
}

// The Go modules under contracts (the SDK and each Go example) are not
// part of the node's module, so `go test ./...` at the root does not
// reach them: this test runs their vet and tests, for the host and (the
// contracts' own code) for wasip1.
func TestGoModules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests four Go modules")
	}
	for _, name := range append([]string{"../sdk"}, Go...) {
		t.Run(strings.TrimPrefix(name, "../"), func(t *testing.T) {
			dir := Dir(name)
			goTool(t, dir, nil, "vet", "./...")
			goTool(t, dir, []string{"GOOS=wasip1", "GOARCH=wasm"}, "vet", "./...")
			goTool(t, dir, nil, "test", "-count=1", "./...")
		})
	}
}

// Every Go example builds within the size a deploy may carry, and
// deploys within the gas a transaction may have.
func TestGoExamplesDeploy(t *testing.T) {
	c := harness.New(t)
	for _, name := range Go {
		code := Build(t, name)
		r := c.TryDeploy("dev0", code, []byte(`{"name":"T","symbol":"T","token":"0x0000000000000000000000000000000000000001"}`))
		t.Logf("%s: %d bytes, deploy %d gas (%s)", name, len(code), r.GasUsed, r.Error)
		if !r.Ok() {
			t.Fatalf("%s: deploy failed: %s", name, r.Error)
		}
	}
}

// step is one transaction of the determinism script.
type step struct {
	from, method string
	to           int // index of the contract in the script's deploys, -1 for a deploy
	code         []byte
	input        string
	value        uint64
}

// determinismScript deploys the token, the escrow and the map-iterating
// contract (testdata/mapiter) and runs transfers, allowances, an escrow
// released after a failure, and map iterations.
func determinismScript(t testing.TB) []step {
	code := func(name string) []byte {
		if dir := os.Getenv(codeEnv); dir != "" {
			b, err := os.ReadFile(filepath.Join(dir, filepath.Base(name)+".wasm"))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		return Build(t, name)
	}
	token, escrow, mapiter := code("token"), code("escrow"), code("testdata/mapiter")
	addr := func(from string, nonce uint64) types.Address {
		return types.ContractAddress(accountAddr(t, from), nonce)
	}
	tk, es := addr("alice", 0), addr("bob", 0)
	s := []step{
		{from: "alice", to: -1, code: token, input: `{"name":"Noded Token","symbol":"NOD","supply":"1000000000000000000000"}`},
		{from: "bob", to: -1, code: escrow, input: fmt.Sprintf(`{"token":%q}`, tk)},
		{from: "carol", to: -1, code: mapiter},
	}
	for i := range 5 {
		s = append(s,
			step{from: "alice", to: 0, method: "transfer", input: fmt.Sprintf(`{"to":%q,"amount":"%d"}`, accountAddr(t, "dave"), 1000+i)},
			step{from: "carol", to: 2, method: "mix", input: strings.Repeat(fmt.Sprintf("w%d x y z%d ", i, i%3), 5+i)},
			step{from: "dave", to: 0, method: "transfer", input: fmt.Sprintf(`{"to":%q,"amount":"1000000"}`, accountAddr(t, "bob"))}, // fails
		)
	}
	return append(s,
		step{from: "alice", to: 0, method: "approve", input: fmt.Sprintf(`{"spender":%q,"amount":500}`, es)},
		step{from: "alice", to: 1, method: "open", input: fmt.Sprintf(`{"beneficiary":%q,"amount":500,"price":70}`, accountAddr(t, "dave"))},
		step{from: "alice", to: 0, method: "pause"},
		step{from: "dave", to: 1, method: "release", input: `{"id":0}`, value: 70}, // fails: paused
		step{from: "alice", to: 0, method: "unpause"},
		step{from: "dave", to: 1, method: "release", input: `{"id":0}`, value: 70},
		step{from: "carol", to: 2, method: "mix", input: "the end the end"},
	)
}

func accountAddr(_ testing.TB, name string) types.Address { return harness.AccountAddress(name) }

// runScript runs the script on a fresh chain and returns a record of
// every receipt (gas, status, return data, events, error) and the state
// roots, one line each.
func runScript(t testing.TB, script []step, opts ...harness.Option) []string {
	c := harness.New(t, opts...)
	var deployed []types.Address
	var lines []string
	for i, s := range script {
		var r *harness.Receipt
		if s.to < 0 {
			r = c.TryDeploy(s.from, s.code, []byte(s.input))
			deployed = append(deployed, r.Contract())
		} else {
			r = c.TryCall(s.from, deployed[s.to], s.method, []byte(s.input), harness.Value(types.NewAmount(s.value)))
		}
		ev := sha256.New()
		for _, e := range r.Events {
			fmt.Fprintf(ev, "%s %s %x;", e.Address, e.Topic, e.Data)
		}
		lines = append(lines, fmt.Sprintf("%d gas=%d status=%d ret=%x events=%x err=%q root=%s",
			i, r.GasUsed, r.Status, sha256.Sum256(r.ReturnData), ev.Sum(nil)[:8], r.Error, c.StateRoot()))
	}
	return lines
}

func compareRuns(t *testing.T, what string, a, b []string) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d steps against %d", what, len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("%s: step %d differs:\n%s\n%s", what, i, a[i], b[i])
		}
	}
}

// Two nodes, each with its own VM, run the same transactions: same gas,
// results, events and state roots, failures included.
func TestDeterminismTwoNodes(t *testing.T) {
	script := determinismScript(t)
	a := runScript(t, script, harness.OwnVM())
	b := runScript(t, script, harness.OwnVM())
	compareRuns(t, "two nodes", a, b)
	failed := 0
	for _, l := range a {
		if !strings.Contains(l, `err=""`) {
			failed++
		}
	}
	if failed != 6 {
		t.Fatalf("%d steps failed, want 6:\n%s", failed, strings.Join(a, "\n"))
	}
}

// childEnv marks a process started by TestDeterminismProcesses; codeEnv
// names the folder where it finds the contracts, built by its parent.
const (
	childEnv = "NODED_DETERMINISM_CHILD"
	codeEnv  = "NODED_DETERMINISM_CODE"
)

// TestDeterminismChild runs the script in a child process and prints its
// record.
func TestDeterminismChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestDeterminismProcesses")
	}
	lines := runScript(t, determinismScript(t), harness.OwnVM())
	fmt.Printf("RECORD %s\n", hex.EncodeToString([]byte(strings.Join(lines, "\n"))))
}

// 20 fresh processes (this test binary, started again) run the script
// and agree with this one. Each loads the compiled modules from the
// shared code cache; with NODED_DETERMINISM_COMPILE=1 each compiles them
// itself (slow: seconds per module and process).
func TestDeterminismProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	want := runScript(t, determinismScript(t), harness.OwnVM())
	dir := t.TempDir()
	for _, name := range []string{"token", "escrow", "testdata/mapiter"} {
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)+".wasm"), Build(t, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{childEnv + "=1", codeEnv + "=" + dir}
	if os.Getenv("NODED_DETERMINISM_COMPILE") != "" {
		env = append(env, "NODED_CODECACHE=off")
	}
	const processes = 20
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	for p := range processes {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDeterminismChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("process %d: %v\n%s", p, err, out)
		}
		var got []string
		for _, line := range strings.Split(string(out), "\n") {
			if rec, ok := strings.CutPrefix(line, "RECORD "); ok {
				b, err := hex.DecodeString(rec)
				if err != nil {
					t.Fatal(err)
				}
				got = strings.Split(string(b), "\n")
			}
		}
		if got == nil {
			t.Fatalf("process %d printed no record:\n%s", p, out)
		}
		compareRuns(t, fmt.Sprintf("process %d", p), want, got)
	}
	t.Logf("%d processes agree (%.1fs); last state root %s", processes, time.Since(start).Seconds(), want[len(want)-1][strings.LastIndex(want[len(want)-1], "root=")+5:])
}
