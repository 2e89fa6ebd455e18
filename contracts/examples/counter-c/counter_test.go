package counterc

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/noded/noded/contracts/harness"
)

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// exercise deploys code and runs the counter's methods.
func exercise(t *testing.T, code []byte) {
	t.Helper()
	c := harness.New(t)
	counter := c.Deploy("dev0", code, u64(41)).Contract()
	r := c.Call("dev1", counter, MethodIncrement, nil)
	if r.Uint64() != 42 || len(r.Events) != 1 || r.Events[0].Topic != TopicIncremented || binary.LittleEndian.Uint64(r.Events[0].Data) != 42 {
		t.Fatalf("increment: %+v", r)
	}
	if r := c.Call("dev1", counter, MethodDecrement, nil); r.Uint64() != 41 || r.Events[0].Topic != TopicDecremented {
		t.Fatalf("decrement: %+v", r)
	}
	if q := c.Query(counter, MethodGet, nil); q.Uint64() != 41 {
		t.Fatalf("get: %+v", q)
	}
	zero := c.Deploy("dev2", code, nil).Contract()
	if r := c.TryCall("dev1", zero, MethodDecrement, nil); r.Error != "reverted: "+ErrZero || r.Text() != ErrZero {
		t.Fatalf("decrement at zero: %+v", r)
	}
	if v := c.Storage(counter, []byte(StorageKey)); binary.LittleEndian.Uint64(v) != 41 {
		t.Fatalf("storage %x", v)
	}
}

func TestCommittedWasm(t *testing.T) { exercise(t, Wasm) }

// The source builds with clang and lld, and the build works the same.
// CI installs them (.ci/run); elsewhere the test is skipped without them.
func TestBuildFromSource(t *testing.T) {
	for _, tool := range []string{"clang", "wasm-ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; .ci/run installs clang and lld", tool)
			}
			t.Skipf("%s is not installed (apt-get install clang lld)", tool)
		}
	}
	out := filepath.Join(t.TempDir(), "counter.wasm")
	if msg, err := exec.Command("sh", "build.sh", out).CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, msg)
	}
	code, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("clang built %d bytes (committed: %d)", len(code), len(Wasm))
	exercise(t, code)
}
