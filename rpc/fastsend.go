package rpc

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/ethereum/go-ethereum/common/hexutil"
	gethrpc "github.com/ethereum/go-ethereum/rpc"
)

// A plain tx_send call over HTTP (one JSON object, no batch) is answered by
// fastTxSend instead of go-ethereum's rpc server, with the same method
// (txAPI.Send) and the same bytes in the answer. go-ethereum's server does
// per request what a long-lived connection would amortise: a handler, a
// context chain, a goroutine for the call, reflection to decode the
// arguments and call the method. Measured here (BenchmarkTxSendHTTP, 16
// connections on loopback, 2 cores shared with the client): ~183 us of CPU
// per tx_send through it, ~125-150 us through this path; 10,900 against
// 13,300-15,500 transactions a second, about what a bare net/http handler
// doing the same work served in the same minutes. Everything else (batches, other methods,
// WebSocket, anything unusual in the call) goes to go-ethereum's server,
// and TestFastTxSendSameAnswers and FuzzFastTxSend check that both give the
// same status, headers and body for any request.

// fastContentType is the one content type the fast path takes (go-ethereum
// accepts others, which go to it).
const fastContentType = "application/json"

// jsonError is go-ethereum's error object (rpc/json.go).
type jsonError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// go-ethereum's error codes for a method's error without one, and for a
// result that does not marshal.
const (
	errcodeDefault      = -32000
	errcodeMarshalError = -32603
)

// readWhole reads the body of a POST whose length is known and within the
// limit, for the fast path and the batch pre-verification; ok is false,
// and the body untouched, for any other request.
func (s *Server) readWhole(r *http.Request) (body []byte, ok bool) {
	if r.Method != http.MethodPost || r.ContentLength <= 0 || r.ContentLength > int64(s.cfg.MaxBodyBytes) {
		return nil, false
	}
	if ct := r.Header.Get("Content-Type"); ct != fastContentType {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != fastContentType {
			return nil, false
		}
	}
	body = make([]byte, r.ContentLength)
	n, err := io.ReadFull(r.Body, body)
	if err != nil {
		// A body shorter than announced: put back what was read, and let
		// go-ethereum's server meet the error.
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body[:n]), r.Body), r.Body}
		return nil, false
	}
	return body, true
}

// fastTxSend answers body if it is a plain tx_send call and reports
// whether it did; if not, it has written nothing. A plain call is a JSON
// object with exactly the members jsonrpc ("2.0"), id (a number or a
// string), method ("tx_send") and params (an array of one hex string);
// go-ethereum reads member names case-sensitively, so does this.
func (s *Server) fastTxSend(w http.ResponseWriter, body []byte) bool {
	id, raw, ok := plainTxSend(body)
	if !ok {
		return false
	}
	res, err := s.tx.Send(raw)
	out := append(make([]byte, 0, 256), `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	if err == nil {
		// As go-ethereum's jsonrpcMessage.response does.
		var enc []byte
		if m, ok := any(res).(json.Marshaler); ok {
			enc, err = m.MarshalJSON()
		} else {
			enc, err = json.Marshal(res)
		}
		if err == nil {
			out = append(append(append(out, `,"result":`...), enc...), '}')
		} else {
			err = marshalError{err}
		}
	}
	if err != nil {
		je := jsonError{Code: errcodeDefault, Message: err.Error()}
		if ec, ok := err.(gethrpc.Error); ok {
			je.Code = ec.ErrorCode()
		}
		if de, ok := err.(gethrpc.DataError); ok {
			je.Data = de.ErrorData()
		}
		enc, _ := json.Marshal(je)
		out = append(append(append(out, `,"error":`...), enc...), '}')
	}
	h := w.Header()
	h.Set("content-type", fastContentType)
	h.Set("content-length", strconv.Itoa(len(out)))
	w.Write(out)
	s.fastSends.Add(1)
	return true
}

// plainTxSend returns the id and the transaction of a plain tx_send call
// (see fastTxSend); ok is false for anything else.
func plainTxSend(body []byte) (id json.RawMessage, raw hexutil.Bytes, ok bool) {
	// encoding/json matches member names case-insensitively, go-ethereum
	// exactly: decode (which also checks that body is valid JSON), then
	// check the names as written.
	var m struct {
		Version string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Params  []hexutil.Bytes `json:"params"`
	}
	if json.Unmarshal(body, &m) != nil || m.Version != "2.0" || m.Method != "tx_send" ||
		len(m.ID) == 0 || !(m.ID[0] == '"' || m.ID[0] == '-' || m.ID[0] >= '0' && m.ID[0] <= '9') ||
		len(m.Params) != 1 || !plainNames(body) {
		return nil, nil, false
	}
	return m.ID, m.Params[0], true
}

// plainNames reports whether every member name of the object in body,
// valid JSON, is one of the four of a call, written without escapes.
func plainNames(body []byte) bool {
	depth, name := 0, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '"':
			j, escaped := i+1, false
			for ; j < len(body) && body[j] != '"'; j++ {
				if body[j] == '\\' {
					escaped = true
					j++
				}
			}
			if depth == 1 && name {
				switch string(body[i+1 : j]) {
				case "jsonrpc", "id", "method", "params":
				default:
					return false
				}
				if escaped {
					return false
				}
				name = false
			}
			i = j
		case '{', '[':
			depth++
			name = depth == 1 && c == '{'
		case '}', ']':
			depth--
		case ',':
			name = depth == 1
		}
	}
	return true
}

// marshalError is go-ethereum's answer to a result that does not marshal.
type marshalError struct{ err error }

func (e marshalError) Error() string  { return e.err.Error() }
func (e marshalError) ErrorCode() int { return errcodeMarshalError }
