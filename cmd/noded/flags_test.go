package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeFlagsRefused checks that noded dev, run and devnet init refuse
// bad flags with a one-line reason before they create or open anything.
func TestNodeFlagsRefused(t *testing.T) {
	home := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "--home", home, "--rpc", "nonsense"}, "want HOST:PORT"},
		{[]string{"dev", "--home", home, "--rpc", "127.0.0.1:99999"}, "port must be a number from 0 to 65535"},
		{[]string{"dev", "--home", home, "--rpc", "http://localhost:x/"}, "port must be a number"},
		{[]string{"dev", "--home", home, "--rpc", "127.0.0.1:"}, "port must be a number"},
		{[]string{"dev", "--home", home, "--block-time", "-1s"}, "negative block time"},
		{[]string{"dev", "--home", home, "--block-time", "soon"}, "invalid duration"},
		{[]string{"dev", "--home", home, "--log-level", "loud"}, "want debug, info, warn or error"},
		{[]string{"devnet", "init", "--dir", filepath.Join(home, "net"), "--nodes", "0"}, "at least one node"},
		{[]string{"devnet", "init", "--dir", filepath.Join(home, "net"), "--nodes", "65"}, "1-64 nodes"},
		{[]string{"run", "--home", filepath.Join(home, "none")}, "config.json not found"},
	} {
		reason := mustFail(t, c.args...)
		if !strings.Contains(reason, c.want) || strings.Contains(reason, "\n") {
			t.Errorf("noded %s: %q, want one line with %q", strings.Join(c.args, " "), reason, c.want)
		}
	}
	if entries, err := os.ReadDir(home); err != nil || len(entries) != 0 {
		t.Errorf("refused commands left %d entries in the home folder (%v)", len(entries), err)
	}
}
