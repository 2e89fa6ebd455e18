package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

// nodeMetrics reads one node's Prometheus metrics: its resident memory
// (process_resident_memory_bytes), CPU time (process_cpu_seconds_total)
// and mempool size (noded_mempool_txs).
type nodeMetrics struct {
	url string
	hc  *http.Client

	mu      sync.Mutex
	ok      bool   // the endpoint answered with the memory at least once
	lastErr string // why it did not, if it never did
	idle    float64
	peak    float64
	after   float64
	last    float64
	mempool float64
	samples int
	cpu0    float64 // CPU seconds when the load starts
	cpu1    float64 // and after draining
	cpuOK   bool
}

func newNodeMetrics(nodeURL string) *nodeMetrics {
	return &nodeMetrics{url: metricsURL(nodeURL), hc: &http.Client{Timeout: 5 * time.Second}}
}

// gauges are the values read from one scrape.
type gauges struct{ rss, cpu, mempool float64 }

// scrape reads the metrics once.
func (m *nodeMetrics) scrape(ctx context.Context) (g gauges, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return g, err
	}
	resp, err := m.hc.Do(req)
	if err != nil {
		return g, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return g, fmt.Errorf("%s: HTTP %s", m.url, resp.Status)
	}
	g, found := parseMetrics(resp.Body)
	if !found {
		return g, fmt.Errorf("%s has no process_resident_memory_bytes", m.url)
	}
	return g, nil
}

// parseMetrics finds the gauges in the Prometheus text format.
func parseMetrics(r io.Reader) (g gauges, found bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		for _, g := range []struct {
			name string
			dst  *float64
			hit  bool
		}{{"process_resident_memory_bytes", &g.rss, true}, {"process_cpu_seconds_total", &g.cpu, false}, {"noded_mempool_txs", &g.mempool, false}} {
			rest, ok := bytes.CutPrefix(line, []byte(g.name))
			if !ok || len(rest) == 0 || (rest[0] != ' ' && rest[0] != '{') {
				continue
			}
			fields := strings.Fields(string(rest))
			if len(fields) == 0 {
				continue
			}
			v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
			if err != nil {
				continue
			}
			*g.dst = v
			if g.hit {
				found = true
			}
		}
	}
	return g, found
}

type memPhase int

const (
	memIdle  memPhase = iota // before the run
	memStart                 // the load starts: CPU time from here
	memLoad                  // during the load
	memAfter                 // after draining: CPU time to here
)

// sample scrapes and records the memory for a phase: idle and after keep
// their sample; every sample counts toward the peak.
func (m *nodeMetrics) sample(ctx context.Context, phase memPhase) {
	g, err := m.scrape(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		if !m.ok {
			m.lastErr = err.Error()
		}
		return
	}
	m.ok = true
	m.samples++
	m.last, m.mempool = g.rss, g.mempool
	m.peak = max(m.peak, g.rss)
	switch phase {
	case memIdle:
		m.idle = g.rss
	case memStart:
		m.cpu0, m.cpuOK = g.cpu, g.cpu > 0
	case memAfter:
		m.after, m.cpu1 = g.rss, g.cpu
	}
}

// watch samples every interval until ctx is done.
func (m *nodeMetrics) watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.sample(ctx, memLoad)
		}
	}
}

func (m *nodeMetrics) current() (rss, mempool float64, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last, m.mempool, m.ok
}

// NodeMemory is the resident memory of one node, from its /metrics.
type NodeMemory struct {
	URL string `json:"url"`
	// Available is false when the node serves no memory metric; Error
	// then says why.
	Available bool   `json:"available"`
	Error     string `json:"error,omitempty"`
	// IdleBytes is before the run (before funding); PeakBytes the highest
	// sample, one a second, while sending and draining; AfterBytes after
	// draining.
	IdleBytes  uint64 `json:"idle_rss_bytes"`
	PeakBytes  uint64 `json:"peak_rss_bytes"`
	AfterBytes uint64 `json:"after_rss_bytes"`
	Samples    int    `json:"samples"`
	// CPUSeconds is the node's CPU time (process_cpu_seconds_total) from
	// the start of sending to the end of draining: unlike rates, it
	// depends little on what else runs on the machine.
	CPUSeconds float64 `json:"cpu_s"`
}

func (m *nodeMetrics) report(url string) NodeMemory {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := NodeMemory{URL: url, Available: m.ok, Samples: m.samples}
	if !m.ok {
		r.Error = m.lastErr
		return r
	}
	r.IdleBytes, r.PeakBytes, r.AfterBytes = uint64(m.idle), uint64(m.peak), uint64(m.after)
	if m.cpuOK && m.cpu1 >= m.cpu0 {
		r.CPUSeconds = round3(m.cpu1 - m.cpu0)
	}
	return r
}

// LoadAverage is the machine's load average (/proc/loadavg), where the
// generator runs: 1, 5 and 15 minutes.
type LoadAverage [3]float64

func readLoadAverage() *LoadAverage {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return nil
	}
	var la LoadAverage
	for i := range la {
		if la[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			return nil
		}
	}
	return &la
}
