package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/noded/noded/internal/keystore"
)

func TestKeysNewListShow(t *testing.T) {
	home := t.TempDir()
	out := mustRun(t, "--home", home, "keys", "new", "alice")
	if !strings.Contains(out, "UNENCRYPTED") {
		t.Errorf("keys new does not warn that the key is unencrypted:\n%s", out)
	}
	ks, err := keystore.Open(keystore.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	alice, err := ks.Get("alice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, alice.Address.String()) {
		t.Errorf("keys new does not print the address %s:\n%s", alice.Address, out)
	}
	seedHex := fmt.Sprintf("%x", alice.Private.Seed())
	if strings.Contains(out, seedHex) {
		t.Errorf("keys new prints the private seed:\n%s", out)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(home, "keystore", "alice.json"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %o, want 600", fi.Mode().Perm())
		}
	}

	mustRun(t, "--home", home, "keys", "new", "bob")
	out = mustRun(t, "--home", home, "keys", "list")
	ia, ib := strings.Index(out, "alice"), strings.Index(out, "bob")
	if ia < 0 || ib < 0 || ia > ib || !strings.Contains(out, alice.Address.String()) {
		t.Errorf("keys list:\n%s", out)
	}
	var listed []keyOutput
	if err := json.Unmarshal([]byte(mustRun(t, "--home", home, "keys", "list", "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0].Name != "alice" || listed[0].Address != alice.Address.String() || listed[0].Seed != "" {
		t.Errorf("keys list --json = %+v", listed)
	}

	for _, who := range []string{"alice", alice.Address.String()} {
		out = mustRun(t, "--home", home, "keys", "show", who)
		if !strings.Contains(out, alice.Address.String()) || !strings.Contains(out, alice.PublicKey.String()) {
			t.Errorf("keys show %s:\n%s", who, out)
		}
		if strings.Contains(out, seedHex) {
			t.Errorf("keys show %s prints the private seed without --private:\n%s", who, out)
		}
	}
	out = mustRun(t, "--home", home, "keys", "show", "alice", "--json")
	if strings.Contains(out, seedHex) {
		t.Errorf("keys show --json prints the private seed without --private:\n%s", out)
	}
	out = mustRun(t, "--home", home, "keys", "show", "alice", "--private")
	if !strings.Contains(out, "0x"+seedHex) {
		t.Errorf("keys show --private does not print the seed:\n%s", out)
	}
}

func TestKeysImport(t *testing.T) {
	home := t.TempDir()
	seed := "0x" + strings.Repeat("42", 32)
	out := mustRun(t, "--home", home, "keys", "import", "bob", "--seed", seed)
	priv, err := keystore.ParseSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	ks, _ := keystore.Open(keystore.Dir(home))
	bob, err := ks.Get("bob")
	if err != nil {
		t.Fatal(err)
	}
	if bob.PublicKey != priv.Public() || !strings.Contains(out, bob.Address.String()) {
		t.Fatalf("imported %v; output:\n%s", bob, out)
	}
	if strings.Contains(out, strings.Repeat("42", 32)) {
		t.Errorf("keys import echoes the seed:\n%s", out)
	}
	// The same key again is fine; another key under the name is not.
	mustRun(t, "--home", home, "keys", "import", "bob", "--seed", seed)
	reason := mustFail(t, "--home", home, "keys", "import", "bob", "--seed", "0x"+strings.Repeat("43", 32))
	if !strings.Contains(reason, "already exists") {
		t.Errorf("reason %q", reason)
	}
	// From standard input.
	if _, err := runCLI(t, seed+"\n", "--home", home, "keys", "import", "carol", "--seed", "-"); err != nil {
		t.Fatal(err)
	}
	carol, err := ks.Get("carol")
	if err != nil || carol.Address != bob.Address {
		t.Fatalf("carol = %v, %v; want bob's key", carol, err)
	}
}

func TestKeysErrors(t *testing.T) {
	home := t.TempDir()
	mustRun(t, "--home", home, "keys", "new", "alice")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "new", "alice"}, "already exists"},
		{[]string{"keys", "new", "a/b"}, "invalid key name"},
		{[]string{"keys", "new"}, "want NAME"},
		{[]string{"keys", "bogus"}, `unknown command "bogus" for "noded keys"`},
		{[]string{"tx", "bogus"}, `unknown command "bogus" for "noded tx"`},
		{[]string{"keys", "show", "nobody"}, "no such key"},
		{[]string{"keys", "import", "x"}, `"seed" not set`},
		{[]string{"keys", "import", "x", "--seed", "0x12"}, "--seed"},
		{[]string{"keys", "import", "x", "--seed", strings.Repeat("12", 32)}, "start with 0x"},
	} {
		reason := mustFail(t, append([]string{"--home", home}, tc.args...)...)
		if !strings.Contains(reason, tc.want) {
			t.Errorf("noded %s: reason %q, want it to mention %q", strings.Join(tc.args, " "), reason, tc.want)
		}
	}
}
