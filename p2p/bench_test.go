package p2p

import (
	"context"
	crand "crypto/rand"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// benchHandler does the node's cheap checks on blocks (decode, proposer
// signature, seen-cache) and, if verify is set, on transactions (decode,
// batch signature verification), and reports arrivals.
type benchHandler struct {
	status Status
	verify bool

	mu     sync.Mutex
	seen   map[types.Hash]bool
	blocks chan arrival
	txs    atomic.Int64
}

type arrival struct {
	height uint64
	at     time.Time
}

func newBenchHandler(verify bool) *benchHandler {
	return &benchHandler{
		status: Status{ChainID: "bench", Genesis: testGenesis},
		verify: verify,
		seen:   map[types.Hash]bool{},
		blocks: make(chan arrival, 1024),
	}
}

func (b *benchHandler) Status() Status { return b.status }

func (b *benchHandler) CheckBlock(from PeerID, data []byte) Verdict {
	blk, err := types.DecodeBlock(data)
	if err != nil || !blk.Header.VerifySig() {
		return Reject
	}
	h := blk.Hash()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[h] {
		return Ignore
	}
	b.seen[h] = true
	return Accept
}

func (b *benchHandler) HandleBlock(from PeerID, data []byte) {
	now := time.Now()
	hdr, err := types.DecodeHeader(data[:headerSize])
	if err != nil {
		panic(err)
	}
	b.blocks <- arrival{hdr.Height, now}
}

func (b *benchHandler) CheckTxs(from PeerID, raw [][]byte) Verdict {
	if !b.verify {
		return Accept
	}
	items := make([]crypto.SigItem, 0, len(raw))
	for _, r := range raw {
		tx, err := types.DecodeTx(r)
		if err != nil {
			return Reject
		}
		items = append(items, tx.SigItem(tx.Hash()))
	}
	for _, ok := range crypto.VerifyBatch(items, 1, crand.Reader) {
		if !ok {
			return Reject
		}
	}
	return Accept
}

func (b *benchHandler) HandleTxs(from PeerID, txs [][]byte)      { b.txs.Add(int64(len(txs))) }
func (b *benchHandler) Blocks(from, to uint64) ([][]byte, error) { return nil, nil }
func (b *benchHandler) PeerStatus(from PeerID, st Status)        {}

// headerSize is the size of an encoded signed header (fixed).
var headerSize = len((&types.Header{}).AppendEncoding(nil))

// benchTxs returns n signed transfers from a few accounts.
func benchTxs(tb testing.TB, n int) [][]byte {
	keys := make([]crypto.PrivateKey, 16)
	for i := range keys {
		var seed [32]byte
		seed[0] = byte(i + 1)
		k, err := crypto.NewKeyFromSeed(seed[:])
		if err != nil {
			tb.Fatal(err)
		}
		keys[i] = k
	}
	out := make([][]byte, n)
	for i := range out {
		tx := &types.Tx{ChainID: "bench", Nonce: uint64(i / len(keys)), Kind: types.TxTransfer,
			To: types.Address{byte(i), byte(i >> 8)}, Amount: types.NewAmount(uint64(1000 + i)), GasLimit: 21_000, GasPrice: 1}
		tx.Sign(keys[i%len(keys)])
		out[i] = tx.Encode()
	}
	return out
}

func benchBlock(tb testing.TB, key crypto.PrivateKey, height uint64, txs [][]byte) []byte {
	blk := &types.Block{Header: types.Header{Height: height, Slot: height, Time: uint64(time.Now().UnixMilli()), GasLimit: 1 << 40}}
	for _, raw := range txs {
		tx, err := types.DecodeTx(raw)
		if err != nil {
			tb.Fatal(err)
		}
		blk.Txs = append(blk.Txs, tx)
	}
	blk.Header.Sign(key)
	return blk.Encode()
}

// benchNet starts n hosts with the given listen addresses, connected in a
// seeded random graph where every host dials `degree` others (and the
// next one, so the graph is connected). It returns the hosts, their
// handlers and the largest hop count from host 0.
func benchNet(b *testing.B, n, degree int, listen []string, verify bool) ([]*Host, []*benchHandler, int) {
	hosts := make([]*Host, n)
	handlers := make([]*benchHandler, n)
	for i := range hosts {
		handlers[i] = newBenchHandler(verify)
		h, err := New(Config{ChainID: "bench", GenesisHash: testGenesis, ListenAddrs: listen, Logger: testLogger(b)}, handlers[i])
		if err != nil {
			b.Fatal(err)
		}
		hosts[i] = h
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { h.Run(ctx); close(done) }()
		b.Cleanup(func() { cancel(); <-done })
		<-h.ready
	}
	r := rand.New(rand.NewPCG(7, 8))
	adj := make([]map[int]bool, n)
	for i := range adj {
		adj[i] = map[int]bool{}
	}
	link := func(i, j int) {
		if i == j || adj[i][j] {
			return
		}
		adj[i][j], adj[j][i] = true, true
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		if err := hosts[i].host.Connect(ctx, peer.AddrInfo{ID: hosts[j].host.ID(), Addrs: hosts[j].host.Addrs()}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range hosts {
		link(i, (i+1)%n)
		for range degree - 1 {
			link(i, r.IntN(n))
		}
	}
	// Hops from host 0.
	dist := map[int]int{0: 0}
	queue := []int{0}
	far := 0
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for j := range adj[i] {
			if _, ok := dist[j]; !ok {
				dist[j] = dist[i] + 1
				far = max(far, dist[j])
				queue = append(queue, j)
			}
		}
	}
	for i, h := range hosts {
		want := min(len(adj[i]), 8)
		eventually(b, waitLong, "the mesh", func() bool {
			return h.metrics.meshSize(h.topicBlock) >= want && h.metrics.meshSize(h.topicTx) >= want
		})
	}
	return hosts, handlers, far
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// BenchmarkBlockPropagation publishes blocks of 1,000 signed transfers
// (~200 KB) on one of 10 hosts and measures when the last host has it
// (after its cheap checks), one block at a time. Run with
// -benchtime=200x for stable percentiles.
func BenchmarkBlockPropagation(b *testing.B) {
	for _, tr := range []struct {
		name   string
		listen []string
	}{
		{"default", []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}},
		{"tcp", []string{"/ip4/127.0.0.1/tcp/0"}},
		{"quic", []string{"/ip4/127.0.0.1/udp/0/quic-v1"}},
	} {
		b.Run(tr.name, func(b *testing.B) {
			const n = 10
			hosts, handlers, hops := benchNet(b, n, 3, tr.listen, false)
			txs := benchTxs(b, 1000)
			var seed [32]byte
			key, _ := crypto.NewKeyFromSeed(seed[:])
			size := len(benchBlock(b, key, 1, txs))
			var lat []time.Duration
			height := uint64(0)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				height++
				b.StopTimer()
				block := benchBlock(b, key, height, txs)
				b.StartTimer()
				start := time.Now()
				if err := hosts[0].PublishBlock(ctx, block); err != nil {
					b.Fatal(err)
				}
				var last time.Time
				for _, h := range handlers[1:] {
					a := recv(b, h.blocks, "a block")
					if a.height != height {
						b.Fatalf("got block %d, want %d", a.height, height)
					}
					if a.at.After(last) {
						last = a.at
					}
				}
				lat = append(lat, last.Sub(start))
			}
			b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size)/1000, "block-KB")
			b.ReportMetric(float64(hops), "hops")
			tcp, all := 0, 0
			for _, h := range hosts {
				for _, c := range h.host.Network().Conns() {
					all++
					if _, err := c.RemoteMultiaddr().ValueForProtocol(ma.P_TCP); err == nil {
						tcp++
					}
				}
			}
			b.ReportMetric(float64(all)/2, "conns")
			b.ReportMetric(float64(tcp)/2, "tcp-conns")
		})
	}
}

