package loadgen

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Report is the outcome of a run. It encodes as JSON (snake_case fields);
// times are in milliseconds, rates per second, memory in bytes.
type Report struct {
	Kind     Kind     `json:"kind"`
	URLs     []string `json:"urls"`
	ChainID  string   `json:"chain_id"`
	Accounts int      `json:"accounts"`
	Workers  int      `json:"workers"`
	Batch    int      `json:"batch"`
	// Mode is "rate" (open loop at TargetRate) or "max".
	Mode       string  `json:"mode"`
	TargetRate float64 `json:"target_rate,omitempty"`
	// DurationSeconds is the configured sending time; SendSeconds the
	// time sending took (shorter if interrupted).
	DurationSeconds float64   `json:"duration_s"`
	SendSeconds     float64   `json:"send_s"`
	DrainSeconds    float64   `json:"drain_s"`
	StartedAt       time.Time `json:"started_at"`
	Interrupted     bool      `json:"interrupted,omitempty"`

	Setup Setup `json:"setup"`

	// Submitted counts tx_send calls (a refused nonce sent again counts
	// again): Submitted = Accepted + Rejected.
	Submitted int64 `json:"submitted"`
	Accepted  int64 `json:"accepted"`
	Rejected  int64 `json:"rejected"`
	// Resent counts the calls of Submitted made after the send phase:
	// refused transactions not yet sent again when it ended, which the
	// accepted ones after them in their accounts wait for.
	Resent int64 `json:"resent_after_send"`
	// RejectedByReason: the node's refusal reasons (mempool_full,
	// nonce_too_low, ...) and transport failures (transport, http_503,
	// bad_response).
	RejectedByReason map[string]int64 `json:"rejected_by_reason"`
	// AcceptedByStatus: accepted, queued, replaced; "earlier_attempt" is
	// a resend of a transaction whose first attempt failed in transport
	// but reached the node.
	AcceptedByStatus map[string]int64 `json:"accepted_by_status"`
	// Included counts accepted transactions seen in blocks (Included <=
	// Accepted); NotIncluded the accepted ones not seen by the end of the
	// drain.
	Included    int64 `json:"included"`
	NotIncluded int64 `json:"not_included"`
	// Behind (rate mode) counts transactions due by the schedule that
	// were not sent: the generator, or the node answering it, could not
	// keep up.
	Behind int64 `json:"behind"`
	// ReceiptsChecked is a sample of included transactions (the first and
	// last 500) whose receipts were read after the run; ReceiptsFailed
	// of them failed in their block (FailedExample says why).
	ReceiptsChecked int    `json:"receipts_checked"`
	ReceiptsFailed  int    `json:"receipts_failed"`
	FailedExample   string `json:"failed_example,omitempty"`
	// RetiredAccounts stopped sending after a refusal that resending
	// cannot cure (insufficient_funds, ...).
	RetiredAccounts int `json:"retired_accounts"`

	// SubmitTPS is Submitted / SendSeconds; AcceptTPS likewise.
	SubmitTPS float64 `json:"submit_tps"`
	AcceptTPS float64 `json:"accept_tps"`
	// IncludedTPS, the sustained rate, is Included over the time from the
	// start of sending to the last inclusion.
	IncludedTPS float64 `json:"included_tps"`

	// Confirmation is the latency from submission (the scheduled time in
	// rate mode, which makes it coordinated-omission aware) to the
	// arrival of the head that included the transaction, over every
	// included transaction.
	Confirmation Percentiles `json:"confirmation_ms"`
	// SubmitRTT is the round trip of one tx_send request (a whole batch
	// when batching).
	SubmitRTT Percentiles `json:"submit_rtt_ms"`
	// SendLag (rate mode) is how late requests left against the schedule.
	SendLag *Percentiles `json:"send_lag_ms,omitempty"`

	// NodeCPUPerTx is the nodes' CPU time from the start of sending to the
	// end of draining, in microseconds per included transaction: what a
	// transaction costs the nodes, whatever else runs on the machine
	// (1e6 x cores / NodeCPUPerTx bounds the rate of a node alone on the
	// machine). GeneratorCPUSeconds is this process's CPU time then.
	NodeCPUPerTx        float64 `json:"node_cpu_us_per_tx"`
	GeneratorCPUSeconds float64 `json:"generator_cpu_s"`

	Blocks   Blocks       `json:"blocks"`
	Memory   []NodeMemory `json:"memory"`
	Timeline []Second     `json:"timeline"`
	// LoadBefore and LoadAfter are this machine's load averages before
	// funding and after draining (absent where /proc/loadavg is not).
	LoadBefore *LoadAverage `json:"load_average_before,omitempty"`
	LoadAfter  *LoadAverage `json:"load_average_after,omitempty"`
	// HeadsBy says how inclusion was followed: "websocket" or "polling
	// (reason)".
	HeadsBy string   `json:"heads_by"`
	Notes   []string `json:"notes,omitempty"`
}

