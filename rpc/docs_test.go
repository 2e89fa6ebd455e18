package rpc

import (
	"bufio"
	"context"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/vm"
)

// docTable returns the rows of the markdown table in docs/rpc.md whose
// header starts with header, as cells.
func docTable(t *testing.T, header string) [][]string {
	t.Helper()
	f, err := os.Open("../docs/rpc.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, header):
			in = true
		case in && strings.HasPrefix(line, "| ---"):
		case in && strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
			}
			rows = append(rows, cells)
		case in:
			return rows
		}
	}
	return rows
}

// The error table of docs/rpc.md is the Refusal table, row for row.
func TestDocsErrorTable(t *testing.T) {
	rows := docTable(t, "| code | reason |")
	refusals := Refusals()
	if len(rows) != len(refusals) {
		t.Fatalf("docs list %d refusals, the server %d", len(rows), len(refusals))
	}
	for i, r := range refusals {
		code, err := strconv.Atoi(rows[i][0])
		if err != nil || code != r.Code || rows[i][1] != r.Reason {
			t.Errorf("row %d: docs %v, server %d %s", i, rows[i][:2], r.Code, r.Reason)
		}
	}
}

// The method table of docs/rpc.md names exactly the methods the server
// registers.
func TestDocsMethodTable(t *testing.T) {
	var documented []string
	for _, row := range docTable(t, "| method | params |") {
		documented = append(documented, row[0])
	}
	served := []string{"chain_unsubscribe", "rpc_modules"}
	ctxType := reflect.TypeFor[context.Context]()
	for _, sv := range services(&api{}) {
		typ := reflect.TypeOf(sv.svc)
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			if m.Type.NumIn() > 1 && m.Type.In(1) == ctxType && m.Type.NumOut() == 2 &&
				m.Type.Out(0).String() == "*rpc.Subscription" {
				served = append(served, sv.name+"_subscribe")
				continue
			}
			r := []rune(m.Name)
			r[0] = unicode.ToLower(r[0])
			served = append(served, sv.name+"_"+string(r))
		}
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("docs:   %v\nserver: %v", documented, served)
	}
}

// The limits in docs/rpc.md are the defaults.
func TestDocsLimits(t *testing.T) {
	b, err := os.ReadFile("../docs/rpc.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{
		"`" + DefaultAddr + "`",
		"Request body 8 MiB", "Batches of up to 1,000 calls", "25,000,000 bytes of responses",
		"At most 1,024 open connections", "WebSocket messages up to 8 MiB",
		"at most 1,000", "up to 128 heads", "within 30 s", "after 2 minutes",
		"may span at most 10,000 blocks", "more than 10,000 matching events", "128 blocks' worth of events",
		"at most 256 bytes", "`gas` to 10,000,000 (and at most that)",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/rpc.md does not say %q", want)
		}
	}
	c, _ := Config{}.withDefaults()
	if c.MaxBodyBytes != 8<<20 || c.MaxBatchItems != 1000 || c.MaxBatchResponseBytes != 25_000_000 ||
		c.MaxConns != 1024 || c.WSReadLimit != 8<<20 || MaxDevMine != 1000 || headsBuffer != 128 ||
		readTimeout != 30*time.Second || idleTimeout != 2*time.Minute ||
		MaxEventBlocks != 10_000 || MaxEventResults != 10_000 || eventsBuffer != 128 ||
		chain.MaxStorageKeyLen != 256 || vm.MaxGas != 10_000_000 {
		t.Errorf("defaults changed without the docs: %+v", c)
	}
	if !regexp.MustCompile(`-32003 answers the calls of a batch`).MatchString(doc) {
		t.Error("docs do not explain -32003")
	}
}
