package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/noded/noded/client"
	"github.com/noded/noded/node"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// buildNoded compiles the noded binary once per test run.
var buildNoded = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "noded-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "noded")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// devProcess is `noded dev` running as a child process.
type devProcess struct {
	cmd *exec.Cmd
	out *bytes.Buffer
	c   *client.Client
}

func startDevProcess(t *testing.T, bin, home, addr string) *devProcess {
	t.Helper()
	cmd := exec.Command(bin, "dev", "--home", home, "--rpc", addr, "--log-level", "warn")
	out := new(lockedBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, out: &out.b}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c, err := client.Dial(ctx, "http://"+addr)
		if err == nil {
			if _, err = c.BlockNumber(ctx); err == nil {
				p.c = c
				return p
			}
			c.Close()
		}
		if ctx.Err() != nil || cmd.ProcessState != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("node did not come up: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCrashDuringCommits kills `noded dev` with SIGKILL while it commits
// blocks under a stream of transfers, at several points, and checks after
// each restart that the node comes up (its start-up check compares the
// stored state root with the head's), that no block whose receipt was seen
// is lost, and that no token was created or destroyed.
func TestCrashDuringCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills processes; skipped with -short")
	}
	bin, err := buildNoded()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	addr := freeAddr(t)
	rng := rand.New(rand.NewSource(1))
	recipient := types.Address{0xee}
	var seen []types.Hash // receipts observed before a kill
	var seenHeight uint64
	const rounds = 5
	for round := range rounds {
		p := startDevProcess(t, bin, home, addr)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		// Everything seen before the previous kill is still there.
		head, err := p.c.BlockNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if head < seenHeight {
			t.Fatalf("round %d: head %d after restart, but block %d was seen before the kill", round, head, seenHeight)
		}
		for _, h := range seen {
			if rc, err := p.c.Receipt(ctx, h); err != nil || rc.Status != rpc.ReceiptStatusSuccess {
				t.Fatalf("round %d: receipt of %s seen before the kill is gone: %v", round, h, err)
			}
		}
		checkSupply(ctx, t, p.c, recipient)
		t.Logf("round %d: restarted at height %d; %d receipts confirmed so far, up to block %d", round, head, len(seen), seenHeight)

		// Load: the four dev accounts send transfers as fast as they can.
		load, stopLoad := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var last []types.Hash
		for i := range 4 {
			wg.Go(func() {
				key := node.DevKey(i)
				nonce, err := p.c.NextNonce(load, types.AddressOf(key.Public()))
				if err != nil {
					return
				}
				for load.Err() == nil {
					tx := client.NewTransfer(node.DefaultChainID, nonce, recipient, types.NewAmount(1), 1)
					tx.Sign(key)
					if _, err := p.c.SendTx(load, tx); err != nil {
						return // the node is gone
					}
					nonce++
					if nonce%25 == 0 {
						mu.Lock()
						last = append(last, tx.Hash())
						mu.Unlock()
					}
				}
			})
		}
		// Let it commit for a while, note what is confirmed, then kill it
		// at a random point of its work.
		time.Sleep(time.Duration(200+rng.Intn(400)) * time.Millisecond)
		mu.Lock()
		for _, h := range last {
			if rc, err := p.c.Receipt(ctx, h); err == nil {
				seen = append(seen, h)
				seenHeight = max(seenHeight, uint64(rc.BlockNumber))
			}
		}
		last = nil
		mu.Unlock()
		time.Sleep(time.Duration(rng.Intn(100)) * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		stopLoad()
		wg.Wait()
		p.c.Close()
		cancel()
	}
	if len(seen) == 0 {
		t.Fatal("no transaction was confirmed in any round; the test checked nothing")
	}
	// A last clean start after the final kill.
	p := startDevProcess(t, bin, home, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	checkSupply(ctx, t, p.c, recipient)
	_ = p.cmd.Process.Signal(os.Interrupt)
	if err := p.cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("clean shutdown failed: %v\n%s", err, p.out.String())
		}
	}
}

// checkSupply checks that the dev accounts, the recipient and the validator
// together hold exactly what the genesis created.
func checkSupply(ctx context.Context, t *testing.T, c *client.Client, recipient types.Address) {
	t.Helper()
	addrs := []types.Address{recipient, types.AddressOf(node.DevValidatorKey().Public())}
	for i := range node.DefaultDevAccounts {
		addrs = append(addrs, types.AddressOf(node.DevKey(i).Public()))
	}
	var total, want types.Amount
	for range node.DefaultDevAccounts {
		want.Add(&want, &node.DevBalance)
	}
	for _, a := range addrs {
		acc, err := c.Account(ctx, a, rpc.LatestBlock)
		if err != nil {
			t.Fatal(err)
		}
		b := types.Amount(acc.Balance)
		total.Add(&total, &b)
	}
	if total.Cmp(&want) != 0 {
		t.Fatalf("total supply %s, want %s", total.Dec(), want.Dec())
	}
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	ln.Close()
	pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	pc.Close()
	return true
}
