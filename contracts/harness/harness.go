// Package harness tests contracts without a node: it runs the built
// WebAssembly module in the node's own engine (package vm: wasmer, or
// wazero in a build without cgo) and execution (package chain:
// intrinsic gas, fees, value transfers, one block per transaction)
// against an in-memory state, as CosmWasm's
// multi-test or NEAR's workspaces do. Gas, return data, events and
// failures are what a node's receipts would say.
//
//	func TestCounter(t *testing.T) {
//		code := harness.Build(t, ".") // go build for GOOS=wasip1, as noded contract build does
//		c := harness.New(t)
//		counter := c.Deploy("alice", code, nil).Contract()
//		if n := c.Call("bob", counter, "increment", nil).Uint64(); n != 1 {
//			t.Fatalf("count %d", n)
//		}
//		r := c.TryCall("bob", counter, "reset", nil)
//		if r.Error != "reverted: only the owner may reset" {
//			t.Fatalf("reset by bob: %s", r.Error)
//		}
//	}
//
// Why it lives in the node's module (github.com/noded/noded) and not in
// the SDK's: it needs the engine, which is the node's code and links
// wasmer through cgo, while a contract must depend on nothing but the
// SDK. A contract project requires both modules, the SDK for its wasm
// build and the node for its tests (which build for the host, and run
// on wasmer with a C compiler for cgo, on wazero without one);
// `noded contract new` writes such a go.mod.
//
// Accounts are named: "alice", "bob", "carol", "dave" and "dev0" to
// "dev3" (the dev chain's keys, so the addresses match `noded dev`), each
// with 10^24 base units. Every transaction has a gas price of 1 and the
// maximum gas limit unless Gas says otherwise.
//
// Compiled modules are cached on disk between test runs (compiling a Go
// contract takes seconds), in $NODED_CODECACHE, else in the user's cache
// folder (noded/codecache); NODED_CODECACHE=off turns that off.
package harness

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/contracts/build"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/codecache"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// ChainID is the harness chain's id.
const ChainID = "harness"

// GenesisTime is the time of the genesis block, unix milliseconds; each
// block is BlockInterval later than its parent unless Advance moves the
// clock.
const (
	GenesisTime   uint64 = 1_700_000_000_000
	BlockInterval uint64 = 1000
)

// Accounts are the funded accounts' names.
var Accounts = []string{"alice", "bob", "carol", "dave", "dev0", "dev1", "dev2", "dev3"}

// InitialBalance is each account's balance at genesis: 10^24.
var InitialBalance = func() types.Amount {
	a, _ := types.ParseAmount("1000000000000000000000000")
	return a
}()

// Chain is an in-memory chain with one validator and funded accounts.
// Each Deploy or Call is a transaction in a block of its own. It is not
// safe for concurrent use.
type Chain struct {
	t      testing.TB
	exec   *chain.Executor
	vm     *recordingVM
	state  *chain.MemState
	root   *chain.Root
	head   types.Header
	val    crypto.PrivateKey
	keys   map[string]crypto.PrivateKey
	clock  uint64
	nonces map[types.Address]uint64
}

// Option changes New.
type Option func(*options)

type options struct {
	ownVM bool
}

// OwnVM gives the chain a VM of its own (closed with the test) instead
// of the process's shared one: for tests that compare two nodes.
func OwnVM() Option { return func(o *options) { o.ownVM = true } }

// New returns a chain at its genesis block.
func New(t testing.TB, opts ...Option) *Chain {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	v := sharedVM(t)
	if o.ownVM {
		v = newVM(t)
		t.Cleanup(func() { v.Close() })
	}
	c := &Chain{t: t, vm: &recordingVM{vm: v}, state: chain.NewMemState(), root: chain.NewRoot(),
		val: labelKey("noded harness validator"), keys: map[string]crypto.PrivateKey{}, clock: GenesisTime,
		nonces: map[types.Address]uint64{}}
	g := &chain.Genesis{ChainID: ChainID, Time: GenesisTime, BlockGasLimit: chain.DefaultBlockGasLimit,
		Validators: []crypto.PublicKey{c.val.Public()}}
	for _, name := range Accounts {
		k := accountKey(name)
		c.keys[name] = k
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Name: name, Address: types.AddressOf(k.Public()), Balance: InitialBalance})
	}
	blk, res, err := g.Block()
	if err != nil {
		t.Fatal(err)
	}
	c.exec, err = chain.NewExecutor(g.Config(), chain.ExecOptions{Workers: 1, Rand: rand.New(rand.NewSource(1)), VM: c.vm})
	if err != nil {
		t.Fatal(err)
	}
	c.commit(blk, res)
	return c
}