// Setup is what the run did before sending.
type Setup struct {
	FundedAccounts int     `json:"funded_accounts"`
	FundingBlocks  int     `json:"funding_blocks"`
	FundingSeconds float64 `json:"funding_s"`
	FundEach       string  `json:"fund_each"` // base units, decimal
	Contract       string  `json:"contract,omitempty"`
	ContractMethod string  `json:"contract_method,omitempty"`
	GasLimit       uint64  `json:"gas_limit"` // of one load transaction
	Presigned      int     `json:"presigned"`
	SignSeconds    float64 `json:"sign_s"`
	StartHeight    uint64  `json:"start_height"`
}

// Percentiles summarize a sample of durations, in milliseconds; the
// percentiles are exact (nearest rank over every sample).
type Percentiles struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return math.Round(float64(x)/1e3) / 1e3 }
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(d)))) - 1
		return d[max(0, min(i, len(d)-1))]
	}
	var sum float64
	for _, x := range d {
		sum += float64(x)
	}
	return Percentiles{Count: len(d), P50: ms(rank(0.50)), P90: ms(rank(0.90)), P99: ms(rank(0.99)),
		Max: ms(d[len(d)-1]), Mean: ms(time.Duration(sum / float64(len(d))))}
}

// Blocks describes the blocks seen from the start of sending.
type Blocks struct {
	Count   int     `json:"count"`
	MeanTxs float64 `json:"mean_txs"`
	MaxTxs  int     `json:"max_txs"`
}

