package loadgen

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/noded/noded/rpc"
)

// rpcConn posts JSON-RPC requests to one node over HTTP. The load path
// (tx_send) writes its requests by hand from pre-encoded transactions, so
// the generator spends little CPU per call on the machine it shares with
// the node; the node's side is its ordinary JSON-RPC server.
type rpcConn struct {
	url string
	hc  *http.Client
}

// requestTimeout bounds one HTTP request of the generator.
const requestTimeout = 30 * time.Second

func newRPCConn(url string, conns int) *rpcConn {
	return &rpcConn{url: httpURL(url), hc: &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
		},
	}}
}

func (c *rpcConn) close() { c.hc.CloseIdleConnections() }

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    *struct {
		Reason string `json:"reason"`
	} `json:"data"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("%s (code %d)", e.Message, e.Code) }

// reason names the error for the rejection counts: the refusal's reason
// (nonce_too_low, mempool_full, ...), else the standard code's name.
func (e *rpcError) reason() string {
	if e.Data != nil && e.Data.Reason != "" {
		return e.Data.Reason
	}
	if r, ok := rpc.LookupCode(e.Code); ok {
		return r.Reason
	}
	switch e.Code {
	case rpc.CodeParseError:
		return "parse_error"
	case rpc.CodeInvalidRequest:
		return "invalid_request"
	case rpc.CodeMethodNotFound:
		return "method_not_found"
	case rpc.CodeInvalidParams:
		return "invalid_params"
	case rpc.CodeInternal:
		return "internal_error"
	case -32003:
		return "response_too_large"
	}
	return "code_" + strconv.Itoa(e.Code)
}

type rpcResponse struct {
	ID     *int            `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

