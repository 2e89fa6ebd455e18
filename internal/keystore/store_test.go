package keystore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "home", "keystore"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func seededKey(t *testing.T, b byte) crypto.PrivateKey {
	t.Helper()
	k, err := crypto.NewKeyFromSeed(bytes.Repeat([]byte{b}, crypto.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewGetRoundTrip(t *testing.T) {
	s := openTemp(t)
	k, err := s.New("alice", rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	if k.Name != "alice" || k.PublicKey != k.Private.Public() || k.Address != types.AddressOf(k.PublicKey) {
		t.Fatalf("inconsistent key %v", k)
	}
	got, err := s.Get("alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.Address != k.Address || !bytes.Equal(got.Private.Seed(), k.Private.Seed()) {
		t.Fatalf("Get returned %v, want %v", got, k)
	}
	// The stored key signs: a signature by the reloaded key verifies
	// under the original public key.
	msg := []byte("msg")
	if !crypto.Verify(k.PublicKey, msg, got.Private.Sign(msg)) {
		t.Fatal("reloaded key does not sign for its public key")
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix permissions")
	}
	s := openTemp(t)
	if _, err := s.New("alice", rand.New(rand.NewSource(1))); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o700 {
		t.Errorf("folder mode %o, want 700", m)
	}
	fi, err = os.Stat(s.Path("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("file mode %o, want 600", m)
	}
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "alice.json" {
		t.Errorf("folder holds %v, want only alice.json (no temporary files left)", entries)
	}
}

func TestFileFormat(t *testing.T) {
	s := openTemp(t)
	priv := seededKey(t, 7)
	k, err := s.Import("dev0", priv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(s.Path("dev0"))
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]string
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"name":       "dev0",
		"address":    k.Address.String(),
		"public_key": k.PublicKey.String(),
		"seed":       "0x" + strings.Repeat("07", 32),
	}
	if fmt.Sprint(f) != fmt.Sprint(want) {
		t.Fatalf("file holds %v, want %v", f, want)
	}
}

func TestNewRefusesTakenName(t *testing.T) {
	s := openTemp(t)
	rng := rand.New(rand.NewSource(1))
	first, err := s.New("alice", rng)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.New("alice", rng); !errors.Is(err, ErrExists) {
		t.Fatalf("second New: %v, want ErrExists", err)
	}
	got, err := s.Get("alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.Address != first.Address {
		t.Fatal("the first key was overwritten")
	}
}

func TestImportIdempotent(t *testing.T) {
	s := openTemp(t)
	a, err := s.Import("dev0", seededKey(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Import("dev0", seededKey(t, 1))
	if err != nil {
		t.Fatalf("re-import of the same key: %v", err)
	}
	if again.Address != a.Address {
		t.Fatal("re-import returned another key")
	}
	if _, err := s.Import("dev0", seededKey(t, 2)); !errors.Is(err, ErrExists) {
		t.Fatalf("import of another key under a taken name: %v, want ErrExists", err)
	}
	if _, err := s.Import("dev1", crypto.PrivateKey{}); !errors.Is(err, crypto.ErrBadKey) {
		t.Fatalf("import of a zero key: %v, want crypto.ErrBadKey", err)
	}
}

func TestNames(t *testing.T) {
	s := openTemp(t)
	good := []string{"a", "dev0", "Alice_1.backup-2", strings.Repeat("x", 64), "0x12"}
	for _, n := range good {
		if _, err := s.Import(n, seededKey(t, 3)); err != nil {
			t.Errorf("name %q refused: %v", n, err)
		}
	}
	bad := []string{"", strings.Repeat("x", 65), "a/b", "../x", "a b", "é", "a\x00",
		"0x" + strings.Repeat("ab", 20)}
	for _, n := range bad {
		if _, err := s.Import(n, seededKey(t, 3)); !errors.Is(err, ErrBadName) {
			t.Errorf("name %q: %v, want ErrBadName", n, err)
		}
		if _, err := s.Get(n); !errors.Is(err, ErrBadName) {
			t.Errorf("Get(%q): %v, want ErrBadName", n, err)
		}
	}
}

func TestGetMissing(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Get("nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get: %v, want ErrNotFound", err)
	}
}

func TestListSorted(t *testing.T) {
	s := openTemp(t)
	for i, n := range []string{"carol", "alice", "bob"} {
		if _, err := s.Import(n, seededKey(t, byte(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	// Files that are not keys are ignored.
	os.WriteFile(filepath.Join(s.Dir(), "README.txt"), []byte("hi"), 0o600)
	os.WriteFile(filepath.Join(s.Dir(), ".alice.123.tmp"), []byte("{"), 0o600)
	keys, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	if got := strings.Join(names, ","); got != "alice,bob,carol" {
		t.Fatalf("List = %s, want alice,bob,carol", got)
	}
}

func TestCorruptFiles(t *testing.T) {
	s := openTemp(t)
	k, err := s.Import("alice", seededKey(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	other := seededKey(t, 2)
	for name, content := range map[string]string{
		"not json":        "{",
		"wrong name":      fmt.Sprintf(`{"name":"bob","address":"%s","public_key":"%s","seed":"0x%s"}`, k.Address, k.PublicKey, strings.Repeat("01", 32)),
		"short seed":      fmt.Sprintf(`{"name":"alice","address":"%s","public_key":"%s","seed":"0x0101"}`, k.Address, k.PublicKey),
		"foreign pub":     fmt.Sprintf(`{"name":"alice","address":"%s","public_key":"%s","seed":"0x%s"}`, k.Address, other.Public(), strings.Repeat("01", 32)),
		"foreign addr":    fmt.Sprintf(`{"name":"alice","address":"%s","public_key":"%s","seed":"0x%s"}`, types.AddressOf(other.Public()), k.PublicKey, strings.Repeat("01", 32)),
		"seed without 0x": fmt.Sprintf(`{"name":"alice","address":"%s","public_key":"%s","seed":"%s"}`, k.Address, k.PublicKey, strings.Repeat("01", 32)),
	} {
		if err := os.WriteFile(s.Path("alice"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get("alice"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Get: %v, want ErrCorrupt", name, err)
		}
		if _, err := s.List(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: List: %v, want ErrCorrupt", name, err)
		}
	}
}

func TestResolve(t *testing.T) {
	s := openTemp(t)
	a, _ := s.Import("alice", seededKey(t, 1))
	b, _ := s.Import("bob", seededKey(t, 2))
	if k, err := s.Resolve("alice"); err != nil || k.Address != a.Address {
		t.Errorf("Resolve(alice) = %v, %v", k, err)
	}
	if k, err := s.Resolve(b.Address.String()); err != nil || k.Name != "bob" {
		t.Errorf("Resolve(bob's address) = %v, %v", k, err)
	}
	unknown := types.AddressOf(seededKey(t, 9).Public())
	if _, err := s.Resolve(unknown.String()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve(unknown address): %v, want ErrNotFound", err)
	}
	if _, err := s.Resolve("carol"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve(carol): %v, want ErrNotFound", err)
	}
}

func TestKeyPrintingHidesPrivateKey(t *testing.T) {
	priv := seededKey(t, 0xab)
	k := newKey("alice", priv)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, k)
		if strings.Contains(out, "ab ab") || strings.Contains(out, "abab") || strings.Contains(out, "171 171") {
			t.Errorf("%s prints the private key: %s", verb, out)
		}
		if !strings.Contains(out, k.Address.String()) {
			t.Errorf("%s does not show the address: %s", verb, out)
		}
	}
}

func TestConcurrentNewOneWins(t *testing.T) {
	s := openTemp(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	keys := make([]Key, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = s.New("shared", rand.New(rand.NewSource(int64(i))))
		}()
	}
	wg.Wait()
	var winner *Key
	for i, err := range errs {
		switch {
		case err == nil:
			if winner != nil {
				t.Fatal("two New calls both succeeded for one name")
			}
			winner = &keys[i]
		case !errors.Is(err, ErrExists):
			t.Fatalf("New: %v", err)
		}
	}
	if winner == nil {
		t.Fatal("no New call succeeded")
	}
	got, err := s.Get("shared")
	if err != nil || got.Address != winner.Address {
		t.Fatalf("stored key %v (%v), want the winner %v", got, err, *winner)
	}
}

func TestOpenOnFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "file")
	os.WriteFile(p, nil, 0o600)
	if _, err := Open(p); err == nil {
		t.Fatal("Open on a file succeeded")
	}
}

func TestParseSeed(t *testing.T) {
	k, err := ParseSeed("0x" + strings.Repeat("07", 32))
	if err != nil {
		t.Fatal(err)
	}
	if k.Public() != seededKey(t, 7).Public() {
		t.Fatal("ParseSeed derived another key")
	}
	for _, s := range []string{"", "07", "0x07", "0x" + strings.Repeat("zz", 32), "0x" + strings.Repeat("07", 33)} {
		if _, err := ParseSeed(s); err == nil {
			t.Errorf("ParseSeed(%q) succeeded", s)
		}
	}
}
