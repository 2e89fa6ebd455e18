package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestRequestBlocks(t *testing.T) {
	a, b := startHost(t), startHost(t)
	a.f.setHead(100)
	connect(t, b, a)
	ctx := context.Background()

	check := func(from, to uint64, want []uint64) {
		t.Helper()
		got, err := b.RequestBlocks(ctx, a.ID(), from, to)
		if err != nil {
			t.Fatalf("RequestBlocks(%d, %d): %v", from, to, err)
		}
		if len(got) != len(want) {
			t.Fatalf("RequestBlocks(%d, %d): %d blocks, want %d", from, to, len(got), len(want))
		}
		for i, h := range want {
			if !bytes.Equal(got[i], fakeBlock(h)) {
				t.Fatalf("RequestBlocks(%d, %d)[%d] = %q, want %q", from, to, i, got[i], fakeBlock(h))
			}
		}
	}
	seq := func(from, to uint64) (s []uint64) {
		for h := from; h <= to; h++ {
			s = append(s, h)
		}
		return s
	}
	check(1, 10, seq(1, 10))
	check(42, 42, seq(42, 42))
	check(95, 200, seq(95, 100))                 // up to the peer's head
	check(1, 1000, seq(1, MaxSyncBlocks))        // a long range is shortened
	check(101, 110, nil)                         // the peer has none of them
	check(math.MaxUint64-1, math.MaxUint64, nil) // no overflow at the top

	if _, err := b.RequestBlocks(ctx, a.ID(), 10, 5); !errors.Is(err, ErrBadRange) {
		t.Errorf("from > to: %v, want ErrBadRange", err)
	}
	if m := a.Metrics(); m.SyncServed == 0 {
		t.Errorf("metrics %+v", m)
	}
}

// The server refuses ranges a conforming client never sends.
func TestServeBlocksRefusesAbsurdRanges(t *testing.T) {
	a, b := startHost(t), startHost(t)
	a.f.setHead(100)
	connect(t, b, a)
	for _, r := range [][2]uint64{{0, math.MaxUint64}, {10, 5}, {1, MaxSyncBlocks + 1}} {
		s, err := b.host.NewStream(context.Background(), a.host.ID(), a.protoBlocks)
		if err != nil {
			t.Fatal(err)
		}
		_, err = readBlocksResponse(s, 0, math.MaxUint64, encodeRangeRequest(r[0], r[1]))
		s.Close()
		var re *RemoteError
		if !errors.As(err, &re) || !errors.Is(err, ErrBadRange) {
			t.Errorf("range %d..%d: %v, want a RemoteError matching ErrBadRange", r[0], r[1], err)
		}
	}
}

// Errors of the node's Handler reach the client as such, and answers are
// bounded in bytes.
func TestServeBlocksErrorsAndLimits(t *testing.T) {
	a, b := startHost(t), startHost(t)
	connect(t, b, a)
	ctx := context.Background()

	a.f.setBlocks(func(from, to uint64) ([][]byte, error) { return nil, fmt.Errorf("database on fire: %w", errTest) })
	_, err := b.RequestBlocks(ctx, a.ID(), 1, 2)
	var re *RemoteError
	if !errors.As(err, &re) || re.BadRequest || re.Message != "database on fire: test error" {
		t.Errorf("handler error: %v", err)
	}

	// 1 MiB blocks: the answer stops at MaxSyncBytes.
	mb := bytes.Repeat([]byte{1}, 1<<20)
	a.f.setBlocks(func(from, to uint64) ([][]byte, error) {
		out := make([][]byte, to-from+1)
		for i := range out {
			out[i] = mb
		}
		return out, nil
	})
	got, err := b.RequestBlocks(ctx, a.ID(), 1, 64)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != MaxSyncBytes/len(mb) {
		t.Errorf("%d blocks of 1 MiB, want %d", len(got), MaxSyncBytes/len(mb))
	}
	// A single block larger than MaxSyncBytes still travels.
	huge := bytes.Repeat([]byte{2}, MaxSyncBytes+1)
	a.f.setBlocks(func(from, to uint64) ([][]byte, error) { return [][]byte{huge, huge}, nil })
	got, err = b.RequestBlocks(ctx, a.ID(), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !bytes.Equal(got[0], huge) {
		t.Errorf("got %d blocks, want the one huge block", len(got))
	}
	// Blocks before an error are served; the error alone is reported.
	a.f.setBlocks(func(from, to uint64) ([][]byte, error) { return [][]byte{{1}}, errTest })
	if got, err = b.RequestBlocks(ctx, a.ID(), 1, 2); err != nil || len(got) != 1 {
		t.Errorf("got %d blocks, %v; want the 1 before the error", len(got), err)
	}
	// A handler returning more than asked is trimmed.
	a.f.setBlocks(func(from, to uint64) ([][]byte, error) { return [][]byte{{1}, {2}, {3}}, nil })
	if got, err = b.RequestBlocks(ctx, a.ID(), 1, 2); err != nil || len(got) != 2 {
		t.Errorf("got %d blocks, %v; want 2", len(got), err)
	}
}

// A cancelled context ends a request at once.
func TestRequestBlocksCancelled(t *testing.T) {
	a, b := startHost(t), startHost(t)
	connect(t, b, a)
	release := make(chan struct{})
	defer close(release)
	a.f.setBlocks(func(from, to uint64) ([][]byte, error) {
		<-release
		return nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := b.RequestBlocks(ctx, a.ID(), 1, 2)
		errc <- err
	}()
	cancel()
	if err := recv(t, errc, "the cancelled request"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v", err)
	}
}
