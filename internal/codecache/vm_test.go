//go:build cgo

package codecache_test

// The cache's test with a VM needs cgo: it caches the modules the
// wasmer engine compiles, from a contract written in WAT.

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/noded/noded/internal/codecache"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
	"github.com/wasmerio/wasmer-go/wasmer"
)

// memHost is the smallest vm.Host: code only, no storage.
type memHost struct{ code map[types.Address][]byte }

func (h *memHost) StorageGet(types.Address, []byte) ([]byte, error)           { return nil, nil }
func (h *memHost) StorageSet(types.Address, []byte, []byte) error             { return nil }
func (h *memHost) Balance(types.Address) (types.Amount, error)                { return types.Amount{}, nil }
func (h *memHost) Transfer(types.Address, types.Address, *types.Amount) error { return nil }
func (h *memHost) SetCode(a types.Address, c []byte) error                    { h.code[a] = c; return nil }
func (h *memHost) Savepoint() int                                             { return 0 }
func (h *memHost) RollbackTo(int)                                             {}
func (h *memHost) Code(a types.Address) ([]byte, types.Hash, error) {
	c := h.code[a]
	if c == nil {
		return nil, types.Hash{}, nil
	}
	return c, types.Hash(sha256Sum(c)), nil
}

// A restarted VM loads the compiled module from the cache instead of
// compiling; a corrupt entry is deleted and the module compiled again.
func TestVMUsesCache(t *testing.T) {
	dir := t.TempDir()
	code, err := wasmer.Wat2Wasm(`(module
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hi")
  (func (export "hi") (call $ret (i32.const 0) (i32.const 2))))`)
	if err != nil {
		t.Fatal(err)
	}
	host := &memHost{code: map[types.Address][]byte{}}
	var a types.Address
	a[0] = 1
	run := func(deploy bool) vm.Stats {
		cache, err := codecache.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		v, err := vm.New(vm.NewWasmerEngine(), vm.Options{CodeCache: cache})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		if deploy {
			if r := v.Deploy(context.Background(), host, &vm.Env{}, a, a, code, nil, types.Amount{}, vm.MaxGas); r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		r := v.Call(context.Background(), host, &vm.Env{}, vm.CallRequest{Contract: a, Method: "hi", Gas: vm.MaxGas})
		if r.Err != nil || string(r.ReturnData) != "hi" {
			t.Fatalf("call: %q %v", r.ReturnData, r.Err)
		}
		return v.Stats()
	}
	if s := run(true); s.Compiles != 1 || s.CacheLoads != 0 {
		t.Fatalf("first run: %+v", s)
	}
	if s := run(false); s.Compiles != 0 || s.CacheLoads != 1 {
		t.Fatalf("after restart: %+v", s)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(entries) != 1 {
		t.Fatalf("cache holds %v", entries)
	}
	b, _ := os.ReadFile(entries[0])
	b[len(b)-10] ^= 0xFF
	if err := os.WriteFile(entries[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	if s := run(false); s.Compiles != 1 || s.CacheLoads != 0 {
		t.Fatalf("after corruption: %+v", s)
	}
	if s := run(false); s.Compiles != 0 || s.CacheLoads != 1 {
		t.Fatalf("after recompiling: %+v", s)
	}
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
