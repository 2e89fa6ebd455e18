package loadgen

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/internal/cputime"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// drainAfterInterrupt bounds the wait for inclusion after an interrupt.
const drainAfterInterrupt = 2 * time.Second

// load runs the send and drain phases and builds the report.
func (r *runner) load(ctx context.Context) (*Report, error) {
	cfg := &r.cfg
	// Requests and the chain follower outlive an interrupt: what is in
	// flight is answered, and inclusion is watched a little longer.
	bg := context.WithoutCancel(ctx)
	var height hexutil.Uint64
	if err := r.conns[0].callOne(ctx, &height, "chain_blockNumber"); err != nil {
		return nil, fmt.Errorf("head of %s: %w", cfg.URLs[0], err)
	}
	r.rep.Setup.StartHeight = uint64(height)

	for _, m := range r.mets {
		m.sample(ctx, memStart)
	}
	cpu0 := cputime.Process()
	start := time.Now()
	r.trk = newTracker(start)
	r.fol = &follower{url: cfg.URLs[0], conn: r.conns[0], t: r.trk, start: uint64(height)}
	followCtx, stopFollow := context.WithCancel(bg)
	var bgWG sync.WaitGroup
	bgWG.Go(func() { r.fol.run(followCtx) })
	for _, m := range r.mets {
		bgWG.Go(func() { m.watch(followCtx, time.Second) })
	}
	r.lastOK.Store(start.UnixNano())

	sendCtx, stopSend := context.WithCancelCause(ctx)
	defer stopSend(nil)
	sendCtx, cancelDeadline := context.WithDeadline(sendCtx, start.Add(cfg.Duration))
	defer cancelDeadline()
	prog := newProgress(r, start)
	progDone := make(chan struct{})
	go func() {
		defer close(progDone)
		prog.run(followCtx, func(err error) { stopSend(err) })
	}()

	ws := r.workers()
	var wg sync.WaitGroup
	var jobs chan time.Time
	if !cfg.Max {
		jobs = make(chan time.Time, len(ws))
		go r.schedule(sendCtx, start, jobs)
	}
	for _, w := range ws {
		wg.Go(func() { w.run(sendCtx, jobs) })
	}
	wg.Wait()
	sendEnd := time.Now()
	sendErr := context.Cause(sendCtx)

	// Drain: wait for the accepted transactions to be included.
	prog.setPhase("drain")
	drain := cfg.Drain
	if ctx.Err() != nil {
		drain = min(drain, drainAfterInterrupt)
	}
	deadline := sendEnd.Add(drain)
	// Refused transactions still waiting to be sent again when the send
	// phase ended go now: the accepted ones after them in their accounts
	// could not be included without them.
	var flushing atomic.Int64
	var fwg sync.WaitGroup
	if ctx.Err() == nil && !errors.Is(sendErr, errNodesDown) {
		for _, w := range ws {
			flushing.Add(1)
			fwg.Go(func() {
				defer flushing.Add(-1)
				w.flush(bg, deadline)
			})
		}
	}
	for (r.trk.pendingCount() > 0 || flushing.Load() > 0) && time.Now().Before(deadline) && !errors.Is(sendErr, errNodesDown) {
		time.Sleep(20 * time.Millisecond)
	}
	fwg.Wait()
	for _, w := range ws {
		w.merge()
	}
	drainEnd := time.Now()
	stopFollow()
	bgWG.Wait()
	<-progDone
	prog.finish()
	for _, m := range r.mets {
		m.sample(bg, memAfter)
	}
	r.rep.GeneratorCPUSeconds = round3((cputime.Process() - cpu0).Seconds())

	rep := r.report(start, sendEnd, drainEnd, prog.timeline)
	r.checkSample(bg, rep)
	rep.Interrupted = ctx.Err() != nil
	switch {
	case errors.Is(sendErr, errNodesDown):
		return rep, sendErr
	case rep.Interrupted:
		return rep, context.Cause(ctx)
	}
	return rep, nil
}

