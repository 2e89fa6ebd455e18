package loadgen

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/client"
	counter "github.com/noded/noded/contracts/examples/counter-wat"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// runner holds the state of one run.
type runner struct {
	cfg     Config
	conns   []*rpcConn // one per URL
	mets    []*nodeMetrics
	chainID string
	accts   []*account
	wl      workload
	rep     Report
	trk     *tracker
	fol     *follower

	submitted, accepted, rejected atomic.Int64
	lastOK                        atomic.Int64 // unix nanoseconds of the last answered request
	jobsDone, shortfall           atomic.Int64 // rate mode: requests sent, and calls missing from them
	resent                        atomic.Int64 // refused transactions sent again after the send phase (flush)

	mu       sync.Mutex // guards what workers merge at the end
	byReason map[string]int64
	byStatus map[string]int64
	rtt      []time.Duration
	lag      []time.Duration
	retired  map[string]int    // reason -> accounts
	example  map[string]string // reason -> one error message
}

// errNodesDown ends a run whose nodes stopped answering.
var errNodesDown = errors.New("the nodes stopped answering")

// nodesDownAfter is how long a run goes on without any answer.
const nodesDownAfter = 15 * time.Second

// Run funds the accounts, sends the load, waits for it to be included and
// returns the report. It fails before sending when the configuration is
// bad or the setup fails (a node unreachable, funding refused). A run cut
// short by ctx returns its report, with Interrupted set, and ctx's error;
// a run whose nodes stop answering returns its report and an error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, byReason: map[string]int64{}, byStatus: map[string]int64{},
		retired: map[string]int{}, example: map[string]string{}}
	defer r.close()
	if err := r.connect(ctx); err != nil {
		return nil, err
	}
	if err := r.setup(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted during setup: %w", context.Cause(ctx))
		}
		return nil, err
	}
	return r.load(ctx)
}

func (r *runner) close() {
	for _, c := range r.conns {
		c.close()
	}
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, format+"\n", args...)
	}
}

// connect checks that every URL answers for the same chain and reads each
// node's idle memory.
func (r *runner) connect(ctx context.Context) error {
	per := (r.cfg.Workers+len(r.cfg.URLs)-1)/len(r.cfg.URLs) + 2
	var genesis types.Hash
	for i, u := range r.cfg.URLs {
		c := newRPCConn(u, per)
		r.conns = append(r.conns, c)
		rs, err := c.batch(ctx, []call{{"chain_id", nil}, {"chain_genesisHash", nil}})
		if err != nil {
			return fmt.Errorf("cannot reach the node at %s (is it running?): %w", u, err)
		}
		var id string
		var gh types.Hash
		for j, dst := range []any{&id, &gh} {
			if rs[j].Error != nil {
				return fmt.Errorf("node at %s: %w", u, rs[j].Error)
			}
			if err := decodeJSON(rs[j].Result, dst); err != nil {
				return fmt.Errorf("node at %s: %w", u, err)
			}
		}
		if i == 0 {
			r.chainID, genesis = id, gh
		} else if id != r.chainID || gh != genesis {
			return fmt.Errorf("the nodes at %s (chain %q, genesis %s) and %s (chain %q, genesis %s) are on different chains",
				r.cfg.URLs[0], r.chainID, genesis, u, id, gh)
		}
		m := newNodeMetrics(u)
		m.sample(ctx, memIdle)
		r.mets = append(r.mets, m)
	}
	r.rep.LoadBefore = readLoadAverage()
	return nil
}

