package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noded/noded/contracts/build"
	"github.com/noded/noded/internal/loadgen"
)

func TestBenchLoadTransfer(t *testing.T) {
	args := devNode(t)
	out := filepath.Join(t.TempDir(), "report.json")
	text := mustRun(t, with(args, "bench", "load", "--rate", "300", "--duration", "1s", "--accounts", "10",
		"--batch", "5", "--out", out, "--quiet")...)
	for _, s := range []string{"submitted:", "accepted:", "rejected:", "included:", "confirmation:  p50", "memory (RSS):"} {
		if !strings.Contains(text, s) {
			t.Errorf("summary has no %q:\n%s", s, text)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep loadgen.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Submitted == 0 || rep.Submitted != rep.Accepted+rep.Rejected || rep.Included > rep.Accepted ||
		rep.Included == 0 || rep.Confirmation.Count != int(rep.Included) || rep.Kind != loadgen.KindTransfer ||
		len(rep.Memory) != 1 || !rep.Memory[0].Available {
		t.Errorf("report: %s", b)
	}
}

// TestBenchLoadCounterJSON: counter calls as fast as the node takes them;
// --json prints the report; a fresh home has no keystore, and dev1 is the
// well-known dev key.
func TestBenchLoadCounterJSON(t *testing.T) {
	args := devNode(t)
	args[1] = t.TempDir() // --home: an empty one
	out := mustRun(t, with(args, "bench", "load", "--max", "--kind", "counter", "--duration", "1s", "--accounts", "4",
		"--batch", "10", "--from", "dev1", "--json", "--quiet")...)
	var rep loadgen.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Kind != loadgen.KindCounter || rep.Setup.Contract == "" || rep.Included == 0 || rep.Submitted != rep.Accepted+rep.Rejected {
		t.Errorf("report: %s", out)
	}
}

// TestBenchLoadToken builds the Go token example from the repository and
// sends token transfers.
func TestBenchLoadToken(t *testing.T) {
	if _, err := build.GoCommand(); err != nil {
		t.Skip(err)
	}
	args := devNode(t)
	out := mustRun(t, with(args, "bench", "load", "--rate", "40", "--kind", "token", "--duration", "1s", "--accounts", "4",
		"--batch", "4", "--json", "--quiet")...)
	var rep loadgen.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Kind != loadgen.KindToken || rep.Setup.Contract == "" || rep.Included == 0 || rep.ReceiptsFailed != 0 {
		t.Errorf("report: %s", out)
	}
}

func TestBenchLoadErrors(t *testing.T) {
	home := []string{"--home", t.TempDir(), "--rpc", "http://127.0.0.1:1"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--duration", "1s"}, "give --rate N (transactions per second) or --max"},
		{[]string{"--rate", "10", "--max"}, "--rate and --max exclude each other"},
		{[]string{"--rate", "0"}, "--rate 0: want a number"},
		{[]string{"--rate", "-3"}, "--rate -3: want a number"},
		{[]string{"--max", "--contract", "x.wasm"}, "--contract: transfers need no contract"},
		{[]string{"--max", "--kind", "counter", "--contract", "/nonexistent.wasm"}, "--contract: open /nonexistent.wasm"},
		{[]string{"--max", "--kind", "nft"}, `--kind "nft": want transfer, counter or token`},
		{[]string{"--max", "--batch", "0"}, "--batch 0: want 1-1000"},
		{[]string{"--max", "--batch", "1001"}, "--batch 1001: want 1-1000"},
		{[]string{"--max", "--accounts", "0"}, "--accounts 0: want 1-100000"},
		{[]string{"--max", "--duration", "0s"}, "--duration 0s: want a positive duration"},
		{[]string{"--max", "--from", "nobody"}, "--from:"},
		{[]string{"--max", "--rpc", "http://127.0.0.1:1,,http://127.0.0.1:2"}, "an empty URL in the list"},
		{[]string{"--max", "--rpc", "ftp://x"}, "want http://HOST:PORT"},
		{[]string{"--max", "--duration", "1s"}, "cannot reach the node at http://127.0.0.1:1 (is it running?)"},
	} {
		got := mustFail(t, with(home, append([]string{"bench", "load", "--quiet"}, tc.args...)...)...)
		if !strings.Contains(got, tc.want) {
			t.Errorf("bench load %s: %q, want %q", strings.Join(tc.args, " "), got, tc.want)
		}
	}
	if got := mustFail(t, with(home, "bench", "nope")...); !strings.Contains(got, `unknown command "nope"`) {
		t.Errorf("bench nope: %q", got)
	}
}

func TestBenchURLs(t *testing.T) {
	urls, err := benchURLs("127.0.0.1:8545, http://127.0.0.1:8546,ws://h:1")
	if err != nil || strings.Join(urls, " ") != "http://127.0.0.1:8545 http://127.0.0.1:8546 ws://h:1" {
		t.Errorf("%v %v", urls, err)
	}
}