// schedule emits the due time of each request of the open-loop schedule
// until the send phase ends: those due before start + Duration, however
// late the timers fire. A request that no worker can take in time waits
// in the channel, or holds up the schedule, but keeps its due time.
func (r *runner) schedule(ctx context.Context, start time.Time, jobs chan<- time.Time) {
	defer close(jobs)
	interval := float64(r.cfg.Batch) / r.cfg.Rate * float64(time.Second)
	end := start.Add(r.cfg.Duration)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; ; i++ {
		at := start.Add(time.Duration(float64(i) * interval))
		if !at.Before(end) {
			return
		}
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		select {
		case jobs <- at:
		case <-ctx.Done():
			return
		}
	}
}

// worker sends the transactions of its accounts to one node.
type worker struct {
	r     *runner
	conn  *rpcConn
	accts []*account
	rr    int

	items []item
	raws  [][]byte
	outs  []sendOutcome
	buf   []byte

	// Merged into the runner at the end.
	byReason map[string]int64
	byStatus map[string]int64
	rtt      []time.Duration
	lag      []time.Duration
	retired  map[string]int
	example  map[string]string
}

type item struct {
	a     *account
	nonce uint64
	retry bool
	hash  types.Hash
}

// workers deals the accounts to the workers (account i to worker i mod
// W) and the workers to the URLs (worker w to URL w mod U), so that each
// account's nonces go, in order, to one node.
func (r *runner) workers() []*worker {
	ws := make([]*worker, r.cfg.Workers)
	for i := range ws {
		ws[i] = &worker{r: r, conn: r.conns[i%len(r.conns)], byReason: map[string]int64{}, byStatus: map[string]int64{},
			retired: map[string]int{}, example: map[string]string{}}
	}
	for i, a := range r.accts {
		w := ws[i%len(ws)]
		w.accts = append(w.accts, a)
	}
	return ws
}

// run sends until the send phase ends: one request per due time from
// jobs, or back to back when jobs is nil (max mode).
func (w *worker) run(sendCtx context.Context, jobs <-chan time.Time) {
	bg := context.WithoutCancel(sendCtx)
	if jobs == nil {
		for sendCtx.Err() == nil {
			items := w.pickWait(sendCtx)
			if len(items) == 0 {
				return
			}
			w.send(bg, items, time.Time{})
		}
		return
	}
	for at := range jobs {
		if sendCtx.Err() != nil {
			continue
		}
		items := w.pickWait(sendCtx)
		w.r.jobsDone.Add(1)
		w.r.shortfall.Add(int64(w.r.cfg.Batch - len(items)))
		if len(items) > 0 {
			w.send(bg, items, at)
		}
	}
}

