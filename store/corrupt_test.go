package store

import (
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// corruptDB returns a database of a few blocks, and the chain.
func corruptDB(t *testing.T, fs vfs.FS) (*DB, *testChain) {
	t.Helper()
	db, _ := openMem(t, Options{FS: fs})
	c := newTestChain(t, 40, 30)
	c.initDB(db)
	c.commitN(db, 4, 5, 40)
	return db, c
}

// set writes key behind the store's back, as a damaged disk would, and
// empties the state cache as a restart would: what the store committed
// itself, it serves from the cache without reading the disk again.
func set(t *testing.T, db *DB, key, value []byte) {
	t.Helper()
	if err := db.pdb.Set(key, value, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.cache.clear()
}

// A value the store did not write gives ErrCorrupt from the read that
// meets it, never a panic or a wrong answer.
func TestCorruptValues(t *testing.T) {
	type tc struct {
		name  string
		write func(t *testing.T, db *DB, c *testChain)
		read  func(db *DB, c *testChain) error
	}
	garbage := []byte("garbage")
	head := func(c *testChain) types.Hash { return c.head().Hash() }
	account := func(c *testChain) types.Address { // one in the head state
		for _, k := range slices.Sorted(maps.Keys(c.state())) {
			if k[0] == 'a' && len(k) == 1+types.AddressSize {
				return types.Address([]byte(k[1:]))
			}
		}
		t.Fatal("no account in the state")
		return types.Address{}
	}
	cases := []tc{
		{"header", func(t *testing.T, db *DB, c *testChain) { set(t, db, headerKey(c.blocks[2].Hash()), garbage) },
			func(db *DB, c *testChain) error { _, err := db.HeaderByHeight(2); return err }},
		{"header of another block", func(t *testing.T, db *DB, c *testChain) {
			set(t, db, headerKey(c.blocks[2].Hash()), c.blocks[1].Header.AppendEncoding(nil))
		}, func(db *DB, c *testChain) error { _, err := db.HeaderByHeight(2); return err }},
		{"block", func(t *testing.T, db *DB, c *testChain) { set(t, db, blockKey(c.blocks[2].Hash()), garbage) },
			func(db *DB, c *testChain) error { _, err := db.BlockByHeight(2); return err }},
		{"truncated block", func(t *testing.T, db *DB, c *testChain) {
			enc := c.blocks[2].Encode()
			set(t, db, blockKey(c.blocks[2].Hash()), enc[:len(enc)-1])
		}, func(db *DB, c *testChain) error { _, err := db.BlockByHash(c.blocks[2].Hash()); return err }},
		{"receipts", func(t *testing.T, db *DB, c *testChain) { set(t, db, receiptsKey(c.blocks[2].Hash()), garbage) },
			func(db *DB, c *testChain) error { _, err := db.Receipts(c.blocks[2].Hash()); return err }},
		{"height index", func(t *testing.T, db *DB, c *testChain) { set(t, db, numberKey(2), garbage) },
			func(db *DB, c *testChain) error { _, err := db.HashByHeight(2); return err }},
		{"tx location", func(t *testing.T, db *DB, c *testChain) { set(t, db, txKey(c.res[2].TxHashes[0]), garbage) },
			func(db *DB, c *testChain) error { _, err := db.TxLocation(c.res[2].TxHashes[0]); return err }},
		{"account", func(t *testing.T, db *DB, c *testChain) { set(t, db, stateKey(chain.AccountKey(account(c))), garbage) },
			func(db *DB, c *testChain) error { _, err := db.Account(account(c)); return err }},
		{"empty state value", func(t *testing.T, db *DB, c *testChain) { set(t, db, stateKey(chain.AccountKey(account(c))), nil) },
			func(db *DB, c *testChain) error { _, err := db.Get(chain.AccountKey(account(c))); return err }},
		{"bucket size", func(t *testing.T, db *DB, c *testChain) { set(t, db, bucketKey(7), garbage) },
			func(db *DB, c *testChain) error { _, err := db.LoadRoot(); return err }},
		{"bucket value", func(t *testing.T, db *DB, c *testChain) {
			set(t, db, bucketKey(chain.BucketOf(chain.AccountKey(account(c)))), make([]byte, crypto.LtHashSize))
		}, func(db *DB, c *testChain) error { _, err := db.LoadRoot(); return err }},
		{"bucket missing", func(t *testing.T, db *DB, c *testChain) {
			if err := db.pdb.Delete(bucketKey(1023), pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, func(db *DB, c *testChain) error { _, err := db.LoadRoot(); return err }},
		{"state value changed", func(t *testing.T, db *DB, c *testChain) { set(t, db, stateKey(chain.AccountKey(account(c))), garbage) },
			func(db *DB, c *testChain) error { return db.VerifyState() }},
		{"state entry in the wrong bucket", func(t *testing.T, db *DB, c *testChain) {
			k := chain.AccountKey(account(c))
			b := chain.BucketOf(k) ^ 1
			set(t, db, append([]byte{prefixState, byte(b >> 8), byte(b)}, k...), garbage)
		}, func(db *DB, c *testChain) error { _, err := db.RebuildRoot(); return err }},
		{"undo record", func(t *testing.T, db *DB, c *testChain) { set(t, db, undoKey(4), garbage) },
			func(db *DB, c *testChain) error { _, err := db.RevertHead(); return err }},
		{"undo record for StateAt", func(t *testing.T, db *DB, c *testChain) { set(t, db, undoKey(3), garbage) },
			func(db *DB, c *testChain) error { _, err := db.StateAt(1); return err }},
		{"truncated undo record", func(t *testing.T, db *DB, c *testChain) {
			raw, _, _ := get(db.pdb, undoKey(4))
			set(t, db, undoKey(4), raw[:len(raw)-3])
		}, func(db *DB, c *testChain) error { _, err := db.RevertHead(); return err }},
		{"undo record of another block", func(t *testing.T, db *DB, c *testChain) {
			raw, _, _ := get(db.pdb, undoKey(3))
			set(t, db, undoKey(4), raw)
		}, func(db *DB, c *testChain) error { _, err := db.RevertHead(); return err }},
		{"undo record with a wrong old value", func(t *testing.T, db *DB, c *testChain) {
			chs := []chain.Change{{Key: []byte("x"), Old: []byte("y")}}
			set(t, db, undoKey(4), appendUndo(nil, head(c), chs))
		}, func(db *DB, c *testChain) error { _, err := db.RevertHead(); return err }},
		{"undo record missing", func(t *testing.T, db *DB, c *testChain) {
			if err := db.pdb.Delete(undoKey(4), pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, func(db *DB, c *testChain) error { _, err := db.RevertHead(); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, c := corruptDB(t, nil)
			tc.write(t, db, c)
			wantErr(t, tc.read(db, c), ErrCorrupt)
		})
	}
	// A failed revert changes nothing.
	t.Run("revert leaves the database as it was", func(t *testing.T) {
		db, c := corruptDB(t, nil)
		set(t, db, undoKey(4), appendUndo(nil, head(c), []chain.Change{{Key: []byte("x"), Old: []byte("y")}}))
		_, err := db.RevertHead()
		wantErr(t, err, ErrCorrupt)
		if err := db.pdb.Delete(undoKey(4), pebble.Sync); err != nil {
			t.Fatal(err)
		}
		checkState(t, db, c.state(), c.keys)
		checkRoot(t, db, c.head().Header.StateRoot)
	})
}

// Metadata that does not make sense stops Open with ErrCorrupt; another
// schema version with ErrSchemaVersion.
func TestCorruptMetadata(t *testing.T) {
	schema := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	cases := []struct {
		name  string
		write func(t *testing.T, db *DB, c *testChain)
		want  error
	}{
		{"schema version", func(t *testing.T, db *DB, c *testChain) { set(t, db, keySchema, schema(schemaVersion+1)) }, ErrSchemaVersion},
		{"schema garbage", func(t *testing.T, db *DB, c *testChain) { set(t, db, keySchema, []byte("x")) }, ErrCorrupt},
		{"schema missing", func(t *testing.T, db *DB, c *testChain) {
			if err := db.pdb.Delete(keySchema, pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt},
		{"head garbage", func(t *testing.T, db *DB, c *testChain) { set(t, db, keyHead, []byte("garbage")) }, ErrCorrupt},
		{"head to a missing block", func(t *testing.T, db *DB, c *testChain) {
			set(t, db, keyHead, headPointer{hash: types.Hash{1}, height: 4}.encode())
		}, ErrCorrupt},
		{"head height wrong", func(t *testing.T, db *DB, c *testChain) {
			set(t, db, keyHead, headPointer{hash: c.head().Hash(), height: 3}.encode())
		}, ErrCorrupt},
		{"head not canonical", func(t *testing.T, db *DB, c *testChain) {
			set(t, db, numberKey(4), c.blocks[3].Header.Parent[:])
		}, ErrCorrupt},
		{"head missing", func(t *testing.T, db *DB, c *testChain) {
			if err := db.pdb.Delete(keyHead, pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt},
		{"undo floor missing", func(t *testing.T, db *DB, c *testChain) {
			if err := db.pdb.Delete(keyUndoFloor, pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := vfs.NewMem()
			db, c := corruptDB(t, fs)
			tc.write(t, db, c)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			_, err := Open("db", quiet(Options{FS: fs}))
			wantErr(t, err, tc.want)
			t.Log(err)
		})
	}
}

// Damaged files (truncated, or with garbage inside) give an error wrapping
// ErrCorrupt, or lose whole blocks at the tail of the WAL as a crash
// would; whatever opens is a consistent prefix of the chain. Nothing
// panics.
func TestCorruptFiles(t *testing.T) {
	src := t.TempDir()
	db, err := Open(src, quiet(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	c := newTestChain(t, 41, 50)
	c.initDB(db)
	c.commitN(db, 3, 5, 50)
	if err := db.pdb.Flush(); err != nil { // so that there is a table
		t.Fatal(err)
	}
	c.commitN(db, 1, 5, 50)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	type damage struct {
		file, mode string
	}
	var cases []damage
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && fi.Size() > 0 {
			cases = append(cases, damage{e.Name(), "truncate"}, damage{e.Name(), "garbage"})
		}
	}
	cases = append(cases, damage{"000099.sst", "create"}, damage{"CURRENT", "create"})
	sawCorrupt := map[string]bool{}
	for _, d := range cases {
		t.Run(d.file+"/"+d.mode, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, d.file)
			data, _ := os.ReadFile(p)
			switch d.mode {
			case "truncate":
				data = data[:len(data)/2]
			case "garbage":
				for i := len(data) / 3; i < min(len(data), len(data)/3+64); i++ {
					data[i] ^= 0x5a
				}
			case "create":
				data = []byte("this is not a table")
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := openAndScan(t, dir, c)
			if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error that does not wrap ErrCorrupt: %v", err)
			}
			if err != nil {
				sawCorrupt[filepath.Ext(d.file)] = true
			}
			t.Logf("%v", err)
		})
	}
	if !sawCorrupt[".sst"] {
		t.Error("no damage to a table was reported as corruption")
	}
}

// openAndScan opens dir and reads everything; it checks that what it reads
// is a prefix of c, and returns the first error.
func openAndScan(t *testing.T, dir string, c *testChain) error {
	t.Helper()
	db, err := Open(dir, quiet(Options{}))
	if err != nil {
		return err
	}
	defer db.Close()
	head, err := db.Head()
	if err != nil {
		return err
	}
	if head != c.blocks[head.Height].Header {
		t.Fatalf("head %d is not the committed block of that height", head.Height)
	}
	if err := db.VerifyState(); err != nil {
		return err
	}
	for h := range head.Height + 1 {
		if _, err := db.BlockByHeight(h); err != nil {
			return err
		}
		if _, err := db.Receipts(c.blocks[h].Hash()); err != nil {
			return err
		}
	}
	if err := diffState(db, c.states[head.Height], c.keys); err != nil {
		t.Fatalf("state at height %d: %v", head.Height, err)
	}
	return nil
}
