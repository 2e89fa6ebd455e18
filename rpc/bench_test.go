package rpc

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/noded/noded/internal/cputime"
	"github.com/noded/noded/internal/rawhttp"
	"github.com/noded/noded/types"
)

// benchTxBodies returns n tx_send requests of distinct signed transfers.
func benchTxBodies(n int) [][]byte {
	key := testKey(1)
	bodies := make([][]byte, n)
	for i := range bodies {
		tx := signedTransfer(key, uint64(i), types.Address{3}, 1)
		bodies[i] = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"tx_send","params":["0x%x"]}`, i, tx.Encode())
	}
	return bodies
}

// benchClient is a keep-alive client with room for every parallel caller.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
}

// runTxSend posts tx_send requests to addr from 16 keep-alive connections,
// one request in flight on each, and reports requests per second. The
// client is internal/rawhttp, as light as a load tool like wrk: with
// http.Client the client took as much CPU as the handler.
func runTxSend(b *testing.B, addr string) {
	const conns = 16
	bodies := benchTxBodies(1024)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	err := rawhttp.Load(addr, conns, b.N, func(i int) []byte { return bodies[i%len(bodies)] }, func(code int, out []byte) error {
		if code != 200 || !bytes.Contains(out, []byte(`"status":"accepted"`)) {
			return fmt.Errorf("%d %s", code, out)
		}
		return nil
	})
	b.StopTimer()
	cpu := cputime.Process() - cpu0
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	// CPU time of the process (server and client) per request: unlike
	// req/s it does not depend on what else runs on the machine, and
	// GOMAXPROCS / cpu-us/req is the rate an idle machine would reach.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/req")
}

// BenchmarkTxSend measures tx_send over HTTP on loopback against a backend
// that verifies the signature, as the node does, and nothing else.
func BenchmarkTxSend(b *testing.B) {
	f := newFake()
	f.verifySig, f.noRecord = true, true
	s := startServer(b, f, Config{})
	runTxSend(b, s.Addr().String())
}

// BenchmarkTxSendBatch is BenchmarkTxSend with 64 tx_send calls in each
// JSON-RPC batch; tx/s counts transactions.
func BenchmarkTxSendBatch(b *testing.B) {
	const size = 64
	f := newFake()
	f.verifySig, f.noRecord = true, true
	s := startServer(b, f, Config{})
	single := benchTxBodies(1024)
	var batches [][]byte
	for i := 0; i+size <= len(single); i += size {
		batches = append(batches, append(append([]byte("["), bytes.Join(single[i:i+size], []byte(","))...), ']'))
	}
	client := benchClient()
	var next atomic.Uint64
	b.SetParallelism(2)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(s.url(), "application/json", bytes.NewReader(batches[next.Add(1)%uint64(len(batches))]))
			if err != nil {
				b.Error(err)
				return
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if n := bytes.Count(out, []byte(`"status":"accepted"`)); n != size {
				b.Errorf("%d accepted of %d: %.200s", n, size, out)
				return
			}
		}
	})
	cpu := cputime.Process() - cpu0
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*size), "cpu-us/tx")
}

// BenchmarkTxSendBareHTTP is the floor BenchmarkTxSend compares with: a
// bare net/http handler that cuts the hex out of the body, decodes the
// transaction and verifies it, with no JSON-RPC framing.
func BenchmarkTxSendBareHTTP(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: bareHandler()}
	go srv.Serve(ln)
	defer srv.Close()
	runTxSend(b, ln.Addr().String())
}

// BenchmarkTxSendHandler is BenchmarkTxSend without sockets or a client:
// the server's handler alone, fed by httptest, one request at a time.
func BenchmarkTxSendHandler(b *testing.B) {
	f := newFake()
	f.verifySig, f.noRecord = true, true
	s, err := NewServer(f, Config{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	runHandler(b, s)
}

// BenchmarkTxSendHandlerBare is the bare handler of BenchmarkTxSendBareHTTP
// fed the same way.
func BenchmarkTxSendHandlerBare(b *testing.B) {
	runHandler(b, bareHandler())
}

func runHandler(b *testing.B, h http.Handler) {
	bodies := benchTxBodies(1024)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	defer func() {
		b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/float64(b.N), "cpu-us/req")
	}()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"accepted"`)) {
			b.Fatalf("%d %s", rec.Code, rec.Body.Bytes())
		}
	}
}

// bareHandler answers tx_send bodies without JSON-RPC framing: it cuts the
// hex out of the body, decodes the transaction and verifies it.
func bareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		i := bytes.Index(body, []byte(`"0x`))
		j := bytes.LastIndexByte(body, '"')
		raw, err := hex.DecodeString(string(body[i+3 : j]))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		tx, err := types.DecodeTx(raw)
		if err != nil || !tx.VerifySig() {
			http.Error(w, "bad tx", 400)
			return
		}
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":1,"result":{"hash":%q,"status":"accepted","missingNonces":[]}}`, tx.Hash())
	})
}