// transportError is a failure to exchange a request with the node (no
// answer, an HTTP error status, an answer that is not JSON-RPC).
type transportError struct {
	reason string // "transport", "http_503", "bad_response"
	err    error
}

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// post sends one request body and returns the response body.
func (c *rpcConn) post(ctx context.Context, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, &transportError{"transport", err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &transportError{"transport", err}
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &transportError{"transport", err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &transportError{fmt.Sprintf("http_%d", resp.StatusCode),
			fmt.Errorf("%s: HTTP %s: %.200s", c.url, resp.Status, bytes.TrimSpace(out))}
	}
	return out, nil
}

// call is one JSON-RPC call of a batch.
type call struct {
	Method string
	Params []any
}

// batch sends calls as one JSON-RPC batch (a single request when there is
// one call) and returns the responses in the order of calls.
func (c *rpcConn) batch(ctx context.Context, calls []call) ([]rpcResponse, error) {
	type req struct {
		Version string `json:"jsonrpc"`
		ID      int    `json:"id"`
		Method  string `json:"method"`
		Params  []any  `json:"params"`
	}
	reqs := make([]req, len(calls))
	for i, cl := range calls {
		p := cl.Params
		if p == nil {
			p = []any{}
		}
		reqs[i] = req{"2.0", i, cl.Method, p}
	}
	var body []byte
	var err error
	if len(reqs) == 1 {
		body, err = json.Marshal(reqs[0])
	} else {
		body, err = json.Marshal(reqs)
	}
	if err != nil {
		return nil, err
	}
	out, err := c.post(ctx, body)
	if err != nil {
		return nil, err
	}
	return matchResponses(out, len(calls))
}

// matchResponses decodes a response (an object, or an array for a
// batch) into n responses in the order of the request's ids 0..n-1. An
// error object for the whole batch becomes every call's answer.
func matchResponses(out []byte, n int) ([]rpcResponse, error) {
	out = bytes.TrimSpace(out)
	var list []rpcResponse
	if len(out) > 0 && out[0] == '[' {
		if err := json.Unmarshal(out, &list); err != nil {
			return nil, &transportError{"bad_response", fmt.Errorf("decode response: %w", err)}
		}
	} else {
		var one rpcResponse
		if err := json.Unmarshal(out, &one); err != nil {
			return nil, &transportError{"bad_response", fmt.Errorf("decode response: %w", err)}
		}
		if n > 1 && one.Error != nil {
			all := make([]rpcResponse, n)
			for i := range all {
				all[i] = one
			}
			return all, nil
		}
		list = []rpcResponse{one}
	}
	res := make([]rpcResponse, n)
	seen := make([]bool, n)
	for _, r := range list {
		id := 0
		if r.ID != nil {
			id = *r.ID
		}
		if id < 0 || id >= n || seen[id] {
			return nil, &transportError{"bad_response", fmt.Errorf("response with unexpected id %d", id)}
		}
		res[id], seen[id] = r, true
	}
	for i, ok := range seen {
		if !ok {
			return nil, &transportError{"bad_response", fmt.Errorf("no response to call %d of %d", i, n)}
		}
	}
	return res, nil
}

// callOne makes one call and decodes its result into result (a pointer,
// or nil).
func (c *rpcConn) callOne(ctx context.Context, result any, method string, params ...any) error {
	rs, err := c.batch(ctx, []call{{method, params}})
	if err != nil {
		return err
	}
	if rs[0].Error != nil {
		return rs[0].Error
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(rs[0].Result, result)
}

// sendOutcome is what the node said about one transaction.
type sendOutcome struct {
	status string // "accepted", "queued", "replaced"; "" when refused
	reason string // why it was refused
	err    error
}

// appendSendCall appends the tx_send call of an encoded transaction.
func appendSendCall(b []byte, id int, raw []byte) []byte {
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"method":"tx_send","params":["0x`...)
	b = hex.AppendEncode(b, raw)
	return append(b, `"]}`...)
}

// sendTxs submits encoded transactions with tx_send: one call per request
// if asBatch is false (len(raws) must then be 1), else one batch. buf is
// scratch space, returned for reuse. Each transaction gets an outcome.
func (c *rpcConn) sendTxs(ctx context.Context, raws [][]byte, asBatch bool, buf []byte, outs []sendOutcome) ([]byte, error) {
	buf = buf[:0]
	if asBatch {
		buf = append(buf, '[')
	}
	for i, raw := range raws {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendSendCall(buf, i, raw)
	}
	if asBatch {
		buf = append(buf, ']')
	}
	out, err := c.post(ctx, buf)
	if err == nil {
		if scanStatuses(out, outs[:len(raws)]) {
			return buf, nil
		}
		var rs []rpcResponse
		if rs, err = matchResponses(out, len(raws)); err == nil {
			for i, r := range rs {
				outs[i] = outcomeOf(&r)
			}
			return buf, nil
		}
	}
	reason := "transport"
	var te *transportError
	if errors.As(err, &te) {
		reason = te.reason
	}
	for i := range raws {
		outs[i] = sendOutcome{reason: reason, err: err}
	}
	return buf, err
}

func outcomeOf(r *rpcResponse) sendOutcome {
	if r.Error != nil {
		return sendOutcome{reason: r.Error.reason(), err: r.Error}
	}
	var res struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(r.Result, &res); err != nil || res.Status == "" {
		return sendOutcome{reason: "bad_response", err: fmt.Errorf("tx_send result %.100s", r.Result)}
	}
	return sendOutcome{status: res.Status}
}

// scanStatuses is the fast path of sendTxs: when every call succeeded,
// the answer is a list of {"jsonrpc","id":N,"result":{"hash","status",
// "missingNonces"}} objects, and the statuses are read by scanning, which
// costs the generator a tenth of decoding the JSON. Anything else (an
// error object, an unexpected shape) returns false, and the answer is
// decoded properly.
func scanStatuses(b []byte, outs []sendOutcome) bool {
	if bytes.Contains(b, []byte(`"error"`)) {
		return false
	}
	for i := range outs {
		outs[i] = sendOutcome{}
	}
	seen := 0
	for seen < len(outs) {
		i := bytes.Index(b, []byte(`"id":`))
		if i < 0 {
			return false
		}
		b = b[i+5:]
		id, n := 0, 0
		for n < len(b) && b[n] >= '0' && b[n] <= '9' && n < 9 {
			id = id*10 + int(b[n]-'0')
			n++
		}
		if n == 0 || id >= len(outs) || outs[id].status != "" {
			return false
		}
		b = b[n:]
		j := bytes.Index(b, []byte(`"status":"`))
		if j < 0 {
			return false
		}
		b = b[j+10:]
		k := bytes.IndexByte(b, '"')
		if k <= 0 {
			return false
		}
		outs[id] = sendOutcome{status: statusString(b[:k])}
		b = b[k:]
		seen++
	}
	return !bytes.Contains(b, []byte(`"id":`))
}

// statusString returns the status without allocating for the usual ones.
func statusString(b []byte) string {
	switch string(b) {
	case rpc.StatusAccepted:
		return rpc.StatusAccepted
	case rpc.StatusQueued:
		return rpc.StatusQueued
	case rpc.StatusReplaced:
		return rpc.StatusReplaced
	}
	return string(b)
}
