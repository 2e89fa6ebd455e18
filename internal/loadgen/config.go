package loadgen

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/noded/noded/crypto"
)

// Kind is the kind of transactions a run sends.
type Kind string

// The kinds of load.
const (
	// KindTransfer sends transfers of 1 base unit between the run's
	// accounts.
	KindTransfer Kind = "transfer"
	// KindCounter calls increment on one counter contract
	// (contracts/examples/counter-wat), deployed by the run.
	KindCounter Kind = "counter"
	// KindToken sends token transfers of 1 unit between the run's
	// accounts with the Go token example (contracts/examples/token),
	// deployed by the run, which hands each account its tokens.
	KindToken Kind = "token"
)

// Kinds lists the kinds of load, in the order the CLI shows them.
func Kinds() []Kind { return []Kind{KindTransfer, KindCounter, KindToken} }

// Limits and defaults of Config.
const (
	DefaultAccounts = 100
	DefaultDuration = 60 * time.Second
	DefaultDrain    = 30 * time.Second
	// DefaultWorkersPerURL is the number of workers per node URL unless
	// Config.Workers says otherwise (never more than the accounts).
	DefaultWorkersPerURL = 16
	// DefaultWindow caps an account's transactions that are accepted but
	// not yet included: a worker skips the account until blocks catch up.
	// It keeps a run under the mempool's per-sender limit (4,096 nonces
	// ahead).
	DefaultWindow = 1024
	MaxAccounts   = 100_000
	// MaxBatch is the node's limit of calls in one JSON-RPC batch.
	MaxBatch = 1000
	// MaxPresigned caps the transactions signed before the run (about 200
	// bytes each); a run that needs more signs the rest as it goes.
	MaxPresigned = 1_000_000
)

// Config configures a run. Zero values take the documented defaults.
type Config struct {
	// URLs are the nodes' JSON-RPC URLs (http://, https://, ws:// or
	// wss://; HOST:PORT means http://HOST:PORT). Required. Workers are
	// spread over them; inclusion is followed on the first.
	URLs []string
	// Funder signs the funding transfers and the contract deploy.
	// Required.
	Funder crypto.PrivateKey
	// Accounts is the number of fresh accounts that send the load.
	// Default 100, at most MaxAccounts.
	Accounts int
	// Rate is the transactions per second to send (open loop). Exactly
	// one of Rate > 0 and Max must be set.
	Rate float64
	// Max sends as fast as the nodes answer (closed loop, each worker
	// waits for its previous request).
	Max bool
	// Duration is how long to send. Default 60s.
	Duration time.Duration
	// Kind of transactions. Default KindTransfer.
	Kind Kind
	// Batch is the number of tx_send calls in one HTTP request; more than
	// 1 sends JSON-RPC batches. Default 1, at most MaxBatch.
	Batch int
	// Workers is the number of concurrent senders, each with its own
	// accounts and HTTP connection. Default DefaultWorkersPerURL per URL,
	// at most Accounts.
	Workers int
	// Drain is how long to wait after sending for the accepted
	// transactions to be included. Default 30s; negative means no wait.
	Drain time.Duration
	// GasPrice of every transaction. Default 1.
	GasPrice uint64
	// Window caps an account's transactions accepted and not yet
	// included. Default DefaultWindow.
	Window int
	// Seed derives the accounts' keys; empty means a random seed, so
	// every run has fresh accounts.
	Seed string
	// ContractCode is the contract of the counter and token kinds. For
	// KindCounter it defaults to the example counter.wasm
	// (contracts/examples/counter-wat); any contract whose "increment"
	// method takes no input works (the Go counter example does). For
	// KindToken it is required: the Go token example
	// (contracts/examples/token) built, or a contract with the same
	// init and transfer methods.
	ContractCode []byte
	// Progress receives a progress line a second while sending and
	// draining; nil for none. ProgressTTY rewrites the line in place, as
	// on a terminal; otherwise each second is a new line.
	Progress    io.Writer
	ProgressTTY bool
	// Log receives a line per setup step; nil for none.
	Log io.Writer
}

// ErrConfig is matched by the errors of a bad Config.
var ErrConfig = errors.New("bad load configuration")

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// withDefaults returns a copy of c with defaults set, validated.
func (c Config) withDefaults() (Config, error) {
	if c.Accounts == 0 {
		c.Accounts = DefaultAccounts
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Drain == 0 {
		c.Drain = DefaultDrain
	} else if c.Drain < 0 {
		c.Drain = 0
	}
	if c.Kind == "" {
		c.Kind = KindTransfer
	}
	if c.Batch == 0 {
		c.Batch = 1
	}
	if c.GasPrice == 0 {
		c.GasPrice = 1
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkersPerURL * len(c.URLs)
	}
	c.Workers = min(c.Workers, c.Accounts)
	var err error
	urls := make([]string, 0, len(c.URLs))
	for _, u := range c.URLs {
		if u, err = normalizeURL(u); err != nil {
			return c, err
		}
		urls = append(urls, u)
	}
	c.URLs = urls
	return c, c.validate()
}

func (c *Config) validate() error {
	switch {
	case len(c.URLs) == 0:
		return configErr("no node URL")
	case c.Funder.IsZero():
		return configErr("no funding key")
	case c.Accounts < 1 || c.Accounts > MaxAccounts:
		return configErr("accounts must be 1-%d, got %d", MaxAccounts, c.Accounts)
	case c.Max && c.Rate != 0:
		return configErr("give a rate or max, not both")
	case !c.Max && !(c.Rate > 0):
		return configErr("give a rate above 0, or max")
	case c.Rate > 10_000_000:
		return configErr("rate %g is above 10,000,000 transactions per second", c.Rate)
	case c.Duration < 0:
		return configErr("negative duration %v", c.Duration)
	case c.Batch < 1 || c.Batch > MaxBatch:
		return configErr("batch must be 1-%d calls, got %d", MaxBatch, c.Batch)
	case c.Workers < 1:
		return configErr("workers must be at least 1, got %d", c.Workers)
	case c.Window < 1:
		return configErr("window must be at least 1, got %d", c.Window)
	}
	switch c.Kind {
	case KindTransfer, KindCounter:
	case KindToken:
		if len(c.ContractCode) == 0 {
			return configErr("kind token needs the token contract's code (contracts/examples/token, built with noded contract build)")
		}
	default:
		return configErr("unknown kind %q (want transfer, counter or token)", c.Kind)
	}
	return nil
}

// normalizeURL checks a node URL and returns it with a scheme.
func normalizeURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", configErr("empty node URL")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", configErr("node URL %q: %v", raw, err)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return "", configErr("node URL %q: scheme must be http, https, ws or wss", raw)
	}
	if u.Host == "" {
		return "", configErr("node URL %q has no host", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// httpURL and wsURL return a node URL with the scheme for HTTP or
// WebSocket.
func httpURL(u string) string { return swapScheme(u, "ws", "http") }
func wsURL(u string) string   { return swapScheme(u, "http", "ws") }

func swapScheme(u, from, to string) string {
	if rest, ok := strings.CutPrefix(u, from+"://"); ok {
		return to + "://" + rest
	}
	if rest, ok := strings.CutPrefix(u, from+"s://"); ok {
		return to + "s://" + rest
	}
	return u
}

// metricsURL returns the node's /metrics URL.
func metricsURL(u string) string {
	p, err := url.Parse(httpURL(u))
	if err != nil {
		return ""
	}
	p.Path, p.RawQuery = "/metrics", ""
	return p.String()
}