// setup deploys the contract, funds the accounts and signs ahead.
func (r *runner) setup(ctx context.Context) error {
	cfg := &r.cfg
	seed := cfg.Seed
	if seed == "" {
		var b [8]byte
		crand.Read(b[:])
		seed = hex.EncodeToString(b[:])
	}
	r.accts = newAccounts(seed, cfg.Accounts)
	r.wl = workload{kind: cfg.Kind, chainID: r.chainID, price: cfg.GasPrice}
	c := r.conns[0]
	funder := types.AddressOf(cfg.Funder.Public())
	nonce, balance, err := r.nextNonce(ctx, funder)
	if err != nil {
		return fmt.Errorf("funding account %s: %w", funder, err)
	}
	// Enough for twice an even share of the run's transactions.
	expected := cfg.Rate * cfg.Duration.Seconds()
	if cfg.Max {
		expected = 100_000 * cfg.Duration.Seconds()
	}
	perAccount := uint64(expected/float64(cfg.Accounts))*2 + 64

	switch cfg.Kind {
	case KindTransfer:
		r.wl.gas = r.wl.tx(r.accts[0], 0).GasLimit
	case KindCounter, KindToken:
		code, init := cfg.ContractCode, []byte(nil)
		r.wl.method = counter.MethodIncrement
		if code == nil {
			code = counter.Wasm
		}
		if cfg.Kind == KindToken {
			init = tokenInit(perAccount * uint64(cfg.Accounts))
			r.wl.method, r.wl.input = tokenMethod, tokenTransfer
		}
		addr, err := r.deploy(ctx, nonce, code, init)
		if err != nil {
			return err
		}
		nonce++
		r.wl.contract = addr
		r.rep.Setup.Contract, r.rep.Setup.ContractMethod = addr.String(), r.wl.method
		// The gas of one call, estimated as the funder would send it
		// (for the token, the funder holds every token yet).
		probe := r.wl.tx(r.accts[0], 0)
		probe.From = cfg.Funder.Public()
		est, err := r.estimate(ctx, probe)
		if err != nil {
			return fmt.Errorf("estimate %s of the contract: %w", r.wl.method, err)
		}
		r.wl.gas = gasWithMargin(est, probe)
	}
	r.rep.Setup.GasLimit = r.wl.gas

	each := r.wl.cost()
	n := types.NewAmount(perAccount)
	each.Mul(&each, &n)
	fundTx := fundingTx(r.chainID, cfg.Funder, nonce, r.accts[0].addr, each, cfg.GasPrice)
	fee := types.NewAmount(fundTx.GasLimit * cfg.GasPrice)
	if cfg.Kind == KindToken {
		fee = types.NewAmount((fundTx.GasLimit + r.wl.gas) * cfg.GasPrice)
	}
	need := each
	need.Add(&need, &fee)
	count := types.NewAmount(uint64(cfg.Accounts))
	need.Mul(&need, &count)
	if balance.Lt(&need) {
		return fmt.Errorf("the funding account %s holds %s, and funding %d accounts with %s each needs %s",
			funder, balance.Dec(), cfg.Accounts, each.Dec(), need.Dec())
	}
	r.rep.Setup.FundEach = each.Dec()

	// The transfers (and for the token, the token transfers) go out in
	// JSON-RPC batches, so that the node has them all at once.
	t0 := time.Now()
	what := "funding"
	txs := make([]*types.Tx, 0, 2*len(r.accts))
	for _, a := range r.accts {
		txs = append(txs, fundingTx(r.chainID, cfg.Funder, nonce, a.addr, each, cfg.GasPrice))
		nonce++
	}
	if cfg.Kind == KindToken {
		what = "funding and handing out tokens to"
		for _, a := range r.accts {
			tx := client.NewCall(r.chainID, nonce, r.wl.contract, tokenMethod, tokenTransfer(a.addr, perAccount),
				types.Amount{}, r.wl.gas, cfg.GasPrice)
			tx.Sign(cfg.Funder)
			txs = append(txs, tx)
			nonce++
		}
	}
	r.logf("%s %d accounts from %s ...", what, cfg.Accounts, funder)
	// A sender may have at most 4,096 transactions in a node's mempool
	// (its nonce window): fund in chunks, each included before the next.
	for lo := 0; lo < len(txs); lo += fundChunk {
		chunk := txs[lo:min(len(txs), lo+fundChunk)]
		if err := r.submitAll(ctx, c, chunk, "funding transaction"); err != nil {
			return err
		}
		if lo+fundChunk < len(txs) {
			h := chunk[len(chunk)-1].Hash()
			if _, _, err := r.waitIncludedAt(ctx, r.conns[:1], h, h); err != nil {
				return fmt.Errorf("funding: %w", err)
			}
		}
	}
	first, last, err := r.waitIncluded(ctx, txs[0].Hash(), txs[len(txs)-1].Hash())
	if err != nil {
		return fmt.Errorf("funding: %w", err)
	}
	if err := r.checkReceipts(ctx, txs); err != nil {
		return fmt.Errorf("funding: %w", err)
	}
	r.rep.Setup.FundedAccounts = len(r.accts)
	r.rep.Setup.FundingBlocks = int(last.BlockNumber-first.BlockNumber) + 1
	r.rep.Setup.FundingSeconds = time.Since(t0).Seconds()
	r.logf("funded in %d block(s), %.2f s", r.rep.Setup.FundingBlocks, r.rep.Setup.FundingSeconds)

	if err := r.readNonces(ctx); err != nil {
		return err
	}
	r.presign()
	return nil
}