// accountKey is the key of a named account: the dev chain's for dev0 to
// dev3, so that addresses match those of `noded dev`.
func accountKey(name string) crypto.PrivateKey {
	var i int
	if _, err := fmt.Sscanf(name, "dev%d", &i); err == nil && name == fmt.Sprintf("dev%d", i) {
		return labelKey(fmt.Sprintf("noded dev account %d", i))
	}
	return labelKey("noded harness account " + name)
}

func labelKey(label string) crypto.PrivateKey {
	seed := sha256.Sum256([]byte(label))
	k, err := crypto.NewKeyFromSeed(seed[:])
	if err != nil {
		panic(err)
	}
	return k
}

// AccountAddress returns the address of a named account of every
// harness chain ("alice", "dev0", ...).
func AccountAddress(name string) types.Address { return types.AddressOf(accountKey(name).Public()) }

// Addr returns the address of a named account.
func (c *Chain) Addr(name string) types.Address {
	c.t.Helper()
	return types.AddressOf(c.key(name).Public())
}

func (c *Chain) key(name string) crypto.PrivateKey {
	c.t.Helper()
	k, ok := c.keys[name]
	if !ok {
		c.t.Fatalf("harness: no account %q; the accounts are %v", name, Accounts)
	}
	return k
}

// TxOption changes a transaction.
type TxOption func(*types.Tx)

// Value sends an amount with the call (or deploy).
func Value(v types.Amount) TxOption { return func(tx *types.Tx) { tx.Amount = v } }

// Gas sets the gas limit (default chain.MaxTxGas).
func Gas(limit uint64) TxOption { return func(tx *types.Tx) { tx.GasLimit = limit } }

// Deploy deploys code from the account and fails the test unless it
// succeeds; the receipt's Contract is the new contract's address.
func (c *Chain) Deploy(from string, code, init []byte, opts ...TxOption) *Receipt {
	c.t.Helper()
	return c.must(c.TryDeploy(from, code, init, opts...), "deploy")
}

// TryDeploy deploys code and returns the receipt, failed or not.
func (c *Chain) TryDeploy(from string, code, init []byte, opts ...TxOption) *Receipt {
	c.t.Helper()
	return c.send(from, &types.Tx{Kind: types.TxDeploy, Code: code, Input: init}, opts)
}

// Call calls a method in a transaction and fails the test unless it
// succeeds.
func (c *Chain) Call(from string, contract types.Address, method string, input []byte, opts ...TxOption) *Receipt {
	c.t.Helper()
	return c.must(c.TryCall(from, contract, method, input, opts...), "call "+method)
}

// TryCall calls a method and returns the receipt, failed or not.
func (c *Chain) TryCall(from string, contract types.Address, method string, input []byte, opts ...TxOption) *Receipt {
	c.t.Helper()
	return c.send(from, &types.Tx{Kind: types.TxCall, To: contract, Method: method, Input: input}, opts)
}

// Transfer moves coins between accounts (a plain transfer transaction).
func (c *Chain) Transfer(from string, to types.Address, amount types.Amount) *Receipt {
	c.t.Helper()
	return c.must(c.send(from, &types.Tx{Kind: types.TxTransfer, To: to, Amount: amount}, []TxOption{Gas(chain.TxBaseGas)}), "transfer")
}

func (c *Chain) must(r *Receipt, what string) *Receipt {
	c.t.Helper()
	if r.Status != types.ReceiptSuccess {
		c.t.Fatalf("%s failed: %s%s", what, r.Error, r.logText())
	}
	return r
}