// Second is one second of the run, from the start of sending.
type Second struct {
	T         int     `json:"t"`
	Submitted int64   `json:"submitted"`
	Accepted  int64   `json:"accepted"`
	Rejected  int64   `json:"rejected"`
	Included  int64   `json:"included"`
	P50       float64 `json:"p50_ms"` // confirmation latency of that second's inclusions
	P99       float64 `json:"p99_ms"`
	RSS       uint64  `json:"rss_bytes,omitempty"` // of the first node
	Mempool   int64   `json:"mempool_txs"`
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	mode := fmt.Sprintf("rate %g/s", r.TargetRate)
	if r.Mode == "max" {
		mode = "max rate"
	}
	p("load:          %s, %s, %d accounts, %d workers, batch %d, %s\n", r.Kind, mode, r.Accounts, r.Workers, r.Batch, strings.Join(r.URLs, " "))
	s := r.Setup
	p("setup:         funded %d accounts in %d block(s) (%.2f s)", s.FundedAccounts, s.FundingBlocks, s.FundingSeconds)
	if s.Contract != "" {
		p("; contract %s, %s gas limit %d", s.Contract, s.ContractMethod, s.GasLimit)
	}
	p("; %d transactions signed ahead (%.1f s)\n", s.Presigned, s.SignSeconds)
	interrupted := ""
	if r.Interrupted {
		interrupted = " (interrupted)"
	}
	p("sent for:      %.1f s%s, then waited %.1f s for inclusion\n", r.SendSeconds, interrupted, r.DrainSeconds)
	p("submitted:     %d (%.0f/s)", r.Submitted, r.SubmitTPS)
	if r.Resent > 0 {
		p(", %d of them refused ones sent again after the send phase", r.Resent)
	}
	p("\n")
	p("accepted:      %d (%.0f/s)%s\n", r.Accepted, r.AcceptTPS, counts(r.AcceptedByStatus, "accepted"))
	p("rejected:      %d%s\n", r.Rejected, counts(r.RejectedByReason, ""))
	p("included:      %d, sustained %.0f/s; not included %d\n", r.Included, r.IncludedTPS, r.NotIncluded)
	if r.ReceiptsChecked > 0 {
		example := ""
		if r.FailedExample != "" {
			example = " (" + r.FailedExample + ")"
		}
		p("receipts:      %d of a sample of %d failed%s\n", r.ReceiptsFailed, r.ReceiptsChecked, example)
	}
	if r.Mode == "rate" {
		p("behind:        %d transactions due but not sent\n", r.Behind)
	}
	from := "submission"
	if r.Mode == "rate" {
		from = "the scheduled send time"
	}
	c := r.Confirmation
	p("confirmation:  p50 %s  p90 %s  p99 %s  max %s  mean %s  (%d transactions, from %s to the head that includes them)\n",
		fmtMs(c.P50), fmtMs(c.P90), fmtMs(c.P99), fmtMs(c.Max), fmtMs(c.Mean), c.Count, from)
	p("tx_send RTT:   p50 %s  p99 %s  max %s  (per request)\n", fmtMs(r.SubmitRTT.P50), fmtMs(r.SubmitRTT.P99), fmtMs(r.SubmitRTT.Max))
	if r.SendLag != nil {
		p("send lag:      p50 %s  p99 %s  max %s  (behind schedule)\n", fmtMs(r.SendLag.P50), fmtMs(r.SendLag.P99), fmtMs(r.SendLag.Max))
	}
	p("blocks:        %d, %.0f transactions on average, largest %d\n", r.Blocks.Count, r.Blocks.MeanTxs, r.Blocks.MaxTxs)
	if r.NodeCPUPerTx > 0 {
		var cpu float64
		for _, m := range r.Memory {
			cpu += m.CPUSeconds
		}
		p("cpu:           node %.1f s (%.0f us per included transaction), this generator %.1f s\n", cpu, r.NodeCPUPerTx, r.GeneratorCPUSeconds)
	}
	for _, m := range r.Memory {
		if !m.Available {
			p("memory (RSS):  %s: not available (%s)\n", m.URL, m.Error)
			continue
		}
		p("memory (RSS):  %s: idle %s, peak %s, after %s\n", m.URL, fmtMB(m.IdleBytes), fmtMB(m.PeakBytes), fmtMB(m.AfterBytes))
	}
	if r.LoadBefore != nil && r.LoadAfter != nil {
		p("load average:  %.2f %.2f %.2f before, %.2f %.2f %.2f after (this machine, %s)\n",
			r.LoadBefore[0], r.LoadBefore[1], r.LoadBefore[2], r.LoadAfter[0], r.LoadAfter[1], r.LoadAfter[2], "1/5/15 min")
	}
	for _, n := range r.Notes {
		p("note:          %s\n", n)
	}
}

func counts(m map[string]int64, skip string) string {
	keys := slices.Sorted(maps.Keys(m))
	var parts []string
	for _, k := range keys {
		if k == skip && len(keys) == 1 {
			return ""
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func fmtMs(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.2fs", ms/1000)
	}
	if ms >= 10 {
		return fmt.Sprintf("%.0fms", ms)
	}
	return fmt.Sprintf("%.1fms", ms)
}

func fmtMB(b uint64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }
