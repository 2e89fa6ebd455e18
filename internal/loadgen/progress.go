package loadgen

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// progress prints a line a second and records the timeline.
type progress struct {
	r     *runner
	start time.Time

	mu       sync.Mutex
	phase    string
	timeline []Second
	latFrom  int
	prev     [4]int64 // submitted, accepted, rejected, included at the last tick
	printed  bool
}

func newProgress(r *runner, start time.Time) *progress {
	return &progress{r: r, start: start, phase: "send"}
}

func (p *progress) setPhase(s string) {
	p.mu.Lock()
	p.phase = s
	p.mu.Unlock()
}

// run ticks every second until ctx is done; abort ends the send phase
// when no node has answered for nodesDownAfter.
func (p *progress) run(ctx context.Context, abort func(error)) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			p.tick(now)
			p.mu.Lock()
			sending := p.phase == "send"
			p.mu.Unlock()
			if quiet := now.Sub(time.Unix(0, p.r.lastOK.Load())); sending && quiet > nodesDownAfter {
				abort(fmt.Errorf("%w: no answer to tx_send for %v", errNodesDown, quiet.Round(time.Second)))
			}
		}
	}
}

func (p *progress) tick(now time.Time) {
	r := p.r
	p.mu.Lock()
	defer p.mu.Unlock()
	r.trk.mu.Lock()
	inc := r.trk.included
	r.trk.mu.Unlock()
	cur := [4]int64{r.submitted.Load(), r.accepted.Load(), r.rejected.Load(), inc}
	lat, next := r.trk.latencies(p.latFrom)
	p.latFrom = next
	pc := percentiles(lat)
	rss, pool, memOK := r.mets[0].current()
	s := Second{T: len(p.timeline) + 1, Submitted: cur[0] - p.prev[0], Accepted: cur[1] - p.prev[1],
		Rejected: cur[2] - p.prev[2], Included: cur[3] - p.prev[3], P50: pc.P50, P99: pc.P99, Mempool: int64(pool)}
	if memOK {
		s.RSS = uint64(rss)
	}
	p.timeline = append(p.timeline, s)
	p.prev = cur
	w := r.cfg.Progress
	if w == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%s %3.0fs] sent %6d/s  accepted %d  rejected %d  included %6d/s (%d)  in flight %d",
		p.phase, now.Sub(p.start).Seconds(), s.Submitted, cur[1], cur[2], s.Included, cur[3], cur[1]-cur[3])
	if pc.Count > 0 {
		fmt.Fprintf(&b, "  p50 %s p99 %s", fmtMs(pc.P50), fmtMs(pc.P99))
	}
	if memOK {
		fmt.Fprintf(&b, "  rss %s  mempool %d", fmtMB(uint64(rss)), int64(pool))
	}
	if r.cfg.ProgressTTY {
		fmt.Fprintf(w, "\r\x1b[K%s", b.String())
	} else {
		fmt.Fprintln(w, b.String())
	}
	p.printed = true
}

// finish ends the line in place on a terminal.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.r.cfg.Progress != nil && p.r.cfg.ProgressTTY && p.printed {
		fmt.Fprintln(p.r.cfg.Progress)
	}
}
