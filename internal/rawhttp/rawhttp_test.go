package rawhttp

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestPost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json":
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
		case r.URL.Path == "/chunked":
			// Flushing before the end makes net/http answer chunked.
			w.Write(body[:1])
			w.(http.Flusher).Flush()
			w.Write(body[1:])
		case r.URL.Path == "/close":
			w.Header().Set("Connection", "close")
			w.Write(body)
		default:
			w.Write([]byte(strings.ToUpper(string(body))))
		}
	}))
	defer srv.Close()
	c, err := Dial(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	big := strings.Repeat("x", 100_000)
	for i, tc := range []struct{ path, body, want string }{
		{"/", `{"a":1}`, `{"A":1}`},
		{"/", big, strings.ToUpper(big)}, // larger than the read buffer
		{"/chunked", "hello", "hello"},
		{"/", "again", "AGAIN"}, // the connection is still usable
	} {
		code, got, err := c.Post(tc.path, []byte(tc.body))
		if err != nil || code != 200 || string(got) != tc.want {
			t.Fatalf("request %d: %d %.40q %v, want 200 %.40q", i, code, got, err, tc.want)
		}
	}
	if _, _, err := c.Post("/close", []byte("bye")); err == nil {
		t.Fatal("a connection the server closes gave no error")
	}
}

func TestLoad(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[string(body)]++
		mu.Unlock()
		w.Write(body)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	body := func(i int) []byte { return []byte(strconv.Itoa(i)) }
	err := Load(addr, 4, 100, body, func(code int, resp []byte) error {
		if code != 200 {
			return fmt.Errorf("status %d", code)
		}
		return nil
	})
	if err != nil || len(seen) != 100 {
		t.Fatalf("err %v, %d distinct requests of 100", err, len(seen))
	}
	for b, n := range seen {
		if n != 1 {
			t.Fatalf("request %s sent %d times", b, n)
		}
	}
	err = Load(addr, 4, 100, body, func(code int, resp []byte) error {
		if string(resp) == "50" {
			return fmt.Errorf("answer 50")
		}
		return nil
	})
	if err == nil || err.Error() != "answer 50" {
		t.Fatalf("a failed check gave %v", err)
	}
}
