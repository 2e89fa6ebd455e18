package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/noded/noded/types"
)

// A block published on any host of a line of four reaches every other host
// once, and each host's validator runs once per message.
func TestBlockReachesAll(t *testing.T) {
	hosts := line(t, 4)
	ctx := context.Background()
	for round, from := range []int{0, 2, 3} {
		block := []byte(fmt.Sprintf("block-from-%d-round-%d", from, round))
		if err := hosts[from].PublishBlock(ctx, block); err != nil {
			t.Fatal(err)
		}
		for i, h := range hosts {
			if i == from {
				continue
			}
			got := recv(t, h.f.blocksIn, fmt.Sprintf("host %d's block", i))
			if !bytes.Equal(got, block) {
				t.Fatalf("host %d got %q, want %q", i, got, block)
			}
		}
	}
	for round, from := range []int{0, 2, 3} {
		block := []byte(fmt.Sprintf("block-from-%d-round-%d", from, round))
		for i, h := range hosts {
			want := 1
			if i == from {
				want = 0 // a host does not check its own blocks
			}
			if n := h.f.checkCount(block); n != want {
				t.Errorf("host %d checked %q %d times, want %d", i, block, n, want)
			}
		}
	}
	for i, h := range hosts {
		if len(h.f.blocksIn) != 0 {
			t.Errorf("host %d has %d extra blocks", i, len(h.f.blocksIn))
		}
		if m := h.Metrics(); m.DroppedOutbound+m.DroppedValidation+m.DroppedDelivery != 0 {
			t.Errorf("host %d dropped messages: %+v", i, m)
		}
	}
}

func randomTxs(r *rand.Rand, n, size int) [][]byte {
	txs := make([][]byte, n)
	for i := range txs {
		tx := make([]byte, size)
		for j := range tx {
			tx[j] = byte(r.Uint32())
		}
		copy(tx, fmt.Sprintf("tx-%d-", i))
		txs[i] = tx
	}
	return txs
}

func sortedCopy(txs [][]byte) [][]byte {
	s := slices.Clone(txs)
	slices.SortFunc(s, bytes.Compare)
	return s
}

// Transactions published on one host reach all others in batches, intact.
func TestTxBatchesReachAll(t *testing.T) {
	hosts := line(t, 4, func(c *Config) { c.TxBatchSize = 16 << 10 })
	txs := randomTxs(rand.New(rand.NewPCG(1, 2)), 1000, 180)
	if err := hosts[1].PublishTxs(context.Background(), txs); err != nil {
		t.Fatal(err)
	}
	wantMsgs := len(packBatches(txs, 16<<10))
	if wantMsgs < 10 {
		t.Fatalf("only %d batches: the test wants several", wantMsgs)
	}
	if m := hosts[1].Metrics(); m.TxMsgsPublished != uint64(wantMsgs) {
		t.Errorf("published %d TX messages, want %d", m.TxMsgsPublished, wantMsgs)
	}
	want := sortedCopy(txs)
	for i, h := range hosts {
		if i == 1 {
			continue
		}
		var got [][]byte
		for len(got) < len(txs) {
			batch := recv(t, h.f.txsIn, fmt.Sprintf("host %d's transactions (%d so far)", i, len(got)))
			got = append(got, batch...)
		}
		if !slices.EqualFunc(sortedCopy(got), want, bytes.Equal) {
			t.Errorf("host %d got other transactions than were sent", i)
		}
		if m := h.Metrics(); m.Txs.Accepted != uint64(wantMsgs) {
			t.Errorf("host %d accepted %d TX messages, want %d", i, m.Txs.Accepted, wantMsgs)
		}
	}
}

// A transaction too big for a TX message is refused before anything is
// sent; one that fits but exceeds the batch size travels alone.
func TestPublishLimits(t *testing.T) {
	hosts := line(t, 2, func(c *Config) { c.MaxTxMessageSize, c.TxBatchSize, c.MaxBlockMessageSize = 64<<10, 4<<10, 128<<10 })
	ctx := context.Background()
	if err := hosts[0].PublishTxs(ctx, [][]byte{[]byte("small"), make([]byte, 64<<10)}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized tx: %v, want ErrTooLarge", err)
	}
	if err := hosts[0].PublishBlock(ctx, make([]byte, 128<<10+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized block: %v, want ErrTooLarge", err)
	}
	big := bytes.Repeat([]byte{7}, 32<<10)
	if err := hosts[0].PublishTxs(ctx, [][]byte{[]byte("a"), big, []byte("b")}); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for range 3 {
		b := recv(t, hosts[1].f.txsIn, "a batch")
		sizes = append(sizes, len(b))
	}
	if !slices.Equal(sizes, []int{1, 1, 1}) {
		t.Errorf("batch sizes %v, want the big transaction alone and the others around it", sizes)
	}
	if m := hosts[0].Metrics(); m.TxMsgsPublished != 3 {
		t.Errorf("published %d messages, want 3", m.TxMsgsPublished)
	}
}

// A block near the 32 MiB limit and a TX message holding the largest
// transaction (a 3 MB contract deploy) travel through two hops.
func TestLargeMessages(t *testing.T) {
	hosts := line(t, 3)
	ctx := context.Background()
	block := bytes.Repeat([]byte{'B'}, DefaultMaxBlockMessageSize-1024)
	if err := hosts[0].PublishBlock(ctx, block); err != nil {
		t.Fatal(err)
	}
	deploy := bytes.Repeat([]byte{'T'}, types.MaxTxSize)
	if err := hosts[0].PublishTxs(ctx, [][]byte{deploy}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if got := recv(t, hosts[i].f.blocksIn, "the large block"); !bytes.Equal(got, block) {
			t.Errorf("host %d: block of %d bytes differs", i, len(got))
		}
		if got := recv(t, hosts[i].f.txsIn, "the deploy"); len(got) != 1 || !bytes.Equal(got[0], deploy) {
			t.Errorf("host %d: deploy differs", i)
		}
	}
}
