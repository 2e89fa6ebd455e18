package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/noded/noded/client"
	"github.com/noded/noded/node"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// TestDevnetProcesses runs `noded devnet init` and `noded devnet up` with 4
// nodes as processes, sends transfers to different nodes, kills one with
// SIGKILL and restarts it with `noded run`, and checks that all heads agree.
func TestDevnetProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs processes; skipped with -short")
	}
	bin, err := buildNoded()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rpcBase, p2pBase := freePortRun(t, 4, 0), freePortRun(t, 4, 1000)
	out, err := exec.Command(bin, "devnet", "init", "--nodes", "4", "--dir", dir, "--block-time", "300ms",
		"--rpc-port", strconv.Itoa(rpcBase), "--p2p-port", strconv.Itoa(p2pBase)).CombinedOutput()
	if err != nil {
		t.Fatalf("devnet init: %v\n%s", err, out)
	}
	up := exec.Command(bin, "devnet", "up", "--dir", dir)
	upOut := new(lockedBuffer)
	up.Stdout, up.Stderr = upOut, upOut
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = up.Process.Signal(os.Interrupt)
		_ = up.Wait()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	clients := make([]*client.Client, 4)
	for i := range clients {
		clients[i] = dialWhenUp(ctx, t, fmt.Sprintf("http://127.0.0.1:%d", rpcBase+i))
		defer clients[i].Close()
	}
	// Transfers sent to different nodes.
	send := func(round int) []types.Hash {
		var hs []types.Hash
		for i, c := range clients {
			if c == nil {
				continue
			}
			key := node.DevKey(i)
			nonce, err := c.NextNonce(ctx, types.AddressOf(key.Public()))
			if err != nil {
				t.Fatal(err)
			}
			tx := client.NewTransfer("noded-devnet", nonce, types.Address{0xbb}, types.NewAmount(uint64(round*10+i+1)), 1)
			tx.Sign(key)
			res, err := c.SendTx(ctx, tx)
			if err != nil {
				t.Fatalf("send to node %d: %v", i, err)
			}
			hs = append(hs, res.Hash)
		}
		return hs
	}
	waitReceipts := func(hs []types.Hash) {
		for _, h := range hs {
			for i, c := range clients {
				if c == nil {
					continue
				}
				if _, err := c.WaitReceipt(ctx, h, 50*time.Millisecond); err != nil {
					t.Fatalf("node %d: receipt %s: %v\n%s", i, h, err, upOut.String())
				}
			}
		}
	}
	waitReceipts(send(0))

	// Kill node 2 and keep going without it.
	pid, err := os.ReadFile(filepath.Join(node.NodeHome(dir, 2), "node.pid"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err := syscall.Kill(p, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	clients[2].Close()
	clients[2] = nil
	waitReceipts(send(1))

	// Restart it by hand; it catches up by block sync.
	restart := exec.Command(bin, "run", "--home", node.NodeHome(dir, 2), "--log-level", "warn")
	rout := new(lockedBuffer)
	restart.Stdout, restart.Stderr = rout, rout
	if err := restart.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = restart.Process.Signal(os.Interrupt)
		_ = restart.Wait()
	}()
	clients[2] = dialWhenUp(ctx, t, fmt.Sprintf("http://127.0.0.1:%d", rpcBase+2))
	waitReceipts(send(2))

	// All heads agree: the same block at the lowest head, and the same
	// state root.
	for {
		var low uint64 = 1 << 62
		for _, c := range clients {
			n, err := c.BlockNumber(ctx)
			if err != nil {
				t.Fatal(err)
			}
			low = min(low, n)
		}
		var first *rpc.RPCBlock
		agree := true
		for _, c := range clients {
			b, err := c.BlockByNumber(ctx, rpc.BlockAt(low), false)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = b
			} else if b.Hash != first.Hash || b.StateRoot != first.StateRoot {
				agree = false
			}
		}
		if agree && low > 5 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("heads do not agree\n%s\n%s", upOut.String(), rout.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func dialWhenUp(ctx context.Context, t *testing.T, url string) *client.Client {
	t.Helper()
	for {
		c, err := client.Dial(ctx, url)
		if err == nil {
			if _, err = c.BlockNumber(ctx); err == nil {
				return c
			}
			c.Close()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not come up: %v", url, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePortRun finds n consecutive free TCP ports on 127.0.0.1 (UDP too, for
// QUIC) and returns the first.
func freePortRun(t *testing.T, n, offset int) int {
	t.Helper()
	for base := 20000 + offset + os.Getpid()%20000; base < 60000; base += n + 7 {
		ok := true
		for i := range n {
			if !portFree(base + i) {
				ok = false
				break
			}
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}
