package node

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestREADMECurlExamples sends the README's JSON-RPC examples (the
// `rpc '...'` lines that need no value from an earlier step) to a dev node:
// none may be refused as malformed, an unknown method or bad params.
func TestREADMECurlExamples(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range regexp.MustCompile(`(?m)^rpc '(.*)'$`).FindAllStringSubmatch(string(readme), -1) {
		if !strings.Contains(m[1], "'$") && !strings.Contains(m[1], "<") {
			bodies = append(bodies, m[1])
		}
	}
	if len(bodies) < 8 {
		t.Fatalf("found %d runnable examples in README.md: the pattern no longer matches", len(bodies))
	}
	tn := startTestNode(t, Config{Home: t.TempDir(), Dev: true, BlockTime: time.Hour})
	for _, body := range bodies {
		resp, err := http.Post("http://"+tn.n.RPCAddr(), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: HTTP %d %v", body, resp.StatusCode, err)
		}
		var answers []struct {
			Result json.RawMessage
			Error  *struct {
				Code    int
				Message string
			}
		}
		if !bytes.HasPrefix(out, []byte("[")) {
			out = append(append([]byte("["), out...), ']')
		}
		if err := json.Unmarshal(out, &answers); err != nil || len(answers) == 0 {
			t.Fatalf("%s: answer %s: %v", body, out, err)
		}
		for _, a := range answers {
			if a.Error != nil && a.Error.Code <= -32600 && a.Error.Code >= -32700 {
				t.Errorf("README example %s refused: %d %s", body, a.Error.Code, a.Error.Message)
			}
		}
	}
}
