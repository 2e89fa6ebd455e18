package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/client"
	counter "github.com/noded/noded/contracts/examples/counter-wat"
	"github.com/noded/noded/node"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// counterFile is the example contract as the README deploys it.
const counterFile = "../../contracts/examples/counter-wat/counter.wasm"

// devNode runs a dev node in-process until the test ends; the returned
// args (--home, --rpc) point commands at it and at its keystore, which
// holds dev0..dev3.
func devNode(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	n, err := node.New(node.Config{Home: home, Dev: true, RPCAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node: %v", err)
		}
	})
	return []string{"--home", home, "--rpc", "http://" + n.RPCAddr()}
}

func le64(v uint64) string { return hexutil.Encode(binary.LittleEndian.AppendUint64(nil, v)) }

// deployed is the part of deploy --json the tests read.
type deployed struct {
	Hash            types.Hash       `json:"hash"`
	GasLimit        uint64           `json:"gasLimit"`
	Estimate        *rpc.RPCEstimate `json:"estimate"`
	ContractAddress *types.Address   `json:"contractAddress"`
	Receipt         *rpc.RPCReceipt  `json:"receipt"`
}

func deployCounter(t *testing.T, args []string, from string, extra ...string) deployed {
	t.Helper()
	out := mustRun(t, with(args, append([]string{"contract", "deploy", counterFile, "--from", from, "--json"}, extra...)...)...)
	var d deployed
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if d.ContractAddress == nil || d.Receipt == nil || d.Receipt.Status != rpc.ReceiptStatusSuccess {
		t.Fatalf("deploy: %s", out)
	}
	return d
}

func TestContractDeployCallQuery(t *testing.T) {
	args := devNode(t)

	// Deploy with the default gas: the estimate plus 20%, which the
	// receipt's gas used matches.
	d := deployCounter(t, args, "dev0", "--init-hex", le64(41))
	if d.Estimate == nil || d.Receipt.GasUsed != d.Estimate.Gas || d.GasLimit != uint64(d.Estimate.Gas)*12/10 {
		t.Errorf("deploy gas: limit %d, estimate %+v, used %d", d.GasLimit, d.Estimate, d.Receipt.GasUsed)
	}
	addr := d.ContractAddress.String()
	deployBlock := uint64(d.Receipt.BlockNumber)

	// The text form says the same.
	out := mustRun(t, with(args, "contract", "deploy", counterFile, "--from", "dev1")...)
	for _, want := range []string{"contract address: 0x", "gas estimate:", "gas limit:", "(estimate + 20%)", "gas used:", "hash:", "success"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}
	zero := regexp.MustCompile(`contract address: (0x[0-9a-f]{40})`).FindStringSubmatch(out)[1]

	// A call: receipt with return data, its readings, and the event.
	out = mustRun(t, with(args, "contract", "call", addr, counter.MethodIncrement, "--from", "dev2")...)
	for _, want := range []string{"status:", "success", "return data:", le64(42) + " (uint64 42)", "event:", addr + " incremented " + le64(42)} {
		if !strings.Contains(out, want) {
			t.Errorf("call output lacks %q:\n%s", want, out)
		}
	}

	// Queries: now, at the deploy block, as JSON; nothing is committed.
	out = mustRun(t, with(args, "contract", "query", addr, counter.MethodGet)...)
	if !strings.Contains(out, le64(42)+" (uint64 42)") || !regexp.MustCompile(`gas used:\s+[1-9]`).MatchString(out) {
		t.Errorf("query output:\n%s", out)
	}
	out = mustRun(t, with(args, "contract", "query", addr, counter.MethodGet, "--block", hexutil.EncodeUint64(deployBlock))...)
	if !strings.Contains(out, "uint64 41") {
		t.Errorf("query at the deploy block:\n%s", out)
	}
	var q struct {
		Contract   types.Address `json:"contract"`
		Method     string        `json:"method"`
		ReturnData hexutil.Bytes `json:"returnData"`
		Events     []rpc.RPCEvent
	}
	out = mustRun(t, with(args, "contract", "query", addr, counter.MethodIncrement, "--json", "--from", "dev0", "--input-json", `{"x":1}`)...)
	if err := json.Unmarshal([]byte(out), &q); err != nil || q.Contract.String() != addr || q.Method != "increment" ||
		q.ReturnData.String() != le64(43) || len(q.Events) != 1 {
		t.Errorf("query --json: %+v %v\n%s", q, err, out)
	}
	if out := mustRun(t, with(args, "contract", "query", addr, counter.MethodGet)...); !strings.Contains(out, "uint64 42") {
		t.Errorf("a query changed the count:\n%s", out)
	}

	// Storage and code.
	out = mustRun(t, with(args, "contract", "storage", addr, "--key-string", counter.StorageKey)...)
	if !strings.Contains(out, `(text "count")`) || !strings.Contains(out, le64(42)+" (uint64 42)") {
		t.Errorf("storage:\n%s", out)
	}
	var st struct {
		Value *hexutil.Bytes `json:"value"`
	}
	out = mustRun(t, with(args, "contract", "storage", addr, hexutil.Encode([]byte("count")), "--json", "--block", hexutil.EncodeUint64(deployBlock))...)
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Value == nil || st.Value.String() != le64(41) {
		t.Errorf("storage --json at the deploy block: %s", out)
	}
	if out := mustRun(t, with(args, "contract", "storage", addr, "--key-string", "nothing")...); !regexp.MustCompile(`value:\s+none`).MatchString(out) {
		t.Errorf("absent key:\n%s", out)
	}
	out = mustRun(t, with(args, "contract", "code", addr)...)
	if strings.TrimSpace(out) != hexutil.Encode(counter.Wasm) {
		t.Errorf("code: %.80s...", out)
	}
	file := filepath.Join(t.TempDir(), "c.wasm")
	mustRun(t, with(args, "contract", "code", addr, "--out", file)...)
	if b, err := os.ReadFile(file); err != nil || !bytes.Equal(b, counter.Wasm) {
		t.Errorf("code --out: %d bytes, %v", len(b), err)
	}
	if reason := mustFail(t, with(args, "contract", "code", "dev0")...); !strings.Contains(reason, "no contract at") {
		t.Errorf("code of an account: %q", reason)
	}

	// Failures. The estimate refuses a call that would revert: nothing
	// is sent. With --gas it is sent, fails, and the reason is printed.
	reason := mustFail(t, with(args, "contract", "call", zero, counter.MethodDecrement, "--from", "dev3")...)
	if !strings.Contains(reason, "would fail: reverted: counter is already zero") {
		t.Errorf("call that would revert: %q", reason)
	}
	if out := mustRun(t, with(args, "account", "dev3")...); !regexp.MustCompile(`nonce:\s+0\n`).MatchString(out) {
		t.Errorf("a refused call was sent:\n%s", out)
	}
	out, err := runCLI(t, "", with(args, "contract", "call", zero, counter.MethodDecrement, "--from", "dev3", "--gas", "200000")...)
	if err == nil || !strings.Contains(err.Error(), "call failed") || !strings.Contains(err.Error(), "reverted: counter is already zero") ||
		!regexp.MustCompile(`error:\s+reverted: counter is already zero`).MatchString(out) || !strings.Contains(out, "failed") {
		t.Errorf("reverted call: %v\n%s", err, out)
	}
	out, err = runCLI(t, "", with(args, "contract", "call", addr, counter.MethodIncrement, "--from", "dev3", "--gas", "1100")...)
	if err == nil || !strings.Contains(err.Error(), "out of gas") || !strings.Contains(out, "gas used:") {
		t.Errorf("out of gas: %v\n%s", err, out)
	}
	if reason := mustFail(t, with(args, "contract", "query", zero, counter.MethodDecrement)...); !strings.Contains(reason, "failed: reverted: counter is already zero") {
		t.Errorf("reverting query: %q", reason)
	}

	// --no-wait returns the hash; the receipt comes later.
	out = mustRun(t, with(args, "contract", "call", addr, counter.MethodIncrement, "--from", "dev0", "--no-wait", "--json")...)
	var sent struct {
		Hash    types.Hash      `json:"hash"`
		Receipt *rpc.RPCReceipt `json:"receipt"`
	}
	if err := json.Unmarshal([]byte(out), &sent); err != nil || sent.Hash.IsZero() || sent.Receipt != nil {
		t.Fatalf("--no-wait: %s", out)
	}
	if out := mustRun(t, with(args, "tx", "get", sent.Hash.String())...); !strings.Contains(out, "increment") {
		t.Errorf("the --no-wait call:\n%s", out)
	}
}