func (r *Receipt) logText() string {
	if len(r.Logs) == 0 {
		return ""
	}
	s := "\ncontract logs:"
	for _, l := range r.Logs {
		s += "\n  " + l
	}
	return s
}

// send signs tx with the account's key and next nonce and executes it
// in a new block.
func (c *Chain) send(from string, tx *types.Tx, opts []TxOption) *Receipt {
	c.t.Helper()
	key := c.key(from)
	sender := types.AddressOf(key.Public())
	tx.ChainID, tx.GasPrice, tx.GasLimit = ChainID, 1, chain.MaxTxGas
	for _, o := range opts {
		o(tx)
	}
	tx.Nonce = c.nonces[sender]
	tx.Sign(key)
	c.vm.logs = nil
	c.clock += BlockInterval
	blk, res, invalid, err := c.exec.BuildBlock(&c.head, c.state, c.root,
		chain.BlockSpec{Slot: c.head.Slot + 1, Time: c.clock, Key: c.val}, []*types.Tx{tx})
	if err != nil {
		c.t.Fatalf("harness: build a block: %v", err)
	}
	if len(invalid) != 0 {
		c.t.Fatalf("harness: the node refuses the transaction: %v", invalid[0].Err)
	}
	c.commit(blk, res)
	c.nonces[sender]++
	return &Receipt{Receipt: res.Receipts[0], Logs: c.vm.logs, Height: blk.Header.Height}
}

func (c *Chain) commit(blk *types.Block, res *chain.BlockResult) {
	c.state.Apply(res.Changes)
	c.root.Apply(res.Buckets)
	c.head = blk.Header
}

// Query runs a read-only call at the head, from the zero address, as
// the node's contract_call does: nothing is kept.
func (c *Chain) Query(contract types.Address, method string, input []byte) *Receipt {
	c.t.Helper()
	return c.QueryFrom(types.Address{}, contract, method, input)
}

// QueryFrom is Query with a caller.
func (c *Chain) QueryFrom(caller, contract types.Address, method string, input []byte) *Receipt {
	c.t.Helper()
	res, err := c.exec.Query(context.Background(), c.state, &c.head, vm.CallRequest{Caller: caller, Contract: contract, Method: method, Input: input})
	if err != nil {
		c.t.Fatalf("harness: query: %v", err)
	}
	r := &Receipt{Receipt: types.Receipt{Status: types.ReceiptSuccess, GasUsed: res.GasUsed, ReturnData: res.ReturnData, Events: res.Events},
		Logs: res.Logs, Height: c.head.Height}
	if res.Err != nil {
		r.Status, r.Error, r.Events = types.ReceiptFailed, res.Err.Error(), nil
	}
	return r
}

// Balance returns an account's or contract's balance.
func (c *Chain) Balance(a types.Address) types.Amount {
	c.t.Helper()
	acc, err := c.state.Account(a)
	if err != nil {
		c.t.Fatal(err)
	}
	return acc.Balance
}

// Storage returns a contract's value under key, nil if none.
func (c *Chain) Storage(contract types.Address, key []byte) []byte {
	c.t.Helper()
	v, err := c.state.Get(chain.StorageKey(contract, key))
	if err != nil {
		c.t.Fatal(err)
	}
	return v
}

// Head returns the last block's header.
func (c *Chain) Head() types.Header { return c.head }

// StateRoot returns the state root after the last block.
func (c *Chain) StateRoot() types.Hash { return c.root.Hash() }

// Advance moves the clock: the next block is ms + BlockInterval
// milliseconds after the last one.
func (c *Chain) Advance(ms uint64) { c.clock += ms }

// Receipt is a transaction's receipt, as the node would store it, with
// the debug log of its execution (not part of consensus, so not in the
// node's receipts; fmt.Println and sdk.Log write there).
type Receipt struct {
	types.Receipt
	Logs   []string
	Height uint64 // the block it is in
}

// Ok reports whether the transaction succeeded.
func (r *Receipt) Ok() bool { return r.Status == types.ReceiptSuccess }

