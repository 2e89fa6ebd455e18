package lint

import (
	"fmt"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// TestCheckerFires shows that every rule can fail: each source breaks one
// rule (or none), and the checker must report exactly the listed findings,
// as "line: forbidden thing".
func TestCheckerFires(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"os", `package p
import "os"
var _ = os.Getenv`, []string{`2: import "os"`}},
		{"os/exec", `package p
import "os/exec"
var _ = exec.Command`, []string{`2: import "os/exec"`}},
		{"net", `package p
import (
	"fmt"
	"net"
)
var _, _ = fmt.Sprint, net.Dial`, []string{`4: import "net"`}},
		{"net/http", `package p
import "net/http"
var _ = http.Get`, []string{`2: import "net/http"`}},
		{"io/ioutil", `package p
import "io/ioutil"
var _ = ioutil.ReadFile`, []string{`2: import "io/ioutil"`}},
		{"syscall", `package p
import "syscall"
var _ = syscall.Getpid`, []string{`2: import "syscall"`}},
		{"x/sys", `package p
import "golang.org/x/sys/unix"
var _ = unix.Getpid`, []string{`2: import "golang.org/x/sys/unix"`}},
		{"crypto/rand", `package p
import "crypto/rand"
var _ = rand.Reader`, []string{`2: import "crypto/rand"`}},
		{"log", `package p
import "log"
func f() { log.Printf("x") }`, []string{`2: import "log"`}},
		{"log/slog", `package p
import "log/slog"
func f() { slog.Info("x") }`, []string{`2: import "log/slog"`}},
		{"pebble", `package p
import "github.com/cockroachdb/pebble/v2"
var _ = pebble.Open`, []string{`2: import "github.com/cockroachdb/pebble/v2"`}},
		{"libp2p", `package p
import pubsub "github.com/libp2p/go-libp2p-pubsub"
var _ = pubsub.NewGossipSub`, []string{`2: import "github.com/libp2p/go-libp2p-pubsub"`}},
		{"own I/O packages", `package p
import (
	_ "github.com/noded/noded/store"
	_ "github.com/noded/noded/p2p"
	_ "github.com/noded/noded/rpc"
	_ "github.com/noded/noded/node"
	_ "github.com/noded/noded/client"
	_ "github.com/noded/noded/cmd/noded"
	_ "github.com/noded/noded/internal/keystore"
	_ "github.com/noded/noded/store/kv"
)`, []string{
			`3: import "github.com/noded/noded/store"`,
			`4: import "github.com/noded/noded/p2p"`,
			`5: import "github.com/noded/noded/rpc"`,
			`6: import "github.com/noded/noded/node"`,
			`7: import "github.com/noded/noded/client"`,
			`8: import "github.com/noded/noded/cmd/noded"`,
			`9: import "github.com/noded/noded/internal/keystore"`,
			`10: import "github.com/noded/noded/store/kv"`,
		}},
		{"time wall clock", `package p
import "time"
func f() time.Duration {
	start := time.Now()
	_ = time.Until(start)
	return time.Since(start)
}`, []string{`4: time.Now`, `5: time.Until`, `6: time.Since`}},
		{"time timers", `package p
import "time"
func f() {
	time.Sleep(time.Second)
	<-time.After(time.Second)
	<-time.Tick(time.Second)
	time.AfterFunc(time.Second, f)
	_ = time.NewTimer(time.Second)
	_ = time.NewTicker(time.Second)
}`, []string{`4: time.Sleep`, `5: time.After`, `6: time.Tick`, `7: time.AfterFunc`, `8: time.NewTimer`, `9: time.NewTicker`}},
		{"time zones", `package p
import "time"
func f(t time.Time) string {
	loc, _ := time.LoadLocation("Europe/Paris")
	return t.In(loc).String() + t.In(time.Local).String()
}`, []string{`4: time.LoadLocation`, `5: time.Local`}},
		{"time.Now as a value", `package p
import "time"
var clock = time.Now`, []string{`3: time.Now`}},
		{"time renamed", `package p
import t "time"
func f() t.Time { return t.Now() }`, []string{`3: t.Now (time.Now)`}},
		{"time dot import", `package p
import . "time"
func f() Time { return Now() }`, []string{`2: dot import of "time"`}},
		{"math/rand globals", `package p
import "math/rand"
func f(r *rand.Rand) int {
	rand.Seed(1)
	return rand.Intn(10) + r.Intn(10) + rand.New(rand.NewSource(1)).Intn(3)
}`, []string{`2: import "math/rand"`, `4: rand.Seed`, `5: rand.Intn`}},
		{"math/rand/v2 globals", `package p
import "math/rand/v2"
func f() int { return rand.IntN(10) + rand.New(rand.NewPCG(1, 2)).IntN(3) }
var _ = rand.Shuffle`, []string{`2: import "math/rand/v2"`, `3: rand.IntN`, `4: rand.Shuffle`}},
		{"math/rand renamed", `package p
import mrand "math/rand"
var _ = mrand.Int63`, []string{`2: import "math/rand"`, `3: mrand.Int63 (math/rand.Int63)`}},
		{"stdout", `package p
import "fmt"
func f() {
	fmt.Println("x")
	fmt.Printf("%d", 1)
	fmt.Print(1)
	println("y")
	print("z")
	_ = fmt.Sprintf("%d", 1)
	_ = fmt.Errorf("e")
}`, []string{`4: fmt.Println`, `5: fmt.Printf`, `6: fmt.Print`, `7: println (built-in)`, `8: print (built-in)`}},

		// Sources that keep the rules.
		{"time values are fine", `package p
import "time"
type Config struct{ BlockTime time.Duration }
func f(now time.Time, c Config) time.Time {
	return now.Add(c.BlockTime).Truncate(time.Millisecond).UTC()
}
var _ = time.UnixMilli(0)
`, nil},
		{"clock passed in", `package p
import "time"
type Clock interface{ Now() time.Time }
func f(clock Clock, rand interface{ Intn(int) int }) (time.Time, int) {
	return clock.Now(), rand.Intn(3)
}`, nil},
		{"io and hashing", `package p
import (
	"crypto/sha256"
	"io"
	"sync"
)
func f(r io.Reader) ([32]byte, error) {
	var mu sync.Mutex
	mu.Lock()
	defer mu.Unlock()
	var b [8]byte
	_, err := io.ReadFull(r, b[:])
	return sha256.Sum256(b[:]), err
}`, nil},
		{"own deterministic packages", `package p
import (
	_ "github.com/noded/noded/types"
	_ "github.com/noded/noded/crypto"
	_ "github.com/noded/noded/storage" // not store/
	_ "github.com/noded/noded/nodes"   // not node/
)`, nil},
		{"generator excluded by the ignore tag", `//go:build ignore

package main
import "os"
func main() { os.Exit(0) }`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fset := token.NewFileSet()
			fs, err := checkFile(fset, "fixture.go", c.src)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				if f.pos.Filename != "fixture.go" || f.why == "" {
					t.Errorf("finding %v lacks a file name or a reason", f)
				}
				got = append(got, fmt.Sprintf("%d: %s", f.pos.Line, f.what))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("findings:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(c.want, "\n\t"))
			}
		})
	}
}