func TestContractEvents(t *testing.T) {
	args := devNode(t)
	d := deployCounter(t, args, "dev0")
	addr := d.ContractAddress.String()
	for range 2 {
		mustRun(t, with(args, "contract", "call", addr, counter.MethodIncrement, "--from", "dev0")...)
	}
	out := mustRun(t, with(args, "contract", "call", addr, counter.MethodDecrement, "--from", "dev0", "--json")...)
	var last deployed
	if err := json.Unmarshal([]byte(out), &last); err != nil || last.Receipt == nil {
		t.Fatalf("%v\n%s", err, out)
	}

	out = mustRun(t, with(args, "contract", "events")...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "BLOCK") || !strings.Contains(lines[1], "incremented") ||
		!strings.Contains(lines[2], "uint64 2") || !strings.Contains(lines[3], "decremented") {
		t.Errorf("events:\n%s", out)
	}
	var logs []rpc.RPCEventLog
	out = mustRun(t, with(args, "contract", "events", "--topic", counter.TopicDecremented, "--address", addr, "--json")...)
	if err := json.Unmarshal([]byte(out), &logs); err != nil || len(logs) != 1 || logs[0].Topic != "decremented" ||
		logs[0].Data.String() != le64(1) || logs[0].Address.String() != addr {
		t.Errorf("events --topic --json: %v\n%s", err, out)
	}
	out = mustRun(t, with(args, "contract", "events", "--from-block", "0", "--to-block", hexutil.EncodeUint64(uint64(d.Receipt.BlockNumber)))...)
	if strings.TrimSpace(out) != "no events" {
		t.Errorf("events up to the deploy:\n%s", out)
	}
	// The range is cut at the head.
	out = mustRun(t, with(args, "contract", "events", "--from-block", "0", "--to-block", "20000", "--json")...)
	if err := json.Unmarshal([]byte(out), &logs); err != nil || len(logs) != 3 {
		t.Errorf("events up to block 20000: %v\n%s", err, out)
	}
	if reason := mustFail(t, with(args, "contract", "events", "--from-block", "3", "--to-block", "1")...); !strings.Contains(reason, "above toBlock") {
		t.Errorf("reversed range: %q", reason)
	}
}

