package vm

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	counterc "github.com/noded/noded/contracts/examples/counter-c"
	counter "github.com/noded/noded/contracts/examples/counter-wat"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Conformance vectors: testdata/vectors/*.json each name a module and a
// sequence of deploys and calls, with the outcome every engine must give:
// gas used, return (or revert) data, error, events, and the changes to
// storage and balances. TestConformanceVectors runs every file on every
// engine of the build (engineFactories) through the VM and the fake host,
// as the chain runs contracts, and fails on any difference from the file.
//
//	go test ./vm -run TestConformanceVectors -update
//
// rewrites the outcomes (and the .wasm beside each .wat) from the engines,
// and refuses if they disagree with each other or if this build has only
// one engine. A change to the instrumenter or the gas schedule changes
// gas figures: review the diff of the files, then commit it.
//
// A file's module is one of:
//
//	"wat": "name.wat"       a module in testdata/vectors, shipped compiled
//	                        as name.wasm (a build without cgo cannot compile
//	                        WAT; with cgo the test checks the two agree)
//	"example": "counter-wat" the committed module of a non-Go example
//	"go_example": "token"   a Go example, built by `noded contract build`'s
//	                        rules; code_hash tells whether the toolchain or
//	                        the source gave other code than the file's
//
// Each file starts from a fresh host: accounts alice (the default
// caller) and bob with 1,000,000 each, the contract at vectorContract,
// every step in vectorEnv's block and transaction. Byte strings in the
// files are text when they are printable UTF-8 not beginning with "0x",
// else 0x-hex.

var update = flag.Bool("update", false, "rewrite testdata/vectors from the engines (TestConformanceVectors), which must agree")

// VectorGoExample builds a Go example contract (examples.Build). Package
// examples imports vm, so the external test package sets it
// (vectors_examples_test.go).
var VectorGoExample func(tb testing.TB, name string) []byte

// VectorCodeCache, if set, is the code cache of the vectors' VMs in the
// place of testCodeCache: vectors_examples_test.go sets the contract
// tests' cache on disk.
var VectorCodeCache CodeCache

const vectorDir = "testdata/vectors"

// vectorFile is one file of testdata/vectors.
type vectorFile struct {
	About  string       `json:"about,omitempty"`
	Module vectorModule `json:"module"`
	Steps  []vectorStep `json:"steps"`
}

type vectorModule struct {
	WAT       string `json:"wat,omitempty"`
	Example   string `json:"example,omitempty"`
	GoExample string `json:"go_example,omitempty"`
	CodeHash  string `json:"code_hash,omitempty"`
	CodeSize  int    `json:"code_size,omitempty"`
}

// vectorStep is a deploy (of the file's module, at vectorContract) or a
// call of a method of it.
type vectorStep struct {
	Deploy bool           `json:"deploy,omitempty"`
	Call   string         `json:"call,omitempty"`
	From   string         `json:"from,omitempty"` // an account of vectorAccounts; default alice
	Input  vbytes         `json:"input,omitempty"`
	Value  uint64         `json:"value,omitempty"`
	Gas    uint64         `json:"gas,omitempty"` // default MaxGas
	Expect *vectorOutcome `json:"expect,omitempty"`
}

type vectorOutcome struct {
	GasUsed  uint64          `json:"gas_used"`
	Error    string          `json:"error,omitempty"`
	Return   vbytes          `json:"return,omitempty"` // the return data, or the revert data
	Events   []vectorEvent   `json:"events,omitempty"`
	Storage  []vectorEntry   `json:"storage,omitempty"`  // entries written or deleted
	Balances []vectorBalance `json:"balances,omitempty"` // balances changed
}

type vectorEvent struct {
	Address string `json:"address,omitempty"` // omitted: the contract
	Topic   string `json:"topic"`
	Data    vbytes `json:"data,omitempty"`
}

type vectorEntry struct {
	Contract string `json:"contract,omitempty"` // omitted: the contract
	Key      vbytes `json:"key"`
	Value    vbytes `json:"value,omitempty"`
	Deleted  bool   `json:"deleted,omitempty"`
}

type vectorBalance struct {
	Account string `json:"account"`
	Balance string `json:"balance"`
}

// vbytes is a byte string in a vector file.
type vbytes []byte

func (b vbytes) MarshalJSON() ([]byte, error) { return json.Marshal(b.text()) }

func (b vbytes) text() string {
	s := string(b)
	if !utf8.ValidString(s) || strings.HasPrefix(s, "0x") {
		return "0x" + hex.EncodeToString(b)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return "0x" + hex.EncodeToString(b)
		}
	}
	return s
}

func (b *vbytes) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		d, err := hex.DecodeString(h)
		*b = d
		return err
	}
	*b = vbytes(s)
	return nil
}

// The accounts of the vectors, the contract's address and the block and
// transaction every step runs in.
var (
	vectorContract = addr(0xCC)
	vectorAccounts = map[string]types.Address{"alice": alice, "bob": bob}
	vectorEnv      = Env{BlockHeight: 7, BlockTime: 1_700_000_000_000, TxHash: types.Hash{1, 2, 3}, Origin: alice}
)

const vectorStartBalance = 1_000_000

func vectorName(a types.Address) string {
	if a == vectorContract {
		return "contract"
	}
	for name, acc := range vectorAccounts {
		if acc == a {
			return name
		}
	}
	return a.String()
}

// vectorExamples are the non-Go examples, by folder name.
var vectorExamples = map[string][]byte{"counter-wat": counter.Wasm, "counter-c": counterc.Wasm}

func TestConformanceVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors in %s: %v", vectorDir, err)
	}
	engines := slices.Sorted(maps.Keys(engineFactories))
	if *update && len(engines) < 2 {
		t.Fatalf("-update needs every engine to check them against each other; this build has %v (build with cgo)", engines)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			vf := readVectorFile(t, file)
			code, wasmFile := vectorCode(t, &vf.Module)
			runs := make([][]vectorOutcome, len(engines))
			for i, name := range engines {
				runs[i] = runVectors(t, name, vf, code)
			}
			if *update {
				for i := 1; i < len(engines); i++ {
					if diff := diffOutcomes(vf.Steps, runs[0], runs[i]); diff != "" {
						t.Fatalf("engines disagree, %s not rewritten: %s (-) against %s (+):\n%s", file, engines[0], engines[i], diff)
					}
				}
				for i := range vf.Steps {
					vf.Steps[i].Expect = &runs[0][i]
				}
				writeVectorFile(t, file, vf)
				if wasmFile != "" {
					if err := os.WriteFile(wasmFile, code, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			want := make([]vectorOutcome, len(vf.Steps))
			for i, s := range vf.Steps {
				if s.Expect == nil {
					t.Fatalf("step %d has no expected outcome: run go test ./vm -run TestConformanceVectors -update", i)
				}
				want[i] = *s.Expect
			}
			for i, name := range engines {
				if diff := diffOutcomes(vf.Steps, want, runs[i]); diff != "" {
					t.Errorf("%s differs from %s (- file, + engine); if the change is intended, run -update:\n%s", name, file, diff)
				}
			}
		})
	}
}

func readVectorFile(t *testing.T, file string) *vectorFile {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vf); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for i, s := range vf.Steps {
		if s.Deploy == (s.Call != "") {
			t.Fatalf("%s: step %d must either deploy or call", file, i)
		}
		if _, ok := vectorAccounts[s.From]; s.From != "" && !ok {
			t.Fatalf("%s: step %d: unknown account %q", file, i, s.From)
		}
	}
	return &vf
}

func writeVectorFile(t *testing.T, file string, vf *vectorFile) {
	t.Helper()
	data, err := json.MarshalIndent(vf, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// vectorCode returns the code of the file's module, checking it against
// the hash the file records (and setting it with -update), and for a WAT
// module the .wasm file that -update writes it to.
func vectorCode(t *testing.T, m *vectorModule) (code []byte, wasmFile string) {
	t.Helper()
	switch {
	case m.WAT != "":
		code, wasmFile = vectorWAT(t, m.WAT)
	case m.Example != "":
		var ok bool
		if code, ok = vectorExamples[m.Example]; !ok {
			t.Fatalf("unknown example %q", m.Example)
		}
	case m.GoExample != "":
		if VectorGoExample == nil {
			t.Skip("no builder of Go examples in this test binary")
		}
		code = VectorGoExample(t, m.GoExample)
	default:
		t.Fatal("the module names no wat, example or go_example")
	}
	hash := types.Hash(crypto.Sum256(code)).String()
	if *update {
		m.CodeHash, m.CodeSize = hash, len(code)
	} else if m.CodeHash != hash {
		t.Fatalf("the module's code hash is %s, the file's %s: its source or the Go toolchain changed; run -update", hash, m.CodeHash)
	}
	return code, wasmFile
}

// vectorWAT returns the module of testdata/vectors/name (a .wat) and the
// .wasm beside it: a build without cgo, which cannot compile WAT, runs
// the .wasm; a build with cgo compiles the .wat and checks that the .wasm
// is the same (-update rewrites it).
func vectorWAT(t *testing.T, name string) (code []byte, wasmFile string) {
	t.Helper()
	wasmFile = filepath.Join(vectorDir, strings.TrimSuffix(name, ".wat")+".wasm")
	committed, err := os.ReadFile(wasmFile)
	if !wasmerBuilt { // wat needs wasmer's wat2wasm
		if err != nil {
			t.Fatal(err)
		}
		return committed, ""
	}
	src, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	code = wat(t, string(src))
	if !*update && !bytes.Equal(code, committed) {
		t.Fatalf("%s is not the compiled %s: run -update", wasmFile, name)
	}
	return code, wasmFile
}

// runVectors runs the steps of vf on a fresh VM of the engine and a
// fresh fake host, and returns their outcomes.
func runVectors(t *testing.T, engine string, vf *vectorFile, code []byte) []vectorOutcome {
	t.Helper()
	var cache CodeCache = testCodeCache
	if VectorCodeCache != nil {
		cache = VectorCodeCache
	}
	v, err := New(engineFactories[engine](), Options{CodeCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := v.Close(); err != nil {
			t.Error(err)
		}
	}()
	h := newFakeHost()
	for _, a := range vectorAccounts {
		h.balances[a] = types.NewAmount(vectorStartBalance)
	}
	out := make([]vectorOutcome, len(vf.Steps))
	for i, s := range vf.Steps {
		from := alice
		if s.From != "" {
			from = vectorAccounts[s.From]
		}
		gas := s.Gas
		if gas == 0 {
			gas = MaxGas
		}
		env := vectorEnv
		storage, balances := maps.Clone(h.storage), maps.Clone(h.balances)
		var r Result
		if s.Deploy {
			r = v.Deploy(context.Background(), h, &env, from, vectorContract, code, s.Input, types.NewAmount(s.Value), gas)
		} else {
			r = v.Call(context.Background(), h, &env, CallRequest{Caller: from, Contract: vectorContract, Method: s.Call, Input: s.Input, Value: types.NewAmount(s.Value), Gas: gas})
		}
		out[i] = vectorOutcomeOf(r, storage, balances, h)
	}
	return out
}

// vectorOutcomeOf is the outcome of a step that gave r and changed the
// host's storage and balances from those given.
func vectorOutcomeOf(r Result, storage map[string][]byte, balances map[types.Address]types.Amount, h *fakeHost) vectorOutcome {
	o := vectorOutcome{GasUsed: r.GasUsed, Return: r.ReturnData}
	if r.Err != nil {
		o.Error = r.Err.Error()
	}
	for _, e := range r.Events {
		ev := vectorEvent{Topic: e.Topic, Data: e.Data}
		if e.Address != vectorContract {
			ev.Address = e.Address.String()
		}
		o.Events = append(o.Events, ev)
	}
	keys := map[string]bool{}
	for k := range storage {
		keys[k] = true
	}
	for k := range h.storage {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		old, had := storage[k]
		now, has := h.storage[k]
		if had == has && bytes.Equal(old, now) {
			continue
		}
		var contract types.Address
		copy(contract[:], k)
		e := vectorEntry{Key: vbytes(k[len(contract):]), Value: now, Deleted: !has}
		if contract != vectorContract {
			e.Contract = contract.String()
		}
		o.Storage = append(o.Storage, e)
	}
	accounts := map[types.Address]bool{}
	for a := range balances {
		accounts[a] = true
	}
	for a := range h.balances {
		accounts[a] = true
	}
	for _, a := range slices.SortedFunc(maps.Keys(accounts), func(a, b types.Address) int { return bytes.Compare(a[:], b[:]) }) {
		if now, old := h.balances[a], balances[a]; now != old {
			o.Balances = append(o.Balances, vectorBalance{Account: vectorName(a), Balance: now.Dec()})
		}
	}
	return o
}

// diffOutcomes lists the steps whose outcomes differ, with both.
func diffOutcomes(steps []vectorStep, a, b []vectorOutcome) string {
	var sb strings.Builder
	for i := range steps {
		ja, _ := json.Marshal(a[i])
		jb, _ := json.Marshal(b[i])
		if !bytes.Equal(ja, jb) {
			what := "deploy"
			if steps[i].Call != "" {
				what = "call " + steps[i].Call
			}
			fmt.Fprintf(&sb, "step %d (%s):\n- %s\n+ %s\n", i, what, ja, jb)
		}
	}
	return sb.String()
}
