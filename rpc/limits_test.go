package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestBatch(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	status, body := post(t, s.url(), `[
		{"jsonrpc":"2.0","id":1,"method":"chain_id"},
		{"jsonrpc":"2.0","method":"chain_blockNumber"},
		{"jsonrpc":"2.0","id":"b","method":"chain_blockNumber"},
		{"jsonrpc":"2.0","id":3,"method":"no_such"},
		{"jsonrpc":"2.0","id":4,"method":"tx_send","params":["0x"]}]`)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	var rs []response
	if err := json.Unmarshal(body, &rs); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if len(rs) != 4 { // the notification gets no response
		t.Fatalf("%d responses: %s", len(rs), body)
	}
	if string(rs[0].ID) != "1" || string(rs[0].Result) != `"noded-test"` ||
		string(rs[1].ID) != `"b"` || string(rs[1].Result) != `"0x2"` ||
		string(rs[2].ID) != "3" || rs[2].Error == nil || rs[2].Error.Code != CodeMethodNotFound ||
		string(rs[3].ID) != "4" || rs[3].Error == nil || rs[3].Error.Code != CodeMalformed {
		t.Errorf("batch: %s", body)
	}
}

func TestBatchLimits(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{MaxBatchItems: 3, MaxBatchResponseBytes: 1500})
	item := `{"jsonrpc":"2.0","id":1,"method":"chain_id"}`
	_, body := post(t, s.url(), "["+strings.Repeat(item+",", 3)+item+"]")
	var rs []response
	if err := json.Unmarshal(body, &rs); err != nil || len(rs) != 1 || rs[0].Error == nil ||
		rs[0].Error.Code != CodeInvalidRequest || !strings.Contains(rs[0].Error.Message, "batch too large") {
		t.Errorf("over the item limit: %s", body)
	}
	_, body = post(t, s.url(), "["+strings.Repeat(item+",", 2)+item+"]")
	rs = nil
	if err := json.Unmarshal(body, &rs); err != nil || len(rs) != 3 || rs[2].Error != nil {
		t.Errorf("at the item limit: %s", body)
	}

	// Each block is ~900 bytes: the second crosses 1500 bytes, and the
	// calls after it are refused.
	blk := `{"jsonrpc":"2.0","id":1,"method":"chain_getBlockByNumber","params":["0x1"]}`
	_, body = post(t, s.url(), "["+blk+","+blk+","+blk+"]")
	rs = nil
	if err := json.Unmarshal(body, &rs); err != nil || len(rs) != 3 {
		t.Fatalf("response limit: %s", body)
	}
	if rs[0].Error != nil || rs[1].Error != nil || rs[2].Error == nil || rs[2].Error.Code != -32003 {
		t.Errorf("response limit: %s", body)
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{MaxBodyBytes: 1024})
	callAt := func(size int) string {
		c := `{"jsonrpc":"2.0","id":1,"method":"chain_id"}`
		return c + strings.Repeat(" ", size-len(c))
	}
	status, body := post(t, s.url(), callAt(1024))
	if status != http.StatusOK || !strings.Contains(string(body), `"result":"noded-test"`) {
		t.Errorf("at the limit: %d %s", status, body)
	}
	if status, body := post(t, s.url(), callAt(1025)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("over the limit: %d %s", status, body)
	}

	// A chunked body has no length to check up front: it is cut at the
	// limit and fails to parse.
	long := `{"jsonrpc":"2.0","id":1,"method":"chain_id","params":["` + strings.Repeat("a", 2000) + `"]}`
	req, err := http.NewRequest(http.MethodPost, s.url(), io.MultiReader(strings.NewReader(long)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.TransferEncoding = []string{"chunked"}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r response
	if json.Unmarshal(b, &r) != nil || r.Error == nil || r.Error.Code != CodeParseError {
		t.Errorf("chunked over the limit: %d %s", resp.StatusCode, b)
	}
}

func TestProtocolErrors(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	for _, tc := range []struct {
		name, body string
		code       int
		msg        string
	}{
		{"parse error", `{"jsonrpc":"2.0","id":1,`, CodeParseError, ""},
		{"not json", `hello`, CodeParseError, ""},
		{"unknown method", `{"jsonrpc":"2.0","id":1,"method":"chain_nope"}`, CodeMethodNotFound, "chain_nope"},
		{"unknown namespace", `{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}`, CodeMethodNotFound, ""},
		{"no method", `{"jsonrpc":"2.0","id":1}`, CodeInvalidRequest, ""},
		{"wrong version", `{"jsonrpc":"1.0","id":1,"method":"chain_id"}`, CodeInvalidRequest, ""},
		{"empty batch", `[]`, CodeInvalidRequest, "empty batch"},
		{"block tag", `{"jsonrpc":"2.0","id":1,"method":"chain_getBlockByNumber","params":["pending"]}`, CodeInvalidParams, `"latest", "finalized" or "earliest"`},
		{"block number", `{"jsonrpc":"2.0","id":1,"method":"chain_getBlockByNumber","params":[1]}`, CodeInvalidParams, `"latest", "finalized" or "earliest"`},
		{"block leading zero", `{"jsonrpc":"2.0","id":1,"method":"chain_getBlockByNumber","params":["0x01"]}`, CodeInvalidParams, "leading zero"},
		{"block too big", `{"jsonrpc":"2.0","id":1,"method":"chain_getBlockByNumber","params":["0x8000000000000000"]}`, CodeInvalidParams, "out of range"},
		{"missing block", `{"jsonrpc":"2.0","id":1,"method":"chain_getBlockByNumber","params":[]}`, CodeInvalidParams, "missing value"},
		{"fullTx not bool", `{"jsonrpc":"2.0","id":1,"method":"chain_getBlockByNumber","params":["latest","yes"]}`, CodeInvalidParams, ""},
		{"too many params", `{"jsonrpc":"2.0","id":1,"method":"chain_id","params":[1]}`, CodeInvalidParams, "too many arguments"},
		{"params not array", `{"jsonrpc":"2.0","id":1,"method":"chain_id","params":{"a":1}}`, CodeInvalidParams, ""},
		{"short address", `{"jsonrpc":"2.0","id":1,"method":"state_getAccount","params":["0x12"]}`, CodeInvalidParams, "address"},
		{"bad hash", `{"jsonrpc":"2.0","id":1,"method":"tx_get","params":["0xzz"]}`, CodeInvalidParams, "hash"},
		{"tx_send no params", `{"jsonrpc":"2.0","id":1,"method":"tx_send"}`, CodeInvalidParams, "missing value"},
		{"subscribe over HTTP", `{"jsonrpc":"2.0","id":1,"method":"chain_subscribe","params":["newHeads"]}`, CodeMethodNotFound, "notifications not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, s.url(), tc.body)
			var r response
			if status != http.StatusOK || json.Unmarshal(body, &r) != nil || r.Error == nil {
				t.Fatalf("%d %s", status, body)
			}
			if r.Error.Code != tc.code || !strings.Contains(r.Error.Message, tc.msg) {
				t.Errorf("got %d %q, want %d containing %q", r.Error.Code, r.Error.Message, tc.code, tc.msg)
			}
		})
	}

	// A notification is answered with nothing.
	if status, body := post(t, s.url(), `{"jsonrpc":"2.0","method":"chain_id"}`); status != http.StatusOK || len(body) != 0 {
		t.Errorf("notification: %d %q", status, body)
	}
}