// Contract returns the address of the contract a deploy created.
func (r *Receipt) Contract() types.Address { return r.ContractAddress }

// Uint64 reads the return data as an 8-byte little-endian integer (what
// sdk.ReturnUint64 writes); other lengths read as 0.
func (r *Receipt) Uint64() uint64 {
	if len(r.ReturnData) != 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(r.ReturnData)
}

// Text returns the return data as a string.
func (r *Receipt) Text() string { return string(r.ReturnData) }

// JSON decodes the return data.
func (r *Receipt) JSON(v any) error { return json.Unmarshal(r.ReturnData, v) }

// Event returns the first event with the topic, if any.
func (r *Receipt) Event(topic string) (types.Event, bool) {
	for _, e := range r.Events {
		if e.Topic == topic {
			return e, true
		}
	}
	return types.Event{}, false
}

// recordingVM keeps the debug logs of the VM's last calls.
type recordingVM struct {
	vm   *vm.VM
	logs []string
}

func (r *recordingVM) Deploy(ctx context.Context, h vm.Host, env *vm.Env, deployer, addr types.Address, code, init []byte, value types.Amount, gas uint64) vm.Result {
	res := r.vm.Deploy(ctx, h, env, deployer, addr, code, init, value, gas)
	r.logs = append(r.logs, res.Logs...)
	return res
}

func (r *recordingVM) Call(ctx context.Context, h vm.Host, env *vm.Env, req vm.CallRequest) vm.Result {
	res := r.vm.Call(ctx, h, env, req)
	r.logs = append(r.logs, res.Logs...)
	return res
}

var shared struct {
	once sync.Once
	vm   *vm.VM
	err  error
}

// sharedVM is the process's VM: modules are compiled once per process.
func sharedVM(t testing.TB) *vm.VM {
	t.Helper()
	shared.once.Do(func() { shared.vm, shared.err = openVM() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.vm
}

func newVM(t testing.TB) *vm.VM {
	t.Helper()
	v, err := openVM()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// openVM makes a VM on the build's default engine: wasmer, or wazero in
// a build without cgo (wasmer links through cgo), as a node would.
func openVM() (*vm.VM, error) {
	e, err := vm.NewEngine(vm.DefaultEngine, vm.EngineOptions{})
	if err != nil {
		return nil, err
	}
	return vm.New(e, vm.Options{CodeCache: diskCache()})
}

var cache struct {
	once sync.Once
	c    vm.CodeCache
}

// CodeCache returns the harness's cache of compiled modules on disk
// ($NODED_CODECACHE, else <user cache dir>/noded/codecache), nil if off or
// unusable: for tests and benchmarks that make their own VM.
func CodeCache() vm.CodeCache { return diskCache() }

func diskCache() vm.CodeCache {
	cache.once.Do(func() {
		dir := os.Getenv("NODED_CODECACHE")
		if dir == "off" {
			return
		}
		if dir == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				return
			}
			dir = filepath.Join(base, "noded", "codecache")
		}
		if c, err := codecache.Open(dir); err == nil {
			cache.c = c
		}
	})
	return cache.c
}

var builds struct {
	mu   sync.Mutex
	code map[string][]byte
}

// Build builds the contract in dir as `noded contract build` does and
// returns its code; each folder is built once per test process. It
// fails the test if the build fails, and skips it if there is no go
// command.
func Build(t testing.TB, dir string) []byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if code, ok := builds.code[abs]; ok {
		return code
	}
	if _, err := build.GoCommand(); err != nil {
		t.Skip(err)
	}
	res, err := build.Build(context.Background(), abs, build.Options{Out: filepath.Join(t.TempDir(), "contract.wasm")})
	if err != nil {
		t.Fatal(err)
	}
	if builds.code == nil {
		builds.code = map[string][]byte{}
	}
	builds.code[abs] = res.Code
	return res.Code
}

// Events returns the events of the receipts with the topic, in order.
func Events(topic string, rs ...*Receipt) []types.Event {
	var out []types.Event
	for _, r := range rs {
		for _, e := range r.Events {
			if e.Topic == topic {
				out = append(out, e)
			}
		}
	}
	return out
}
