package rawhttp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
