package p2p

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// longTests reports whether the long forms of the tests should run
// (NODED_P2P_LONG=1); CI runs the short ones.
func longTests() bool { return os.Getenv("NODED_P2P_LONG") != "" }

// burst publishes n transactions from hosts[0], each in a message of its
// own if single, and waits until every other host has all of them. It
// returns how long that took and the drops counted on all hosts.
func burst(t *testing.T, hosts []*testHost, n int, single bool) (time.Duration, uint64) {
	t.Helper()
	txs := randomTxs(rand.New(rand.NewPCG(3, 4)), n, 200)
	before := make([]int, len(hosts))
	for i, h := range hosts {
		before[i] = h.f.txTotal()
	}
	ctx := context.Background()
	start := time.Now()
	if single {
		for _, tx := range txs {
			if err := hosts[0].PublishTxs(ctx, [][]byte{tx}); err != nil {
				t.Fatal(err)
			}
		}
	} else if err := hosts[0].PublishTxs(ctx, txs); err != nil {
		t.Fatal(err)
	}
	var drops uint64
	dropped := func() uint64 {
		var d uint64
		for _, h := range hosts {
			m := h.Metrics()
			d += m.DroppedOutbound + m.DroppedValidation + m.DroppedDelivery
		}
		return d
	}
	for i, h := range hosts[1:] {
		eventually(t, waitLong, fmt.Sprintf("host %d's %d transactions", i+1, n), func() bool {
			drops = dropped()
			return h.f.txTotal()-before[i+1] >= n || drops > 0
		})
	}
	return time.Since(start), drops
}

// 10,000 transactions published at once, in batches, reach every host.
func TestTxBurstBatched(t *testing.T) {
	hosts := line(t, 4)
	d, drops := burst(t, hosts, 10_000, false)
	if drops != 0 {
		t.Fatalf("%d messages dropped", drops)
	}
	t.Logf("10,000 transactions in %d messages through 3 hops in %v", hosts[0].Metrics().TxMsgsPublished, d)
}

// A burst of 10,000 one-transaction TX messages, as fast as one host can
// sign them, is delivered through three hops without loss with the default
// queue sizes.
func TestTxBurstMessages(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 2_000
	}
	hosts := line(t, 4)
	d, drops := burst(t, hosts, n, true)
	if drops != 0 {
		for i, h := range hosts {
			t.Logf("host %d: %+v", i, h.Metrics())
		}
		t.Fatalf("%d messages dropped", drops)
	}
	t.Logf("%d one-transaction messages through 3 hops in %v (%.0f messages/s)", n, d, float64(n)/d.Seconds())
}

// TestQueueSizes measures which queue sizes a burst of 10,000 TX messages
// needs on loopback (NODED_P2P_LONG=1; NODED_P2P_QUEUES="32,1024" to
// choose the sizes). It reports, it does not fail.
func TestQueueSizes(t *testing.T) {
	if !longTests() {
		t.Skip("set NODED_P2P_LONG=1 to measure queue sizes")
	}
	sizes := []int{32, 256, 1024, 4096, 16384}
	if s := os.Getenv("NODED_P2P_QUEUES"); s != "" {
		sizes = nil
		for _, f := range splitComma(s) {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	const n = 10_000
	for _, q := range sizes {
		t.Run(strconv.Itoa(q), func(t *testing.T) {
			hosts := line(t, 4, func(c *Config) { c.PeerQueueSize, c.ValidateQueueSize, c.SubscriptionBuffer = q, q, q })
			txs := randomTxs(rand.New(rand.NewPCG(5, 6)), n, 200)
			start := time.Now()
			for _, tx := range txs {
				if err := hosts[0].PublishTxs(context.Background(), [][]byte{tx}); err != nil {
					t.Fatal(err)
				}
			}
			// Wait until the last host has everything or nothing more
			// arrives for a while (the rest was dropped).
			last, lastChange := -1, time.Now()
			eventually(t, 5*time.Minute, "the burst to settle", func() bool {
				got := hosts[3].f.txTotal()
				if got != last {
					last, lastChange = got, time.Now()
				}
				return got >= n || time.Since(lastChange) > 3*time.Second
			})
			var out, val, del uint64
			for _, h := range hosts {
				m := h.Metrics()
				out, val, del = out+m.DroppedOutbound, val+m.DroppedValidation, del+m.DroppedDelivery
			}
			t.Logf("queues %5d: delivered %5d/%d to the far end in %v; dropped outbound %d, validation %d, delivery %d",
				q, hosts[3].f.txTotal(), n, time.Since(start).Round(time.Millisecond), out, val, del)
		})
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
