package node

import (
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the node's Prometheus metrics, registered in a registry of
// its own (not the process-wide default), so that several nodes in one
// test process do not collide.
type metrics struct {
	reg          *prometheus.Registry
	height       prometheus.Gauge
	blocks       prometheus.Counter
	txs          prometheus.Counter
	blockSeconds prometheus.Histogram
	blockTxs     prometheus.Histogram
}

func newMetrics(n *Node) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.height = prometheus.NewGauge(prometheus.GaugeOpts{Name: "noded_head_height", Help: "Height of the head block."})
	m.blocks = prometheus.NewCounter(prometheus.CounterOpts{Name: "noded_blocks_total", Help: "Blocks committed by this process."})
	m.txs = prometheus.NewCounter(prometheus.CounterOpts{Name: "noded_txs_total", Help: "Transactions included in blocks committed by this process."})
	m.blockSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "noded_block_seconds",
		Help: "Time to build or validate, and commit, a block.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)})
	m.blockTxs = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "noded_block_txs",
		Help: "Transactions per block.", Buckets: prometheus.ExponentialBuckets(1, 2, 16)})
	pool := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "noded_mempool_txs", Help: "Transactions in the mempool."},
		func() float64 { return float64(n.pool.Len()) })
	snaps := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "noded_snapshots_taken_total",
		Help: "State snapshots this process has taken."}, func() float64 {
		if n.snaps == nil {
			return 0
		}
		return float64(n.snaps.taken.Load())
	})
	batched := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "noded_sigs_batch_verified_total",
		Help: "Signatures of submitted transactions verified in a batch with others (JSON-RPC batches)."},
		func() float64 {
			if n.preverified == nil {
				return 0
			}
			return float64(n.preverified.usedCount())
		})
	known := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "noded_sigs_known_total",
		Help: "Signatures of block transactions not verified again: the node verified them when they reached its mempool."},
		func() float64 { return float64(n.sigsKnown.Load()) })
	m.reg.MustRegister(m.height, m.blocks, m.txs, m.blockSeconds, m.blockTxs, pool, snaps, batched, known,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// mount serves /metrics, and /debug/pprof/ when asked, on the RPC port.
func (m *metrics) mount(handle func(string, http.Handler), withPprof bool) {
	handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	if withPprof {
		handle("/debug/pprof/", http.HandlerFunc(pprof.Index))
		handle("/debug/pprof/cmdline", http.HandlerFunc(pprof.Cmdline))
		handle("/debug/pprof/profile", http.HandlerFunc(pprof.Profile))
		handle("/debug/pprof/symbol", http.HandlerFunc(pprof.Symbol))
		handle("/debug/pprof/trace", http.HandlerFunc(pprof.Trace))
	}
}
