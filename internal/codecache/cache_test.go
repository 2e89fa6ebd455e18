package codecache

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

const key = "0123abcd.wasmer-go-1.0.4-cranelift.s1"

func TestPutGet(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(key); ok {
		t.Fatal("hit in an empty cache")
	}
	want := bytes.Repeat([]byte("compiled"), 1000)
	c.Put(key, want)
	got, ok := c.Get(key)
	if !ok || !bytes.Equal(got, want) {
		t.Fatalf("Get = %d bytes, %v", len(got), ok)
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 1 || s.Writes != 1 || s.WriteErrors != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	c, _ := Open(dir)
	c.Put(key, []byte("payload"))
	if err := os.WriteFile(filepath.Join(dir, key+".123.tmp"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	c2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c2.Get(key); !ok || string(got) != "payload" {
		t.Fatalf("after reopen: %q %v", got, ok)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmps) != 0 {
		t.Fatalf("temporary files left: %v", tmps)
	}
}

// Every way an entry can be damaged is detected, the file deleted, and
// Get reports a miss; never the damaged bytes.
func TestCorruptEntryDeleted(t *testing.T) {
	payload := bytes.Repeat([]byte{0xAB}, 4096)
	damage := map[string]func([]byte) []byte{
		"truncated payload": func(b []byte) []byte { return b[:len(b)-1] },
		"truncated header":  func(b []byte) []byte { return b[:headerSize-3] },
		"empty":             func([]byte) []byte { return nil },
		"flipped bit":       func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b },
		"bad magic":         func(b []byte) []byte { b[0] = 'x'; return b },
		"bad length":        func(b []byte) []byte { b[len(magic)+7]++; return b },
		"bad checksum":      func(b []byte) []byte { b[len(magic)+8] ^= 1; return b },
		"appended":          func(b []byte) []byte { return append(b, 0) },
	}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			c, _ := Open(dir)
			c.Put(key, payload)
			p := filepath.Join(dir, key)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f(b), 0o644); err != nil {
				t.Fatal(err)
			}
			if got, ok := c.Get(key); ok {
				t.Fatalf("corrupt entry returned (%d bytes)", len(got))
			}
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Fatalf("corrupt entry not deleted: %v", err)
			}
			if s := c.Stats(); s.Corrupt != 1 {
				t.Fatalf("stats %+v", s)
			}
			c.Put(key, payload) // recompiled and stored again
			if got, ok := c.Get(key); !ok || !bytes.Equal(got, payload) {
				t.Fatal("entry not usable after rewrite")
			}
		})
	}
}

func TestBadKeys(t *testing.T) {
	dir := t.TempDir()
	c, _ := Open(dir)
	for _, k := range []string{"", "../escape", "a/b", ".hidden", "UPPER", string(make([]byte, 201))} {
		c.Put(k, []byte("x"))
		if _, ok := c.Get(k); ok {
			t.Fatalf("key %q accepted", k)
		}
	}
	if s := c.Stats(); s.WriteErrors != 6 || s.Writes != 0 {
		t.Fatalf("stats %+v", s)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("files written for bad keys: %v", entries)
	}
}

func TestWriteErrorCounted(t *testing.T) {
	dir := t.TempDir()
	c, _ := Open(dir)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	c.Put(key, []byte("x"))
	if s := c.Stats(); s.WriteErrors != 1 || s.LastError == nil {
		t.Fatalf("stats %+v", s)
	}
}