func TestContractArgumentErrors(t *testing.T) {
	args := []string{"--home", t.TempDir(), "--rpc", "http://127.0.0.1:1"}
	notWasm := filepath.Join(t.TempDir(), "counter.wat")
	os.WriteFile(notWasm, []byte(counter.WAT), 0o644)
	contract := "0x2adba941c4f049fb96b0c07f00ad45333b8a96c0"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"contract", "deploy", notWasm, "--from", "dev0"}, "not a WebAssembly binary"},
		{[]string{"contract", "deploy", "/no/such.wasm", "--from", "dev0"}, "no such file"},
		{[]string{"contract", "deploy", counterFile}, `"from" not set`},
		{[]string{"contract", "deploy", counterFile, "--from", "dev0", "--init-hex", "0x1"}, "--init-hex"},
		{[]string{"contract", "deploy", counterFile, "--from", "dev0", "--init-hex", "0x", "--init-json", "{}"}, "none of the others"},
		{[]string{"contract", "call", contract, "get", "--from", "dev0", "--input-json", "{"}, "--input-json: not valid JSON"},
		{[]string{"contract", "call", contract, "--from", "dev0"}, "want ADDR and METHOD"},
		{[]string{"contract", "call", "0x12", "get", "--from", "dev0"}, "contract:"},
		{[]string{"contract", "call", contract, "get", "--from", "nobody"}, "--from: keystore: no such key"},
		{[]string{"contract", "query", contract, "get", "--block", "pending"}, "--block"},
		{[]string{"contract", "query", contract, "get", "--input-hex", "zz"}, "--input-hex"},
		{[]string{"contract", "storage", contract}, "want ADDR and KEY"},
		{[]string{"contract", "storage", contract, "count"}, "KEY:"},
		{[]string{"contract", "storage", contract, "--key-string", strings.Repeat("k", 257)}, "at most 256"},
		{[]string{"contract", "events", "--to-block", "soon"}, "--to-block"},
		{[]string{"contract", "events", "--follow", "--from-block", "0"}, "takes no --from-block"},
		{[]string{"contract", "query", contract, "get"}, "cannot reach the node"},
		{[]string{"contract", "frobnicate"}, "unknown command"},
	} {
		reason := mustFail(t, with(args, tc.args...)...)
		if !strings.Contains(reason, tc.want) {
			t.Errorf("%v: %q, want %q", tc.args, reason, tc.want)
		}
	}
	for _, sub := range []string{"deploy", "call", "query", "code", "storage", "events"} {
		out := mustRun(t, with(args, "contract", sub, "--help")...)
		if !strings.Contains(out, "Examples:") || !strings.Contains(out, "--json") || !strings.Contains(out, "--rpc") || !strings.Contains(out, "--home") {
			t.Errorf("contract %s --help:\n%s", sub, out)
		}
	}
}

// lineWriter sends what is written to it on lines, a line at a time.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines <- string(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

func nextLine(t *testing.T, ch <-chan string, what string) string {
	t.Helper()
	select {
	case l := <-ch:
		return l
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s", what)
		return ""
	}
}

// events --follow prints the events of new blocks until its context ends.
func TestContractEventsFollow(t *testing.T) {
	args := devNode(t)
	d := deployCounter(t, args, "dev0")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &lineWriter{lines: make(chan string, 16)}, &lineWriter{lines: make(chan string, 16)}
	root := newRootCmd()
	root.SetOut(out)
	root.SetErr(errOut)
	root.SetArgs(with(args, "contract", "events", "--follow", "--json", "--topic", counter.TopicIncremented))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	if l := nextLine(t, errOut.lines, "subscription"); !strings.Contains(l, "waiting for the events") {
		t.Fatalf("stderr: %q", l)
	}

	// Two calls by another client: only the "incremented" event shows.
	c, err := client.Dial(ctx, args[3])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, method := range []string{counter.MethodIncrement, counter.MethodDecrement, counter.MethodIncrement} {
		tx := client.NewCall(node.DefaultChainID, uint64(i), *d.ContractAddress, method, nil, types.Amount{}, 100_000, 1)
		tx.Sign(node.DevKey(1))
		if _, err := c.SendTx(ctx, tx); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []uint64{1, 1} {
		var ev rpc.RPCEventLog
		l := nextLine(t, out.lines, "event")
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev.Topic != counter.TopicIncremented ||
			ev.Address != *d.ContractAddress || ev.Data.String() != le64(want) {
			t.Errorf("event line %q: %v", l, err)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("--follow ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("--follow did not stop with its context")
	}
}
