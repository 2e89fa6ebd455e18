package store

import (
	"bytes"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

func TestUndoRoundTrip(t *testing.T) {
	chs := []chain.Change{
		{Key: []byte("a1"), Old: nil, New: []byte("x")},
		{Key: []byte("a2"), Old: []byte("old"), New: nil},
		{Key: bytes.Repeat([]byte("k"), 300), Old: bytes.Repeat([]byte("v"), 70_000), New: []byte("y")},
	}
	block := types.Hash{7}
	enc := appendUndo(nil, block, chs)
	if len(enc) != undoSize(chs) {
		t.Fatalf("undoSize = %d, encoding is %d bytes", undoSize(chs), len(enc))
	}
	rec, err := decodeUndo(enc)
	if err != nil {
		t.Fatal(err)
	}
	if rec.block != block || len(rec.entries) != len(chs) {
		t.Fatalf("decoded %s with %d entries", rec.block, len(rec.entries))
	}
	for i, e := range rec.entries {
		if !bytes.Equal(e.key, chs[i].Key) || !bytes.Equal(e.old, chs[i].Old) || (e.old == nil) != (chs[i].Old == nil) {
			t.Fatalf("entry %d: %q %q, want %q %q", i, e.key, e.old, chs[i].Key, chs[i].Old)
		}
	}
	for n := range len(enc) {
		if _, err := decodeUndo(enc[:n]); err == nil {
			t.Fatalf("a record truncated to %d of %d bytes decoded", n, len(enc))
		}
	}
}

func FuzzDecodeUndo(f *testing.F) {
	f.Add(appendUndo(nil, types.Hash{1}, []chain.Change{{Key: []byte("k"), Old: []byte("v")}, {Key: []byte("j")}}))
	f.Add([]byte{undoVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeUndo(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to a record that decodes the same.
		chs := make([]chain.Change, len(rec.entries))
		for i, e := range rec.entries {
			if len(e.key) == 0 || (e.old != nil && len(e.old) == 0) {
				t.Fatalf("entry %d has an empty key or value", i)
			}
			chs[i] = chain.Change{Key: e.key, Old: e.old}
		}
		again, err := decodeUndo(appendUndo(nil, rec.block, chs))
		if err != nil || again.block != rec.block || len(again.entries) != len(rec.entries) {
			t.Fatalf("re-encoded record: %v", err)
		}
	})
}
