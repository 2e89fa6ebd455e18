package client

import (
	"errors"
	"strings"

	gethrpc "github.com/ethereum/go-ethereum/rpc"

	"github.com/noded/noded/rpc"
)

// ErrNotFound is matched by the error of a lookup that found nothing: the
// block, transaction or receipt is unknown to the node (or not yet there).
// It is the server's rpc.ErrNotFound, so one errors.Is serves both.
var ErrNotFound = rpc.ErrNotFound

// convertError turns an error answer of the node into an *rpc.Error. A
// refusal unwraps to the sentinel the server mapped from: where several
// sentinels share a code (gas_limit stands for too much gas and for too
// little), the one whose text the message contains, else the code's first.
// Any other code unwraps to the original error. Errors without a code
// (transport, decoding) are returned unchanged.
func convertError(err error) error {
	if err == nil {
		return nil
	}
	var re gethrpc.Error
	if !errors.As(err, &re) {
		return err
	}
	out := &rpc.Error{Code: re.ErrorCode(), Message: err.Error()}
	var de gethrpc.DataError
	if errors.As(err, &de) {
		if m, ok := de.ErrorData().(map[string]any); ok {
			out.Reason, _ = m["reason"].(string)
		}
	}
	r, ok := rpc.LookupCode(out.Code)
	if !ok {
		out.Err = err // keep go-ethereum's own errors matchable (ErrNotificationsUnsupported)
		return out
	}
	if out.Reason == "" {
		out.Reason = r.Reason
	}
	out.Err = r.Err
	if strings.Contains(out.Message, r.Err.Error()) {
		return out
	}
	for _, s := range r.Also {
		if strings.Contains(out.Message, s.Error()) {
			out.Err = s
			break
		}
	}
	return out
}