// nextNonce returns addr's next nonce (after its mempool transactions)
// and balance.
func (r *runner) nextNonce(ctx context.Context, addr types.Address) (uint64, types.Amount, error) {
	rs, err := r.conns[0].batch(ctx, []call{{"state_getAccount", []any{addr, "latest"}}, {"mempool_inspect", []any{addr}}})
	if err != nil {
		return 0, types.Amount{}, err
	}
	var acc rpc.RPCAccount
	var pool rpc.RPCMempoolAccount
	for i, dst := range []any{&acc, &pool} {
		if rs[i].Error != nil {
			return 0, types.Amount{}, rs[i].Error
		}
		if err := decodeJSON(rs[i].Result, dst); err != nil {
			return 0, types.Amount{}, err
		}
	}
	next := uint64(acc.Nonce)
	for _, l := range [][]hexutil.Uint64{pool.Pending, pool.Queued} {
		for _, n := range l {
			next = max(next, uint64(n)+1)
		}
	}
	return next, types.Amount(acc.Balance), nil
}

// deploy deploys code from the funder with nonce and waits for it on every
// node.
func (r *runner) deploy(ctx context.Context, nonce uint64, code, init []byte) (types.Address, error) {
	cfg := &r.cfg
	tx := &types.Tx{ChainID: r.chainID, Nonce: nonce, Kind: types.TxDeploy, GasPrice: cfg.GasPrice, Code: code, Input: init,
		From: cfg.Funder.Public()}
	// A node compiles a large (Go) contract on its first sight, within
	// the wall-clock limit of the estimate; on a busy machine that can
	// run out, and the next estimate finds the module compiled.
	est, err := r.estimate(ctx, tx)
	for try := 1; try < 3 && isTimeout(err); try++ {
		r.logf("the node ran out of time estimating the deploy (compiling the contract?); again ...")
		est, err = r.estimate(ctx, tx)
	}
	if err != nil {
		return types.Address{}, fmt.Errorf("estimate the contract deploy: %w", err)
	}
	tx.GasLimit = gasWithMargin(est, tx)
	tx.Sign(cfg.Funder)
	r.logf("deploying the %s contract (%d bytes) ...", cfg.Kind, len(code))
	if err := r.submitAll(ctx, r.conns[0], []*types.Tx{tx}, "contract deploy"); err != nil {
		return types.Address{}, err
	}
	rc, _, err := r.waitIncluded(ctx, tx.Hash(), tx.Hash())
	if err != nil {
		return types.Address{}, fmt.Errorf("contract deploy: %w", err)
	}
	if rc.Status != rpc.ReceiptStatusSuccess || rc.ContractAddress == nil {
		return types.Address{}, fmt.Errorf("contract deploy failed in block %d: %s", uint64(rc.BlockNumber), rc.Error)
	}
	r.logf("contract at %s", *rc.ContractAddress)
	return *rc.ContractAddress, nil
}

func isTimeout(err error) bool {
	var re *rpcError
	return errors.As(err, &re) && re.Code == rpc.CodeTimeout
}

// estimate returns the gas tx needs (tx_estimateGas), failing if it would
// fail.
func (r *runner) estimate(ctx context.Context, tx *types.Tx) (uint64, error) {
	args := rpc.EstimateArgs{From: tx.Sender(), Kind: tx.Kind.String(), Method: tx.Method, Input: tx.Input, Code: tx.Code}
	if tx.Kind != types.TxDeploy {
		to := tx.To
		args.To = &to
	}
	var est rpc.RPCEstimate
	if err := r.conns[0].callOne(ctx, &est, "tx_estimateGas", args); err != nil {
		return 0, err
	}
	if est.Status != rpc.ReceiptStatusSuccess {
		return 0, fmt.Errorf("it would fail: %s %s", est.Error, est.Warning)
	}
	return uint64(est.Gas), nil
}

// submitAll sends signed transactions in batches of MaxBatch and fails
// on any refusal.
func (r *runner) submitAll(ctx context.Context, c *rpcConn, txs []*types.Tx, what string) error {
	var buf []byte
	for lo := 0; lo < len(txs); lo += MaxBatch {
		chunk := txs[lo:min(len(txs), lo+MaxBatch)]
		raws := make([][]byte, len(chunk))
		for i, tx := range chunk {
			raws[i] = tx.Encode()
		}
		outs := make([]sendOutcome, len(chunk))
		var err error
		if buf, err = c.sendTxs(ctx, raws, true, buf, outs); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for i, o := range outs {
			if o.status == "" {
				return fmt.Errorf("%s %d of %d refused (%s): %v", what, lo+i+1, len(txs), o.reason, o.err)
			}
		}
	}
	return nil
}

