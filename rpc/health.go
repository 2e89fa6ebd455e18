package rpc

import (
	"encoding/json"
	"net/http"

	"github.com/ethereum/go-ethereum/common/hexutil"
)

// health answers GET /health with 200 and {"status":"ok","height":"0x.."}.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	body, err := json.Marshal(RPCHealth{Status: "ok", Height: hexutil.Uint64(s.b.Head().Height)})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}
