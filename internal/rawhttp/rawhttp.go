// Package rawhttp is a minimal HTTP/1.1 client for load on one keep-alive
// connection: it writes a POST as a few preformatted bytes and reads the
// answer with net/http's response parser, without the pooling, goroutines
// and per-request bookkeeping of http.Transport.
//
// Benchmarks of the RPC server run client and server on the same two
// cores; with http.Client the client took about as much CPU per request as
// the server's tx_send handler, so the figure measured the client as much
// as the node. Load tools such as wrk are built the same way.
package rawhttp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// Conn is one keep-alive connection. It is not safe for concurrent use:
// give each load goroutine its own.
type Conn struct {
	c    net.Conn
	r    *bufio.Reader
	host string
	req  []byte
	body []byte
}

// Dial connects to addr (host:port).
func Dial(addr string) (*Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Conn{c: c, r: bufio.NewReaderSize(c, 16<<10), host: addr}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Post sends body to path with Content-Type application/json and returns
// the status code and the response body, which stays valid until the next
// call. Any error leaves the connection unusable.
func (c *Conn) Post(path string, body []byte) (int, []byte, error) {
	c.req = append(c.req[:0], "POST "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.host...)
	c.req = append(c.req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	if _, err := c.c.Write(c.req); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	c.body = c.body[:0]
	for {
		if len(c.body) == cap(c.body) {
			c.body = append(c.body, 0)[:len(c.body)]
		}
		n, err := resp.Body.Read(c.body[len(c.body):cap(c.body)])
		c.body = c.body[:len(c.body)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, nil, err
		}
	}
	if resp.Close {
		return resp.StatusCode, c.body, fmt.Errorf("rawhttp: server closed the connection")
	}
	return resp.StatusCode, c.body, nil
}

// Load posts n requests to addr from conns connections, one request in
// flight on each: request i is body(i), and check judges its answer. It
// stops at the first error and returns it.
func Load(addr string, conns, n int, body func(i int) []byte, check func(code int, resp []byte) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		c, err := Dial(addr)
		if err != nil {
			return err
		}
		defer c.Close()
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				code, resp, err := c.Post("/", body(i))
				if err == nil {
					err = check(code, resp)
				}
				if err != nil {
					errs <- err
					next.Store(int64(n)) // the others stop too
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}
