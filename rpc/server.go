package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	gethrpc "github.com/ethereum/go-ethereum/rpc"
	"github.com/gorilla/websocket"
)

// ErrServerClosed is returned by Start and Serve after Close.
var ErrServerClosed = errors.New("rpc: server closed")

// Timeouts of the HTTP server, as go-ethereum's node sets them. A request,
// body included, must arrive within readTimeout. There is no write timeout:
// dev_mine may take as long as its blocks do, and go-ethereum's rpc would
// turn a write timeout into a timer per request. A call's context ends when
// its client disconnects.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
)

// Server serves the JSON-RPC API, GET /health and the handlers mounted with
// Handle on one port.
type Server struct {
	cfg Config
	log *slog.Logger
	b   Backend
	rpc *gethrpc.Server
	ws  http.Handler
	mux *http.ServeMux
	srv *http.Server
	tr  tracker // WebSocket connections, subscriptions, Start's accept loop

	baseCtx    context.Context // parent of every request's context
	cancelBase context.CancelFunc

	// tx serves the fast path of tx_send (fastsend.go), which noFastSend
	// turns off (tests compare both paths); fastSends counts its answers.
	tx         *txAPI
	noFastSend bool
	fastSends  atomic.Uint64

	mu      sync.Mutex
	addr    net.Addr
	serving bool
	closed  bool
}

// NewServer returns a server answering through b. Zero fields of cfg take
// their defaults; log may be nil.
func NewServer(b Backend, cfg Config, log *slog.Logger) (*Server, error) {
	if b == nil {
		return nil, errors.New("rpc: nil backend")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, b: b, rpc: gethrpc.NewServer(), mux: http.NewServeMux()}
	s.rpc.SetBatchLimits(cfg.MaxBatchItems, cfg.MaxBatchResponseBytes)
	s.rpc.SetHTTPBodyLimit(cfg.MaxBodyBytes)
	s.rpc.SetWebsocketReadLimit(cfg.WSReadLimit)
	a := &api{b: b, log: log, tr: &s.tr}
	s.tx = &txAPI{a}
	for _, sv := range services(a) {
		if err := s.rpc.RegisterName(sv.name, sv.svc); err != nil {
			return nil, fmt.Errorf("rpc: register %s: %w", sv.name, err)
		}
	}
	// Without allowed origins, geth accepts WebSocket handshakes without an
	// Origin header (non-browser clients) and from http://localhost.
	s.ws = s.rpc.WebsocketHandler(nil)
	s.mux.HandleFunc("GET /health", s.health)
	s.mux.HandleFunc("/{$}", s.serveRPC)

	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return s.baseCtx },
	}
	return s, nil
}

// Handle mounts h at pattern (http.ServeMux syntax) on the server's port,
// for /metrics, /debug/pprof/ and the like. It panics, as ServeMux does, if
// the pattern conflicts with another; "/" and "GET /health" are taken.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// ServeHTTP serves one request as the server's port would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// serveRPC sends WebSocket upgrades to the WebSocket handler, answers a
// plain tx_send call itself (fastsend.go), and sends every other request
// to go-ethereum's HTTP handler, after verifying the signatures of a
// batch's tx_send calls together (preverify.go).
func (s *Server) serveRPC(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		if !s.tr.add() {
			http.Error(w, "server is closing", http.StatusServiceUnavailable)
			return
		}
		defer s.tr.done()
		s.ws.ServeHTTP(w, r) // returns when the connection closes
		return
	}
	pv, canPreverify := s.b.(TxPreverifier)
	body, ok := s.readWhole(r)
	switch {
	case !ok:
		if canPreverify {
			s.preverify(pv, r)
		}
		s.rpc.ServeHTTP(w, r)
		return
	case isBatch(body):
		if canPreverify {
			s.preverifyBody(pv, body)
		}
	case !s.noFastSend && s.fastTxSend(w, body):
		return
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{bytes.NewReader(body), r.Body}
	s.rpc.ServeHTTP(w, r)
}

// Start listens on cfg.Addr and serves in the background until Close.
// Addr is valid when it returns.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("rpc: %w", err)
	}
	if err := s.claim(ln); err != nil {
		ln.Close()
		return err
	}
	if !s.tr.add() {
		ln.Close()
		return ErrServerClosed
	}
	go func() {
		defer s.tr.done()
		if err := s.serve(ln); err != nil {
			s.log.Error("rpc: serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
	s.log.Info("rpc: serving", "addr", ln.Addr().String())
	return nil
}

// Serve serves on ln until Close, then returns nil. It closes ln.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.claim(ln); err != nil {
		ln.Close()
		return err
	}
	return s.serve(ln)
}

// claim records ln as the server's one listener.
func (s *Server) claim(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrServerClosed
	case s.serving:
		return errors.New("rpc: already serving")
	}
	s.serving = true
	s.addr = ln.Addr()
	return nil
}

func (s *Server) serve(ln net.Listener) error {
	err := s.srv.Serve(newLimitListener(ln, s.cfg.MaxConns))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Addr returns the address the server listens on, or nil before Start or
// Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Close stops accepting connections, lets the HTTP requests in progress
// finish, closes WebSocket connections (ending their subscriptions) and
// waits for every goroutine the server started. If ctx ends first, it
// closes the remaining connections, cancels the requests still running and
// returns ctx's error.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	s.tr.close()
	err := s.srv.Shutdown(ctx)
	s.rpc.Stop()
	if err != nil {
		s.cancelBase()
		s.srv.Close()
	}
	werr := s.tr.wait(ctx)
	s.cancelBase()
	return errors.Join(err, werr)
}