// fundChunk is the most funding transactions sent before waiting for
// them to be included, under the mempool's per-sender window of 4,096.
var fundChunk = 2000

// setupTimeout bounds the wait for setup transactions to be included.
const setupTimeout = 2 * time.Minute

// waitIncluded waits until every node has the receipts of first and last
// (a sender's transactions are included in nonce order) and returns them
// as the first node has them.
func (r *runner) waitIncluded(ctx context.Context, first, last types.Hash) (*rpc.RPCReceipt, *rpc.RPCReceipt, error) {
	return r.waitIncludedAt(ctx, r.conns, first, last)
}

// waitIncludedAt is waitIncluded on the nodes of conns (a prefix of
// r.conns).
func (r *runner) waitIncludedAt(ctx context.Context, conns []*rpcConn, first, last types.Hash) (*rpc.RPCReceipt, *rpc.RPCReceipt, error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	var out [2]*rpc.RPCReceipt
	for i, c := range conns {
		for j, h := range []types.Hash{last, first} {
			for {
				var rc *rpc.RPCReceipt
				err := c.callOne(ctx, &rc, "tx_getReceipt", h)
				if err == nil && rc != nil {
					if i == 0 {
						out[1-j] = rc
					}
					break
				}
				select {
				case <-ctx.Done():
					if err == nil {
						err = errors.New("not included")
					}
					return nil, nil, fmt.Errorf("transaction %s not seen at %s within %v: %w", h, r.cfg.URLs[i], setupTimeout, err)
				case <-time.After(50 * time.Millisecond):
				}
			}
		}
	}
	return out[0], out[1], nil
}

// checkReceipts checks that every transaction succeeded (a token
// transfer may fail in a block).
func (r *runner) checkReceipts(ctx context.Context, txs []*types.Tx) error {
	for lo := 0; lo < len(txs); lo += MaxBatch {
		chunk := txs[lo:min(len(txs), lo+MaxBatch)]
		calls := make([]call, len(chunk))
		for i, tx := range chunk {
			calls[i] = call{"tx_getReceipt", []any{tx.Hash()}}
		}
		rs, err := r.conns[0].batch(ctx, calls)
		if err != nil {
			return err
		}
		for i, res := range rs {
			var rc *rpc.RPCReceipt
			if res.Error != nil {
				return res.Error
			}
			if err := decodeJSON(res.Result, &rc); err != nil {
				return err
			}
			if rc == nil {
				return fmt.Errorf("transaction %s has no receipt", chunk[i].Hash())
			}
			if rc.Status != rpc.ReceiptStatusSuccess {
				return fmt.Errorf("transaction %s failed in block %d: %s", chunk[i].Hash(), uint64(rc.BlockNumber), rc.Error)
			}
		}
	}
	return nil
}

// readNonces sets each account's next nonce from the head state (fresh
// accounts have 0; a fixed seed may reuse accounts).
func (r *runner) readNonces(ctx context.Context) error {
	for lo := 0; lo < len(r.accts); lo += MaxBatch {
		chunk := r.accts[lo:min(len(r.accts), lo+MaxBatch)]
		calls := make([]call, len(chunk))
		for i, a := range chunk {
			calls[i] = call{"state_getAccount", []any{a.addr, "latest"}}
		}
		rs, err := r.conns[0].batch(ctx, calls)
		if err != nil {
			return fmt.Errorf("read the accounts' nonces: %w", err)
		}
		for i, res := range rs {
			var acc rpc.RPCAccount
			if res.Error != nil {
				return fmt.Errorf("read the accounts' nonces: %w", res.Error)
			}
			if err := decodeJSON(res.Result, &acc); err != nil {
				return err
			}
			chunk[i].next = uint64(acc.Nonce)
		}
	}
	return nil
}

// presign signs the run's expected transactions on every core.
func (r *runner) presign() {
	cfg := &r.cfg
	expected := cfg.Rate * cfg.Duration.Seconds()
	if cfg.Max {
		expected = 20_000 * cfg.Duration.Seconds()
	}
	total := min(int(expected*1.02)+cfg.Accounts, MaxPresigned)
	per := (total + cfg.Accounts - 1) / cfg.Accounts
	t0 := time.Now()
	r.logf("signing %d transactions ahead on %d cores ...", per*cfg.Accounts, runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(r.accts) {
					return
				}
				r.accts[i].presign(&r.wl, per)
			}
		})
	}
	wg.Wait()
	r.rep.Setup.Presigned = per * cfg.Accounts
	r.rep.Setup.SignSeconds = time.Since(t0).Seconds()
}