// BenchmarkTxThroughput publishes transactions on one end of a line of 4
// hosts and measures how fast they all reach the far end: in batches of
// Config.TxBatchSize, and one per message. "verify" adds the node's cheap
// checks (decode and batch signature verification on every hop).
func BenchmarkTxThroughput(b *testing.B) {
	for _, tc := range []struct {
		name   string
		single bool
		verify bool
	}{
		{"batched", false, false},
		{"batched-verify", false, true},
		{"single", true, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			hosts, handlers := benchLine(b, 4, tc.verify)
			const per = 2000
			txs := benchTxs(b, per)
			ctx := context.Background()
			far := handlers[len(handlers)-1]
			var sent int64
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				if tc.single {
					for _, tx := range txs {
						if err := hosts[0].PublishTxs(ctx, [][]byte{tx}); err != nil {
							b.Fatal(err)
						}
					}
				} else if err := hosts[0].PublishTxs(ctx, txs); err != nil {
					b.Fatal(err)
				}
				sent += per
			}
			// Wait for everything, or, if pubsub dropped messages because
			// the publisher outran the hops, until nothing more arrives.
			drops := func() (d uint64) {
				for _, h := range hosts {
					m := h.Metrics()
					d += m.DroppedOutbound + m.DroppedValidation + m.DroppedDelivery
				}
				return d
			}
			last, lastAt, end := int64(-1), time.Now(), time.Now()
			eventually(b, 5*time.Minute, "the far end to have everything", func() bool {
				got := far.txs.Load()
				if got != last {
					last, lastAt, end = got, time.Now(), time.Now()
				}
				return got >= sent || (drops() > 0 && time.Since(lastAt) > 2*time.Second)
			})
			d := end.Sub(start)
			b.ReportMetric(float64(far.txs.Load())/d.Seconds(), "txs/s")
			b.ReportMetric(float64(hosts[0].Metrics().TxMsgsPublished)/d.Seconds(), "msgs/s")
			b.ReportMetric(float64(drops()), "dropped")
		})
	}
}

func benchLine(b *testing.B, n int, verify bool) ([]*Host, []*benchHandler) {
	hosts := make([]*Host, n)
	handlers := make([]*benchHandler, n)
	for i := range hosts {
		handlers[i] = newBenchHandler(verify)
		h, err := New(Config{ChainID: "bench", GenesisHash: testGenesis, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}}, handlers[i])
		if err != nil {
			b.Fatal(err)
		}
		hosts[i] = h
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { h.Run(ctx); close(done) }()
		b.Cleanup(func() { cancel(); <-done })
		<-h.ready
		if i > 0 {
			if err := hosts[i-1].Connect(context.Background(), h.Addrs()[0]); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, h := range hosts {
		want := min(len(h.host.Network().Peers()), 8)
		eventually(b, waitLong, "the mesh", func() bool { return h.metrics.meshSize(h.topicTx) >= want })
	}
	return hosts, handlers
}