// flush sends the nonces of w's accounts that were refused and not yet
// sent again when the send phase ended, until none is left or deadline.
// A refusal again (the node may still be busy) waits a moment and tries
// again.
func (w *worker) flush(ctx context.Context, deadline time.Time) {
	for time.Now().Before(deadline) {
		items := w.items[:0]
		for _, a := range w.accts {
			for a.retired == "" && len(a.retry) > 0 && len(items) < w.r.cfg.Batch {
				nonce, _ := a.take()
				a.inflight.Add(1)
				items = append(items, item{a: a, nonce: nonce, retry: true})
			}
		}
		w.items = items
		if len(items) == 0 {
			return
		}
		w.r.resent.Add(int64(len(items)))
		w.send(ctx, items, time.Time{})
		if slices.ContainsFunc(w.accts, func(a *account) bool { return a.retired == "" && len(a.retry) > 0 }) {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// pickWait picks a request's transactions, waiting while every account is
// at its window. It returns nothing when the send phase ends or every
// account has retired.
func (w *worker) pickWait(ctx context.Context) []item {
	for {
		items, live := w.pick(w.r.cfg.Batch)
		if len(items) > 0 || !live {
			return items
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Millisecond):
		}
	}
}

// pick takes up to n transactions round-robin over the worker's accounts,
// skipping accounts at their window. live is false when every account has
// retired.
func (w *worker) pick(n int) (items []item, live bool) {
	w.items = w.items[:0]
	window := int64(w.r.cfg.Window)
	for len(w.items) < n {
		took := false
		for range w.accts {
			if len(w.items) == n {
				break
			}
			a := w.accts[w.rr]
			w.rr = (w.rr + 1) % len(w.accts)
			if a.retired != "" {
				continue
			}
			live = true
			if a.inflight.Load() >= window {
				continue
			}
			nonce, retry := a.take()
			a.inflight.Add(1)
			w.items = append(w.items, item{a: a, nonce: nonce, retry: retry})
			took = true
		}
		if !took {
			break
		}
	}
	return w.items, live || len(w.items) > 0
}

// retryable reasons are refusals that the same transaction may overcome
// when sent again later.
var retryable = map[string]bool{
	"mempool_full": true, "sender_full": true, "nonce_too_far_ahead": true,
	"internal_error": true, "response_too_large": true, "timeout": true, "bad_response": true, "transport": true,
}

// send submits one request and accounts for every transaction in it.
func (w *worker) send(ctx context.Context, items []item, due time.Time) {
	r := w.r
	now := time.Now()
	at := now
	if !due.IsZero() {
		at = due
		w.lag = append(w.lag, now.Sub(due))
	}
	w.raws = w.raws[:0]
	for i := range items {
		it := &items[i]
		raw, h := it.a.signed(&r.wl, it.nonce)
		it.hash = h
		w.raws = append(w.raws, raw)
		r.trk.add(h, it.a, at)
	}
	if cap(w.outs) < len(items) {
		w.outs = make([]sendOutcome, len(items))
	}
	outs := w.outs[:len(items)]
	t0 := time.Now()
	var err error
	w.buf, err = w.conn.sendTxs(ctx, w.raws, r.cfg.Batch > 1, w.buf, outs)
	w.rtt = append(w.rtt, time.Since(t0))
	if err == nil {
		r.lastOK.Store(time.Now().UnixNano())
	}
	var acc, rej int64
	for i, it := range items {
		o := outs[i]
		switch {
		case o.status != "":
			w.byStatus[o.status]++
			acc++
			continue
		case it.retry && o.reason == "duplicate":
			// An earlier attempt failed in transport but reached the
			// node: the pool has it, and a block will include it.
			w.byStatus["earlier_attempt"]++
			acc++
			continue
		case it.retry && o.reason == "nonce_too_low":
			// Likewise, and it is already included.
			if r.trk.remove(it.hash) {
				it.a.inflight.Add(-1)
			}
			w.byStatus["earlier_attempt"]++
			acc++
			continue
		case !r.trk.remove(it.hash):
			// Already included: the node had it from an earlier attempt.
			w.byStatus["earlier_attempt"]++
			acc++
			continue
		}
		it.a.inflight.Add(-1)
		w.byReason[o.reason]++
		rej++
		switch {
		case retryable[o.reason] || strings.HasPrefix(o.reason, "http_"):
			it.a.giveBack(it.nonce)
		case o.reason == "duplicate":
			// The pool has it: nothing to do.
		default:
			it.a.retired = o.reason
			w.retired[o.reason]++
			if _, ok := w.example[o.reason]; !ok && o.err != nil {
				w.example[o.reason] = fmt.Sprintf("%s nonce %d: %v", it.a.addr, it.nonce, o.err)
			}
		}
	}
	r.submitted.Add(int64(len(items)))
	r.accepted.Add(acc)
	r.rejected.Add(rej)
	if err != nil {
		time.Sleep(50 * time.Millisecond) // the node is in trouble: do not spin
	}
}

func (w *worker) merge() {
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range w.byReason {
		r.byReason[k] += v
	}
	for k, v := range w.byStatus {
		r.byStatus[k] += v
	}
	for k, v := range w.retired {
		r.retired[k] += v
	}
	for k, v := range w.example {
		if _, ok := r.example[k]; !ok {
			r.example[k] = v
		}
	}
	r.rtt = append(r.rtt, w.rtt...)
	r.lag = append(r.lag, w.lag...)
}

// report builds the report once the run is over.
func (r *runner) report(start, sendEnd, drainEnd time.Time, timeline []Second) *Report {
	cfg := &r.cfg
	rep := &r.rep
	rep.Kind, rep.URLs, rep.ChainID = cfg.Kind, cfg.URLs, r.chainID
	rep.Accounts, rep.Workers, rep.Batch = cfg.Accounts, cfg.Workers, cfg.Batch
	rep.Mode = "max"
	if !cfg.Max {
		rep.Mode, rep.TargetRate = "rate", cfg.Rate
	}
	rep.DurationSeconds = cfg.Duration.Seconds()
	rep.StartedAt = start.UTC()
	send := sendEnd.Sub(start)
	rep.SendSeconds = round3(send.Seconds())
	rep.DrainSeconds = round3(drainEnd.Sub(sendEnd).Seconds())

	rep.Submitted, rep.Accepted, rep.Rejected = r.submitted.Load(), r.accepted.Load(), r.rejected.Load()
	rep.Resent = r.resent.Load()
	rep.RejectedByReason, rep.AcceptedByStatus = r.byReason, r.byStatus
	t := r.trk
	t.mu.Lock()
	rep.Included = t.included
	lat := t.lat
	lastAt := t.lastAt
	rep.Blocks = Blocks{Count: t.blocks, MaxTxs: t.maxTxs}
	if t.blocks > 0 {
		rep.Blocks.MeanTxs = round3(float64(t.blockTxs) / float64(t.blocks))
	}
	t.lat = nil
	t.mu.Unlock()
	rep.NotIncluded = rep.Accepted - rep.Included
	if s := send.Seconds(); s > 0 {
		rep.SubmitTPS = round3(float64(rep.Submitted-rep.Resent) / s)
		rep.AcceptTPS = round3(float64(rep.Accepted) / s)
	}
	if rep.Included > 0 {
		rep.IncludedTPS = round3(float64(rep.Included) / lastAt.Sub(start).Seconds())
	}
	rep.Confirmation = percentiles(lat)
	rep.SubmitRTT = percentiles(r.rtt)
	if !cfg.Max {
		lag := percentiles(r.lag)
		rep.SendLag = &lag
		interval := float64(cfg.Batch) / cfg.Rate * float64(time.Second)
		due := int64(math.Ceil(float64(min(send, cfg.Duration)) / interval))
		rep.Behind = max(0, (due-r.jobsDone.Load())*int64(cfg.Batch)+r.shortfall.Load())
	}
	var cpu float64
	for i, m := range r.mets {
		rep.Memory = append(rep.Memory, m.report(cfg.URLs[i]))
		cpu += rep.Memory[i].CPUSeconds
	}
	if rep.Included > 0 && cpu > 0 {
		rep.NodeCPUPerTx = round3(cpu * 1e6 / float64(rep.Included))
	}
	rep.Timeline = timeline
	rep.LoadAfter = readLoadAverage()
	rep.HeadsBy = "websocket"
	if why := r.fol.fellBack(); why != "" {
		rep.HeadsBy = "polling (" + why + ")"
	}
	for _, reason := range slices.Sorted(maps.Keys(r.retired)) {
		rep.RetiredAccounts += r.retired[reason]
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d account(s) stopped sending after a %s refusal, e.g. %s",
			r.retired[reason], reason, r.example[reason]))
	}
	if rep.Behind > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d transactions were due but not sent: the generator or the node could not keep up with %g/s (see send_lag_ms)",
			rep.Behind, cfg.Rate))
	}
	return rep
}

// checkSample reads the receipts of the tracker's sample of included
// transactions and counts the failed ones.
func (r *runner) checkSample(ctx context.Context, rep *Report) {
	hashes := r.trk.sample()
	for lo := 0; lo < len(hashes); lo += 100 {
		chunk := hashes[lo:min(len(hashes), lo+100)]
		calls := make([]call, len(chunk))
		for i, h := range chunk {
			calls[i] = call{"tx_getReceipt", []any{h}}
		}
		rs, err := r.conns[0].batch(ctx, calls)
		if err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("receipts of the sample: %v", err))
			return
		}
		for i, res := range rs {
			var rc *rpc.RPCReceipt
			if res.Error != nil || decodeJSON(res.Result, &rc) != nil || rc == nil {
				continue // a reorg on a devnet, or a node in trouble: not counted
			}
			rep.ReceiptsChecked++
			if rc.Status != rpc.ReceiptStatusSuccess {
				rep.ReceiptsFailed++
				if rep.FailedExample == "" {
					rep.FailedExample = fmt.Sprintf("%s: %s", chunk[i], rc.Error)
				}
			}
		}
	}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
