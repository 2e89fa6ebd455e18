package p2p

import (
	"bytes"
	"errors"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/noded/noded/types"
)

func TestStatusEncoding(t *testing.T) {
	for _, st := range []Status{
		{},
		{ChainID: "noded-dev", Genesis: types.Hash{1, 2}, Height: 42, Head: types.Hash{3}, Finalized: 40},
		{ChainID: strings.Repeat("x", types.MaxChainIDLen), Height: math.MaxUint64, Finalized: math.MaxUint64},
	} {
		b := encodeStatus(st)
		if len(b) > maxStatusSize {
			t.Errorf("%d bytes, limit %d", len(b), maxStatusSize)
		}
		got, err := decodeStatus(b)
		if err != nil || got != st {
			t.Errorf("decode(encode(%+v)) = %+v, %v", st, got, err)
		}
		got, err = readStatus(bytes.NewReader(append(b, 0xff)))
		if err != nil || got != st {
			t.Errorf("readStatus = %+v, %v", got, err)
		}
		for _, bad := range [][]byte{b[:len(b)-1], append(slices.Clone(b), 0), append([]byte{2}, b[1:]...)} {
			if _, err := decodeStatus(bad); !errors.Is(err, ErrMalformed) {
				t.Errorf("decodeStatus(%x) = %v, want ErrMalformed", bad, err)
			}
		}
	}
	long := append([]byte{wireVersion, types.MaxChainIDLen + 1}, make([]byte, types.MaxChainIDLen+1+80)...)
	if _, err := readStatus(bytes.NewReader(long)); !errors.Is(err, ErrMalformed) {
		t.Errorf("over-long chain id: %v", err)
	}
}

func TestBatchEncoding(t *testing.T) {
	txs := [][]byte{[]byte("a"), bytes.Repeat([]byte{9}, 1000), []byte("ccc")}
	b := encodeBatch(txs)
	if len(b) != batchSize(txs) {
		t.Errorf("size %d, batchSize says %d", len(b), batchSize(txs))
	}
	got, err := decodeBatch(b)
	if err != nil || !slices.EqualFunc(got, txs, bytes.Equal) {
		t.Fatalf("decode(encode) = %q, %v", got, err)
	}
	for name, bad := range map[string][]byte{
		"empty":          {},
		"version":        append([]byte{2}, b[1:]...),
		"no txs":         encodeBatch(nil),
		"truncated":      b[:len(b)-1],
		"trailing":       append(slices.Clone(b), 0),
		"empty tx":       {wireVersion, 0, 0, 0, 1, 0, 0, 0, 0, 0},
		"huge count":     {wireVersion, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 7},
		"tx over limit":  append([]byte{wireVersion, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}, make([]byte, 16)...),
		"length too big": {wireVersion, 0, 0, 0, 1, 0, 0, 0, 9, 1},
	} {
		if _, err := decodeBatch(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestPackBatches(t *testing.T) {
	tx := func(n int) []byte { return make([]byte, n) }
	for _, tc := range []struct {
		sizes  []int
		target int
		want   []int // transactions per batch
	}{
		{nil, 100, nil},
		{[]int{10}, 100, []int{1}},
		{[]int{10, 10, 10}, batchHeaderSize + 3*14, []int{3}},
		{[]int{10, 10, 10}, batchHeaderSize + 3*14 - 1, []int{2, 1}},
		{[]int{10, 500, 10}, 100, []int{1, 1, 1}},
		{[]int{500}, 100, []int{1}},
	} {
		var txs [][]byte
		for _, s := range tc.sizes {
			txs = append(txs, tx(s))
		}
		var got []int
		for _, b := range packBatches(txs, tc.target) {
			got = append(got, len(b))
			if len(b) > 1 && batchSize(b) > tc.target {
				t.Errorf("batch of %d bytes over target %d", batchSize(b), tc.target)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("packBatches(%v, %d) = %v, want %v", tc.sizes, tc.target, got, tc.want)
		}
	}
}

func TestTrimBlocks(t *testing.T) {
	mb := make([]byte, 1<<20)
	blocks := make([][]byte, 20)
	for i := range blocks {
		blocks[i] = mb
	}
	if n := len(trimBlocks(blocks, 64)); n != MaxSyncBytes>>20 {
		t.Errorf("%d blocks of 1 MiB, want %d", n, MaxSyncBytes>>20)
	}
	if n := len(trimBlocks(blocks, 3)); n != 3 {
		t.Errorf("%d blocks, want 3", n)
	}
	if n := len(trimBlocks([][]byte{make([]byte, types.MaxBlockSize+1)}, 1)); n != 0 {
		t.Errorf("a block over the block size limit was kept")
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add(encodeBatch([][]byte{[]byte("tx")}))
	f.Add(encodeBatch([][]byte{{1}, {2, 3}, bytes.Repeat([]byte{4}, 300)}))
	f.Add([]byte{wireVersion, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		txs, err := decodeBatch(b)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeBatch(txs), b) {
			t.Fatalf("encode(decode(%x)) differs", b)
		}
	})
}

func FuzzDecodeStatus(f *testing.F) {
	f.Add(encodeStatus(Status{ChainID: "noded-dev", Height: 5}))
	f.Add([]byte{wireVersion, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeStatus(b)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeStatus(st), b) {
			t.Fatalf("encode(decode(%x)) differs", b)
		}
	})
}

// FuzzBlocksResponse feeds arbitrary answers to the block range client.
func FuzzBlocksResponse(f *testing.F) {
	f.Add([]byte{codeOK, 0, 0, 0, 1, 0, 0, 0, 2, 'h', 'i'}, uint64(1), uint64(2))
	f.Add([]byte{codeBadRequest, 0, 3, 'n', 'o', '!'}, uint64(1), uint64(2))
	f.Fuzz(func(t *testing.T, resp []byte, from, to uint64) {
		if from > to {
			return
		}
		rw := &fakeStream{r: bytes.NewReader(resp)}
		blocks, err := readBlocksResponse(rw, from, to, encodeRangeRequest(from, to))
		if err != nil {
			return
		}
		total := 0
		for _, b := range blocks {
			total += len(b)
		}
		if uint64(len(blocks)-1) > to-from && len(blocks) > 0 || total > len(resp) {
			t.Fatalf("%d blocks of %d bytes from a %d-byte answer", len(blocks), total, len(resp))
		}
	})
}

type fakeStream struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (s *fakeStream) Read(p []byte) (int, error)  { return s.r.Read(p) }
func (s *fakeStream) Write(p []byte) (int, error) { return s.w.Write(p) }

// p2p is about networking: it must not reach into the node's other parts.
func TestImports(t *testing.T) {
	forbidden := []string{"node", "rpc", "store", "chain", "mempool", "vm", "cmd"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, p := range forbidden {
				if path == "github.com/noded/noded/"+p || strings.HasPrefix(path, "github.com/noded/noded/"+p+"/") {
					t.Errorf("%s imports %s", name, path)
				}
			}
		}
	}
}
