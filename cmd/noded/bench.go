package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/noded/noded/contracts/build"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/internal/loadgen"
	"github.com/noded/noded/node"
)

func init() { register(newBenchCmd) }

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a node under load",
		Long: `Measure how a node (or a devnet) behaves under load: throughput, confirmation
latency and memory. The Go micro-benchmarks run with bench/run.sh; the method
and current figures are in docs/benchmarks.md.`,
		Example: `  noded bench load --rate 2000 --duration 30s
  noded bench load --rpc http://127.0.0.1:8545,http://127.0.0.1:8546 --max --batch 100`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.AddCommand(newBenchLoadCmd())
	return cmd
}

// benchLoadFlags are the flags of bench load.
type benchLoadFlags struct {
	accounts int
	rate     float64
	max      bool
	duration time.Duration
	kind     string
	from     string
	batch    int
	workers  int
	drain    time.Duration
	window   int
	gasPrice uint64
	seed     string
	contract string
	out      string
	profile  string
	quiet    bool
	asJSON   bool
}

func newBenchLoadCmd() *cobra.Command {
	var f benchLoadFlags
	cmd := &cobra.Command{
		Use:   "load --rate N|--max [--duration 60s] [--kind transfer|counter|token]",
		Short: "Send signed transactions to nodes and measure throughput, latency and memory",
		Long: `Fund fresh accounts from a dev account, then send signed transactions over
JSON-RPC from many workers for --duration, and report what the nodes did with
them: submitted, accepted, rejected (by reason), included, sustained
transactions per second, confirmation latency (p50, p90, p99: from submission
to the head that includes the transaction) and each node's resident memory
(from its /metrics: idle before the run, peak during it, after it).

--rpc takes one URL or several separated by commas (a devnet): the workers
are spread over them, and inclusion is followed on the first over WebSocket.
Each account belongs to one worker, which sends its nonces in order to one
node.

--rate N sends N transactions per second on a fixed schedule (open loop):
latency counts from each request's due time, so a slow node shows up as
latency (and as "behind" when even the schedule slips) instead of slowing the
load down. --max sends as fast as the nodes answer, each worker waiting for its
previous request. --batch N puts N tx_send calls in each HTTP request (a
JSON-RPC batch).

Kinds: transfer (1 unit between the run's accounts), counter (increment of the
example counter contract in WebAssembly text, which the run deploys; --contract
FILE.wasm deploys another contract with an "increment" method, such as the Go
counter example), token (transfers of 1 token between the accounts, with the Go
token example contract, which the run deploys and whose tokens it hands out to
the accounts; it is built from contracts/examples/token when the command runs
in the repository, or give --contract token.wasm, made by
"noded contract build contracts/examples/token").

--from names the funding key in the keystore of --home; the well-known dev
keys dev0, dev1, ... work without a keystore. A progress line goes to standard
error once a second; the summary to standard output (--json for JSON), and
the JSON report to --out FILE.`,
		Example: `  noded bench load --rate 5000 --duration 60s --kind transfer
  noded bench load --max --batch 100 --accounts 200 --out report.json
  noded bench load --rate 2000 --kind counter --duration 30s
  noded bench load --rate 500 --kind token --batch 20
  noded bench load --rpc http://127.0.0.1:8545,http://127.0.0.1:8546,http://127.0.0.1:8547 --rate 1000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchLoad(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.accounts, "accounts", loadgen.DefaultAccounts, "fresh accounts that send the load")
	fl.Float64Var(&f.rate, "rate", 0, "transactions per second to send (open loop)")
	fl.BoolVar(&f.max, "max", false, "send as fast as the nodes answer instead of at --rate")
	fl.DurationVar(&f.duration, "duration", loadgen.DefaultDuration, "how long to send")
	fl.StringVar(&f.kind, "kind", string(loadgen.KindTransfer), "transfer, counter or token")
	fl.StringVar(&f.from, "from", "dev0", "funding account: a key name in the keystore (dev0..devN also without one) or an address")
	fl.IntVar(&f.batch, "batch", 1, "tx_send calls per HTTP request (a JSON-RPC batch when above 1; at most 1000)")
	fl.IntVar(&f.workers, "workers", 0, fmt.Sprintf("concurrent senders (default %d per URL, at most --accounts)", loadgen.DefaultWorkersPerURL))
	fl.DurationVar(&f.drain, "drain", loadgen.DefaultDrain, "how long to wait after sending for the accepted transactions to be included")
	fl.IntVar(&f.window, "window", loadgen.DefaultWindow, "most transactions of one account accepted and not yet included")
	fl.Uint64Var(&f.gasPrice, "gas-price", 1, "gas price of every transaction")
	fl.StringVar(&f.contract, "contract", "", "contract code (.wasm) for --kind counter or token (defaults: the example counter.wasm; contracts/examples/token, built)")
	fl.StringVar(&f.seed, "seed", "", "derive the accounts from this seed (default: random, fresh accounts every run)")
	fl.StringVar(&f.out, "out", "", "write the JSON report to this file")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress line")
	fl.StringVar(&f.profile, "cpuprofile", "", "write a CPU profile of this generator (not the node) to this file")
	addJSONFlag(cmd, &f.asJSON)
	return cmd
}

func runBenchLoad(cmd *cobra.Command, f *benchLoadFlags) error {
	cfg, err := benchConfig(cmd, f)
	if err != nil {
		return err
	}
	errOut := cmd.ErrOrStderr()
	if !f.quiet {
		cfg.Progress, cfg.ProgressTTY = errOut, isTerminal(errOut)
		cfg.Log = errOut
	}
	// The first Ctrl-C stops sending and still reports; a second one
	// kills the process.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	if f.profile != "" {
		pf, err := os.Create(f.profile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep, runErr := loadgen.Run(ctx, cfg)
	if rep == nil {
		return runErr
	}
	if f.out != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.out, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	out := cmd.OutOrStdout()
	if f.asJSON {
		if err := printJSON(out, rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(out)
	}
	if runErr != nil && !rep.Interrupted {
		return runErr
	}
	if rep.Accepted > 0 && rep.Included == 0 && !rep.Interrupted {
		return fmt.Errorf("the nodes accepted %d transactions and included none within --drain %v", rep.Accepted, f.drain)
	}
	return nil
}

// benchConfig checks the flags and builds the load configuration.
func benchConfig(cmd *cobra.Command, f *benchLoadFlags) (loadgen.Config, error) {
	var cfg loadgen.Config
	fl := cmd.Flags()
	switch {
	case f.max && fl.Changed("rate"):
		return cfg, errors.New("--rate and --max exclude each other: give one")
	case !f.max && !fl.Changed("rate"):
		return cfg, errors.New("give --rate N (transactions per second) or --max")
	case !f.max && !(f.rate > 0):
		return cfg, fmt.Errorf("--rate %g: want a number of transactions per second above 0", f.rate)
	case f.accounts < 1 || f.accounts > loadgen.MaxAccounts:
		return cfg, fmt.Errorf("--accounts %d: want 1-%d", f.accounts, loadgen.MaxAccounts)
	case f.duration <= 0:
		return cfg, fmt.Errorf("--duration %v: want a positive duration such as 60s", f.duration)
	case f.drain < 0:
		return cfg, fmt.Errorf("--drain %v: want a duration of 0 or more", f.drain)
	case f.batch < 1 || f.batch > loadgen.MaxBatch:
		return cfg, fmt.Errorf("--batch %d: want 1-%d calls per request", f.batch, loadgen.MaxBatch)
	case f.workers < 0:
		return cfg, fmt.Errorf("--workers %d: want a positive number", f.workers)
	case f.window < 1:
		return cfg, fmt.Errorf("--window %d: want a positive number", f.window)
	case f.gasPrice < 1:
		return cfg, errors.New("--gas-price: want at least 1")
	}
	kind := loadgen.Kind(f.kind)
	switch kind {
	case loadgen.KindTransfer, loadgen.KindCounter, loadgen.KindToken:
	default:
		return cfg, fmt.Errorf("--kind %q: want transfer, counter or token", f.kind)
	}
	if kind == loadgen.KindTransfer && f.contract != "" {
		return cfg, errors.New("--contract: transfers need no contract (see --kind)")
	}
	urls, err := benchURLs(global.rpc)
	if err != nil {
		return cfg, err
	}
	key, err := fundingKey(f.from)
	if err != nil {
		return cfg, err
	}
	code, err := benchContract(cmd, kind, f.contract)
	if err != nil {
		return cfg, err
	}
	drain := f.drain
	if drain == 0 {
		drain = -1 // no wait (in Config, 0 is the default)
	}
	return loadgen.Config{
		URLs: urls, Funder: key, Accounts: f.accounts, Rate: f.rate, Max: f.max, Duration: f.duration,
		Kind: kind, ContractCode: code, Batch: f.batch, Workers: f.workers, Drain: drain, GasPrice: f.gasPrice, Window: f.window, Seed: f.seed,
	}, nil
}

// tokenDir is where the Go token example lives in the repository.
var tokenDir = filepath.Join("contracts", "examples", "token")

// benchContract returns the contract code for kind: --contract, else for a
// token the example built from the repository's source (found from the
// current folder up), else nil (the counter's default).
func benchContract(cmd *cobra.Command, kind loadgen.Kind, file string) ([]byte, error) {
	if file != "" {
		code, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--contract: %w", err)
		}
		return code, nil
	}
	if kind != loadgen.KindToken {
		return nil, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, tokenDir, "go.mod")); err == nil && !st.IsDir() {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, fmt.Errorf("--kind token needs the token contract: run in the noded repository (which has %s), or build it with \"noded contract build %s\" and give --contract %s",
				tokenDir, tokenDir, filepath.Join(tokenDir, "token.wasm"))
		}
		dir = parent
	}
	src := filepath.Join(dir, tokenDir)
	out, err := os.MkdirTemp("", "noded-bench-token")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	fmt.Fprintf(cmd.ErrOrStderr(), "building the token contract from %s ...\n", src)
	res, err := build.Build(cmd.Context(), src, build.Options{Out: filepath.Join(out, "token.wasm")})
	if err != nil {
		return nil, fmt.Errorf("--kind token: %w", err)
	}
	return res.Code, nil
}

// benchURLs splits --rpc into node URLs: URL[,URL...], each as in other
// commands (HOST:PORT means http://HOST:PORT).
func benchURLs(s string) ([]string, error) {
	var urls []string
	for _, u := range strings.Split(s, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			return nil, fmt.Errorf("--rpc %q: an empty URL in the list", s)
		}
		if !strings.Contains(u, "://") {
			u = "http://" + u
		}
		if !regexp.MustCompile(`^(http|https|ws|wss)://[^/\s]+`).MatchString(u) {
			return nil, fmt.Errorf("--rpc %q: want http://HOST:PORT (or ws://), several separated by commas", u)
		}
		urls = append(urls, u)
	}
	return urls, nil
}

// fundingKey resolves --from: a key in the keystore, or else one of the
// well-known dev keys by name (devN), which every dev chain and devnet
// funds.
func fundingKey(from string) (crypto.PrivateKey, error) {
	ks, err := openKeystore()
	if err != nil {
		return crypto.PrivateKey{}, err
	}
	k, err := ks.Resolve(from)
	if err == nil {
		return k.Private, nil
	}
	if errors.Is(err, keystore.ErrNotFound) {
		if n, ok := strings.CutPrefix(from, "dev"); ok {
			if i, perr := strconv.Atoi(n); perr == nil && i >= 0 && i < 1000 && strconv.Itoa(i) == n {
				return node.DevKey(i), nil
			}
		}
	}
	return crypto.PrivateKey{}, fmt.Errorf("--from: %w", err)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