// TestFindingMessage shows the form of a report: file, line and column,
// the forbidden thing, and what to do instead.
func TestFindingMessage(t *testing.T) {
	fs, err := checkFile(token.NewFileSet(), "chain/exec.go", "package chain\n\nimport \"time\"\n\nvar _ = time.Now()\n")
	if err != nil || len(fs) != 1 {
		t.Fatalf("%v %v", fs, err)
	}
	const want = "chain/exec.go:5:9: time.Now: reads the wall clock: take the time as an input"
	if fs[0].String() != want {
		t.Fatalf("message %q, want %q", fs[0], want)
	}
}

func TestCheckerRejectsBrokenSource(t *testing.T) {
	if _, err := checkFile(token.NewFileSet(), "broken.go", "package p\nfunc {"); err == nil {
		t.Fatal("a file that does not parse was checked")
	}
}

func TestForbiddenDepPaths(t *testing.T) {
	const m = module
	graph := map[string][]string{
		m + "/chain":   {m + "/types", m + "/crypto", "example.com/helper", "fmt"},
		m + "/types":   {m + "/crypto", "fmt"},
		m + "/crypto":  {"crypto/sha256"},
		m + "/mempool": {m + "/types", m + "/internal/clock"},
		// A helper that drags in storage and networking.
		"example.com/helper":                             {"example.com/helper/db", "github.com/libp2p/go-libp2p"},
		"example.com/helper/db":                          {"github.com/cockroachdb/pebble/v2"},
		"github.com/cockroachdb/pebble/v2":               {"github.com/cockroachdb/pebble/v2/internal/base"},
		"github.com/cockroachdb/pebble/v2/internal/base": nil,
		m + "/internal/clock":                            {m + "/node"},
		m + "/node":                                      {m + "/store"},
	}
	got := forbiddenDepPaths(graph, []string{m + "/types", m + "/chain", m + "/mempool"})
	want := []string{
		m + "/chain depends on github.com/libp2p/go-libp2p (networking): " +
			m + "/chain -> example.com/helper -> github.com/libp2p/go-libp2p",
		m + "/chain depends on github.com/cockroachdb/pebble/v2 (storage): " +
			m + "/chain -> example.com/helper -> example.com/helper/db -> github.com/cockroachdb/pebble/v2",
		m + "/mempool depends on " + m + "/node (node): " +
			m + "/mempool -> " + m + "/internal/clock -> " + m + "/node",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func TestDefaultImportName(t *testing.T) {
	for in, want := range map[string]string{
		"time":                             "time",
		"math/rand":                        "rand",
		"math/rand/v2":                     "rand",
		"github.com/cockroachdb/pebble/v2": "pebble",
		"v2":                               "v2",
	} {
		if got := defaultImportName(in); got != want {
			t.Errorf("defaultImportName(%q) = %q, want %q", in, got, want)
		}
	}
}
