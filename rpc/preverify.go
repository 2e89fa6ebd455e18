package rpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/types"
)

// TxPreverifier is a Backend that can verify the signatures of many
// transactions together, ahead of their tx_send calls. The server hands it
// the transactions of a JSON-RPC batch with at least MinPreverifyBatch
// tx_send calls, before the batch's calls run one by one: a batch
// verification costs a fraction of verifying each signature alone, and
// signature checks were the largest cost of tx_send under load. The
// backend remembers which signatures held, so SendTx need not check them
// again; a transaction that fails here is simply checked again in SendTx,
// which refuses it with the usual error.
type TxPreverifier interface {
	PreverifyTxs(txs []*types.Tx)
}

// MinPreverifyBatch is the fewest tx_send calls in a batch that are
// verified together: below about 8, one by one is cheaper.
const MinPreverifyBatch = 8

// preverify reads the body of a JSON-RPC batch and, if it holds enough
// tx_send calls, has the backend verify their signatures together. The
// body is put back for the RPC handler, which answers every request,
// malformed or not, as without this step.
func (s *Server) preverify(pv TxPreverifier, r *http.Request) {
	if r.Method != http.MethodPost || r.Body == nil || r.ContentLength > int64(s.cfg.MaxBodyBytes) {
		return
	}
	// Only a batch is worth reading here: look at its first byte, and
	// leave a single call's body to the handler unread.
	br := bufio.NewReaderSize(r.Body, 64)
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	if !startsBatch(br) {
		return
	}
	// Read one byte past the limit so that the handler still sees an
	// oversized body as oversized.
	body, err := io.ReadAll(io.LimitReader(br, int64(s.cfg.MaxBodyBytes)+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), br), r.Body}
	if err != nil || len(body) > s.cfg.MaxBodyBytes {
		return
	}
	s.preverifyBody(pv, body)
}

// preverifyBody is preverify of a body already read.
func (s *Server) preverifyBody(pv TxPreverifier, body []byte) {
	if txs := batchTxs(body); len(txs) >= MinPreverifyBatch {
		pv.PreverifyTxs(txs)
	}
}

// startsBatch reports whether the first byte after JSON white space that
// br holds is '[', without consuming anything.
func startsBatch(br *bufio.Reader) bool {
	for n := 1; ; n++ {
		b, _ := br.Peek(n)
		if len(b) < n {
			return false // the body ended, or failed, first
		}
		switch b[n-1] {
		case ' ', '\t', '\r', '\n':
			if n == br.Size() {
				return false // a body this padded is not worth a look
			}
			continue
		case '[':
			return true
		}
		return false
	}
}

// isBatch reports whether body's first byte after JSON white space is
// '[', as go-ethereum's server decides.
func isBatch(body []byte) bool {
	body = bytes.TrimLeft(body, " \t\r\n")
	return len(body) > 0 && body[0] == '['
}

// batchTxs returns the decodable transactions of the tx_send calls in a
// JSON-RPC batch body, or nil if body is not a batch.
func batchTxs(body []byte) []*types.Tx {
	if !isBatch(body) || bytes.Count(body, []byte(`"tx_send"`)) < MinPreverifyBatch {
		return nil
	}
	var calls []struct {
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(body, &calls); err != nil {
		return nil // not a batch the handler will run: it answers with the error
	}
	txs := make([]*types.Tx, 0, len(calls))
	for _, c := range calls {
		var raw hexutil.Bytes
		if c.Method != "tx_send" || len(c.Params) != 1 || json.Unmarshal(c.Params[0], &raw) != nil || len(raw) > types.MaxTxSize {
			continue
		}
		if tx, err := types.DecodeTx(raw); err == nil {
			txs = append(txs, tx)
		}
	}
	return txs
}