func TestHTTPRouting(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	s.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "noded_up 1\n")
	}))
	get := func(path string) (int, string, string) {
		resp, err := http.Get("http://" + s.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	if code, ct, body := get("/health"); code != 200 || ct != "application/json" || body != `{"status":"ok","height":"0x2"}` {
		t.Errorf("/health: %d %s %s", code, ct, body)
	}
	if code, _, body := get("/"); code != 200 || body != "" {
		t.Errorf("GET /: %d %q", code, body)
	}
	jsonEqual(t, "rpc_modules", result(t, s, "rpc_modules"),
		`{"chain":"1.0","contract":"1.0","dev":"1.0","mempool":"1.0","net":"1.0","node":"1.0","rpc":"1.0","snap":"1.0","state":"1.0","tx":"1.0","vm":"1.0"}`)
	if code, _, body := get("/metrics"); code != 200 || body != "noded_up 1\n" {
		t.Errorf("/metrics: %d %s", code, body)
	}
	if code, _, _ := get("/nope"); code != http.StatusNotFound {
		t.Errorf("/nope: %d", code)
	}
	if status, _ := post(t, "http://"+s.Addr().String()+"/nope", `{"jsonrpc":"2.0","id":1,"method":"chain_id"}`); status != http.StatusNotFound {
		t.Errorf("POST /nope: %d", status)
	}
	resp, err := http.Post(s.url(), "text/plain", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"chain_id"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPut, s.url(), strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d", resp.StatusCode)
	}
}

// With MaxConns 2, a third connection is not served until one of the
// first two closes.
func TestConnectionLimit(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{MaxConns: 2})
	type conn struct {
		net.Conn
		r *bufio.Reader
	}
	dial := func() conn {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return conn{c, bufio.NewReader(c)}
	}
	ask := func(c conn) error {
		if _, err := io.WriteString(c, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(c.r, nil)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return errors.New(resp.Status)
		}
		return nil
	}
	deadline := func(c conn, d time.Duration) { c.SetDeadline(time.Now().Add(d)) }

	c1, c2 := dial(), dial()
	for _, c := range []conn{c1, c2} {
		deadline(c, 10*time.Second)
		if err := ask(c); err != nil {
			t.Fatal(err)
		}
	}
	c3 := dial() // the kernel completes the handshake; the server does not accept
	deadline(c3, 300*time.Millisecond)
	if err := ask(c3); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("third connection served over the limit (err %v)", err)
	}
	c1.Close()
	deadline(c3, 10*time.Second)
	resp, err := http.ReadResponse(c3.r, nil) // the request sent above
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("third connection after one closed: %v", err)
	}
	resp.Body.Close()
	deadline(c2, 10*time.Second)
	if err := ask(c2); err != nil {
		t.Errorf("second connection: %v", err)
	}
}

