package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"
)

// startServer serves f on 127.0.0.1:0 until the test ends.
func startServer(t testing.TB, f Backend, cfg Config) *Server {
	t.Helper()
	return startServerLog(t, f, cfg, nil)
}

// startServerLog is startServer with a logger.
func startServerLog(t testing.TB, f Backend, cfg Config, log *slog.Logger) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, err := NewServer(f, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func (s *Server) url() string { return "http://" + s.Addr().String() + "/" }

// response is one JSON-RPC response.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *respError      `json:"error"`
}

type respError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// post sends body and returns the status and the response body.
func post(t testing.TB, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// call makes one call and returns its response.
func call(t testing.TB, s *Server, method string, params ...any) response {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	p, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	status, body := post(t, s.url(), fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":%q,"params":%s}`, method, p))
	if status != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", method, status, body)
	}
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: bad response %s: %v", method, body, err)
	}
	if r.JSONRPC != "2.0" || string(r.ID) != "7" {
		t.Fatalf("%s: bad envelope %s", method, body)
	}
	return r
}

// result makes a call that must succeed and returns its result.
func result(t testing.TB, s *Server, method string, params ...any) json.RawMessage {
	t.Helper()
	r := call(t, s, method, params...)
	if r.Error != nil {
		t.Fatalf("%s: error %d %s %s", method, r.Error.Code, r.Error.Message, r.Error.Data)
	}
	return r.Result
}

// callErr makes a call that must fail and returns its error.
func callErr(t testing.TB, s *Server, method string, params ...any) *respError {
	t.Helper()
	r := call(t, s, method, params...)
	if r.Error == nil {
		t.Fatalf("%s: want an error, got result %s", method, r.Result)
	}
	return r.Error
}

// decode unmarshals raw into a new T.
func decode[T any](t testing.TB, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// jsonEqual fails unless got and want are the same JSON value.
func jsonEqual(t testing.TB, what string, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s:\n got %s\nwant %s", what, gb, wb)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
