package clienttest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/noded/noded/rpc"
)

// Serve runs the rpc server over b on a loopback port until the test ends,
// and returns its HTTP URL (the same port answers ws://).
func Serve(t testing.TB, b rpc.Backend) string {
	t.Helper()
	s, err := rpc.NewServer(b, rpc.Config{}, nil)
	if err != nil {
		t.Fatalf("clienttest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("clienttest: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("clienttest: close server: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("clienttest: serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// WebSocketURL turns the URL Serve returned into its ws:// twin.
func WebSocketURL(httpURL string) string {
	return "ws" + httpURL[len("http"):]
}