func TestConfig(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:8545", MaxBodyBytes: 8 << 20, MaxBatchItems: 1000,
		MaxBatchResponseBytes: 25_000_000, MaxConns: 1024, WSReadLimit: 8 << 20}
	if c != want {
		t.Errorf("defaults %+v", c)
	}
	if _, err := NewServer(newFake(), Config{MaxConns: -1}, nil); err == nil {
		t.Error("negative MaxConns accepted")
	}
	if _, err := NewServer(nil, Config{}, nil); err == nil {
		t.Error("nil backend accepted")
	}
}

// A request whose body does not arrive within the read timeout is cut
// off.
func TestSlowRequestCutOff(t *testing.T) {
	f := newFake()
	s, err := NewServer(f, Config{Addr: "127.0.0.1:0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.srv.ReadTimeout = 200 * time.Millisecond
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c) // until the server closes the connection
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after the read timeout: %q", b)
	}
}

// A call's context ends when its client disconnects.
func TestDisconnectCancelsCall(t *testing.T) {
	f := newFake()
	f.mining = make(chan struct{})
	s := startServer(t, f, Config{})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"dev_mine"}`
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	wait(t, f.mining, "DevMine to start")
	c.Close()
	wait(t, f.mining, "DevMine's context to end")
}

// Close waits for running calls until its context ends, then cancels them.
func TestCloseCancelsRunningCall(t *testing.T) {
	f := newFake()
	f.mining = make(chan struct{})
	s, err := NewServer(f, Config{Addr: "127.0.0.1:0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() {
		resp, err := http.Post(s.url(), "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"dev_mine"}`))
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	wait(t, f.mining, "DevMine to start")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v, want the context's error", err)
	}
	wait(t, f.mining, "DevMine's context to end")
	wait(t, answered, "the client to see the connection end")
}
