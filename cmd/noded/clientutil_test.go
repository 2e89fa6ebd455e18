package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/noded/noded/client/clienttest"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// runCLI runs the noded root command in-process with the given arguments
// and returns what it printed to standard output. The error is what main
// would print after "noded: ".
func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("noded %s: error is not one line: %q", strings.Join(args, " "), err)
	}
	return out.String(), err
}

// mustRun is runCLI for commands that must succeed.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, "", args...)
	if err != nil {
		t.Fatalf("noded %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// mustFail is runCLI for commands that must fail; it returns the reason.
func mustFail(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, "", args...)
	if err == nil {
		t.Fatalf("noded %s succeeded, want an error; output:\n%s", strings.Join(args, " "), out)
	}
	return err.Error()
}

// testNode serves a fake chain for client commands; the returned args
// (--home, --rpc) point commands at it and at a fresh keystore.
func testNode(t *testing.T, o clienttest.Options) (*clienttest.Backend, []string) {
	t.Helper()
	b := clienttest.NewBackend(o)
	return b, []string{"--home", t.TempDir(), "--rpc", clienttest.Serve(t, b)}
}

// seedKey returns the key with a seed of 32 bytes b.
func seedKey(t *testing.T, b byte) crypto.PrivateKey {
	t.Helper()
	k, err := crypto.NewKeyFromSeed(bytes.Repeat([]byte{b}, crypto.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// importKey stores the key with seed byte b under name in the keystore of
// the --home in args.
func importKey(t *testing.T, args []string, name string, b byte) keystore.Key {
	t.Helper()
	mustRun(t, append(slices.Clone(args), "keys", "import", name, "--seed", fmt.Sprintf("0x%x", seedKey(t, b).Seed()))...)
	return keystore.Key{Name: name, Address: types.AddressOf(seedKey(t, b).Public()), PublicKey: seedKey(t, b).Public(), Private: seedKey(t, b)}
}

// with returns base followed by more, without sharing base's array.
func with(base []string, more ...string) []string {
	return append(slices.Clone(base), more...)
}

func TestParseHelpers(t *testing.T) {
	for s, want := range map[string]uint64{"0": 0, "42": 42, "0x2a": 42, "0X2A": 42, "18446744073709551615": 1<<64 - 1} {
		if got, err := parseUint("n", s); err != nil || got != want {
			t.Errorf("parseUint(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "-1", "0x", "1e3", "18446744073709551616", "abc", "0xg"} {
		if _, err := parseUint("n", s); err == nil {
			t.Errorf("parseUint(%q) succeeded", s)
		}
	}
	for s, want := range map[string]rpc.BlockNumber{"latest": rpc.LatestBlock, "finalized": rpc.FinalizedBlock, "earliest": rpc.EarliestBlock, "7": 7, "0x10": 16} {
		if got, err := parseBlock("b", s); err != nil || got != want {
			t.Errorf("parseBlock(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := parseBlock("b", "pending"); err == nil {
		t.Error(`parseBlock("pending") succeeded`)
	}
	if a, err := parseAmount("a", "0xff"); err != nil || a.Uint64() != 255 {
		t.Errorf("parseAmount(0xff) = %v, %v", a, err)
	}
	big := "115792089237316195423570985008687907853269984665640564039457584007913129639935" // 2^256-1
	if a, err := parseAmount("a", big); err != nil || a.Dec() != big {
		t.Errorf("parseAmount(2^256-1) = %v, %v", a, err)
	}
	for _, s := range []string{"", "-5", "1.5", "0x", big + "0"} {
		if _, err := parseAmount("a", s); err == nil {
			t.Errorf("parseAmount(%q) succeeded", s)
		}
	}
}
