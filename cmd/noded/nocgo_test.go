package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBuildWithoutCgo builds noded with CGO_ENABLED=0, as a user without
// a C toolchain would, and runs a dev chain with it: the build has no
// wasmer, runs contracts on wazero by default, says so in `noded status`,
// deploys, calls and queries the counter contract, and refuses
// --vm-engine wasmer with a clear reason.
func TestBuildWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "noded")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	home, addr := t.TempDir(), freeAddr(t)
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, append(args, "--home", home)...).CombinedOutput()
		return string(out), err
	}

	out, err := run("dev", "--rpc", freeAddr(t), "--vm-engine", "wasmer")
	if err == nil || !strings.Contains(out, "wasmer needs cgo") {
		t.Fatalf("--vm-engine wasmer without cgo: err %v, output:\n%s", err, out)
	}
	out, err = run("dev", "--rpc", freeAddr(t), "--vm-engine", "v8")
	if err == nil || !strings.Contains(out, `unknown engine "v8"`) {
		t.Fatalf("--vm-engine v8: err %v, output:\n%s", err, out)
	}

	p := startDevProcess(t, bin, home, addr)
	defer func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}()
	rpcURL := "http://" + addr
	must := func(args ...string) string {
		t.Helper()
		out, err := run(append(args, "--rpc", rpcURL)...)
		if err != nil {
			t.Fatalf("noded %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	if out := must("status"); !regexp.MustCompile(`(?m)^vm engine:\s+wazero-`).MatchString(out) {
		t.Errorf("noded status does not say wazero:\n%s", out)
	}
	wasm, err := filepath.Abs("../../contracts/examples/counter-wat/counter.wasm")
	if err != nil {
		t.Fatal(err)
	}
	out = must("contract", "deploy", wasm, "--from", "dev0")
	m := regexp.MustCompile(`contract address: (0x[0-9a-f]{40})`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "success") {
		t.Fatalf("deploy:\n%s", out)
	}
	for range 2 {
		if out := must("contract", "call", m[1], "increment", "--from", "dev1"); !strings.Contains(out, "success") {
			t.Fatalf("call:\n%s", out)
		}
	}
	if out := must("contract", "query", m[1], "get"); !strings.Contains(out, "uint64 2") {
		t.Errorf("query after two increments:\n%s", out)
	}
}
