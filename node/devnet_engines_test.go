//go:build cgo

package node

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/contracts/examples"
	counter "github.com/noded/noded/contracts/examples/counter-wat"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/codecache"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// TestDevnetMixedEngines runs a devnet of four validators, two on wasmer
// and two on wazero (config.json's vm_engine), and sends contract
// transactions to them in turn: the WAT counter and the Go token,
// successes and every kind of failure. Every node gives the same receipt
// for every transaction, and the nodes agree on every block and its
// state root, whichever engine proposed it.
//
// The Go token is compiled before the nodes start, once per engine, into
// the nodes' compiled-code caches (wasmer's cache/vm, wazero's
// cache/wazero), as after a restart: four nodes compiling a Go contract
// at once on a small machine would take a minute.
//
// It needs cgo, for wasmer: the file is built with cgo only.
func TestDevnetMixedEngines(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node network test with Go contracts")
	}
	tokenCode := examples.Build(t, "token")
	dir := t.TempDir()
	if _, err := InitDevnet(dir, DevnetOptions{Nodes: 4, BlockTime: 250 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	movePorts(t, dir, 4)
	engines := []string{vm.EngineWasmer, vm.EngineWasmer, vm.EngineWazero, vm.EngineWazero}
	for i, e := range engines {
		fc, err := LoadFileConfig(NodeHome(dir, i))
		if err != nil {
			t.Fatal(err)
		}
		fc.VMEngine = e
		if err := fc.Save(NodeHome(dir, i)); err != nil {
			t.Fatal(err)
		}
	}
	warmCaches(t, vm.EngineWasmer, tokenCode, NodeHome(dir, 0), NodeHome(dir, 1))
	warmCaches(t, vm.EngineWazero, tokenCode, NodeHome(dir, 2), NodeHome(dir, 3))
	var nodes []*testNode
	engineOf := map[string]string{} // validator key -> engine
	for i := range engines {
		tn := startNetNode(t, dir, i)
		nodes = append(nodes, tn)
		st, err := tn.c.NodeStatus(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(st.VMEngine, engines[i]) {
			t.Fatalf("node %d runs %q, want %s", i, st.VMEngine, engines[i])
		}
		engineOf[tn.n.key.Public().String()] = engines[i]
	}
	ctx := ctxT(t)

	const chainID = "noded-devnet"
	keys := []crypto.PrivateKey{DevKey(0), DevKey(1), DevKey(2)}
	nonces := make([]uint64, len(keys))
	me := func(k int) types.Address { return types.AddressOf(keys[k].Public()) }
	counterAddr := types.ContractAddress(me(0), 0)
	token := types.ContractAddress(me(1), 0)
	call := func(to types.Address, method, input string, gas uint64) *types.Tx {
		return client.NewCall(chainID, 0, to, method, []byte(input), types.Amount{}, gas, 1)
	}
	deploy := func(code []byte, init string, gas uint64) *types.Tx {
		return client.NewDeploy(chainID, 0, code, []byte(init), types.Amount{}, gas, 1)
	}
	steps := []struct {
		from int
		tx   *types.Tx
		fail bool
	}{
		{0, deploy(counter.Wasm, string(u64(7)), 1_000_000), false},
		{1, deploy(tokenCode, `{"name":"T","symbol":"T","supply":"1000"}`, 9_000_000), false},
		{2, deploy(counter.Wasm, "", 1_000_000), false},
		{0, call(counterAddr, counter.MethodIncrement, "", 200_000), false},
		{1, call(token, "transfer", fmt.Sprintf(`{"to":%q,"amount":"10"}`, me(0)), chain.MaxTxGas), false},
		{2, call(token, "balanceOf", fmt.Sprintf(`{"owner":%q}`, me(0)), chain.MaxTxGas), false},
		{0, call(token, "transfer", fmt.Sprintf(`{"to":%q,"amount":"11"}`, me(2)), chain.MaxTxGas), true},   // 10 < 11: reverts
		{0, call(counterAddr, counter.MethodIncrement, "", 1_100), true},                                    // out of gas
		{1, call(counterAddr, "nope", "", 200_000), true},                                                   // no such method
		{2, deploy([]byte("not wasm"), "", 200_000), true},                                                  // invalid code
		{1, call(token, "transfer", fmt.Sprintf(`{"to":%q,"amount":"1001"}`, me(2)), chain.MaxTxGas), true}, // reverts
		{2, call(types.ContractAddress(me(2), 0), counter.MethodDecrement, "", 200_000), true},              // zero: reverts
		{2, call(counterAddr, counter.MethodDecrement, "", 200_000), false},
		{0, call(token, "approve", fmt.Sprintf(`{"spender":%q,"amount":5}`, me(2)), chain.MaxTxGas), false},
		{2, call(token, "transferFrom", fmt.Sprintf(`{"from":%q,"to":%q,"amount":5}`, me(0), me(2)), chain.MaxTxGas), false},
	}
	for i, s := range steps {
		s.tx.Nonce = nonces[s.from]
		nonces[s.from]++
		s.tx.Sign(keys[s.from])
		if _, err := nodes[i%len(nodes)].c.SendTx(ctx, s.tx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var first *rpc.RPCReceipt
		for k, tn := range nodes {
			rc, err := tn.c.WaitReceipt(ctx, s.tx.Hash(), 10*time.Millisecond)
			if err != nil {
				t.Fatalf("step %d, node %d: %v", i, k, err)
			}
			// Until the chain is final here, a node may hold another
			// block at this height (a proposer late while it compiles a
			// Go contract): compare what the transaction did only.
			rc.BlockHash, rc.BlockNumber, rc.Index = types.Hash{}, 0, 0
			if first == nil {
				first = rc
			} else if !reflect.DeepEqual(rc, first) {
				t.Fatalf("step %d: node %d (%s) gives another receipt:\n%+v\n%+v", i, k, engines[k], rc, first)
			}
		}
		if failed := first.Status == rpc.ReceiptStatusFailed; failed != s.fail {
			t.Fatalf("step %d: status %s %q", i, first.Status, first.Error)
		}
	}
	head := nodes[0].n.Head().Height
	waitAgree(t, ctx, nodes, head+1)
	// Agreed: the same receipts, blocks included.
	for i, s := range steps {
		var first *rpc.RPCReceipt
		for k, tn := range nodes {
			rc, err := tn.c.Receipt(ctx, s.tx.Hash())
			if err != nil {
				t.Fatalf("step %d, node %d: %v", i, k, err)
			}
			if first == nil {
				first = rc
			} else if !reflect.DeepEqual(rc, first) {
				t.Fatalf("step %d: node %d (%s) gives another final receipt:\n%+v\n%+v", i, k, engines[k], rc, first)
			}
		}
	}
	proposed := map[string]int{} // engine -> blocks with transactions it proposed
	for h := uint64(1); h <= head+1; h++ {
		var first *rpc.RPCBlock
		for k, tn := range nodes {
			b, err := tn.c.BlockByNumber(ctx, rpc.BlockAt(h), false)
			if err != nil {
				t.Fatalf("node %d, block %d: %v", k, h, err)
			}
			if first == nil {
				first = b
			} else if b.Hash != first.Hash || b.StateRoot != first.StateRoot {
				t.Fatalf("block %d: node %d has %s (state %s), node 0 %s (state %s)", h, k, b.Hash, b.StateRoot, first.Hash, first.StateRoot)
			}
		}
		if len(first.Transactions) > 0 {
			proposed[engineOf[first.Proposer.String()]]++
		}
	}
	t.Logf("blocks with transactions proposed by engine: %v", proposed)
	if proposed[vm.EngineWasmer] == 0 || proposed[vm.EngineWazero] == 0 {
		t.Fatalf("blocks with transactions proposed by engine: %v; want both engines to propose", proposed)
	}
}

// warmCaches compiles code on the engine, with the compiled-code caches
// of homes[0] as its node would open them, then copies those caches to
// the other homes.
func warmCaches(t *testing.T, engine string, code []byte, homes ...string) {
	t.Helper()
	cfg := Config{Home: homes[0]}
	cache, err := codecache.Open(cfg.vmCacheDir())
	if err != nil {
		t.Fatal(err)
	}
	e, err := vm.NewEngine(engine, vm.EngineOptions{WazeroCacheDir: cfg.wazeroDir()})
	if err != nil {
		t.Fatal(err)
	}
	v, err := vm.New(e, vm.Options{CodeCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := v.LoadCode(code); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: compiled %d bytes in %v", e.Name(), len(code), time.Since(start).Round(time.Millisecond))
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	for _, h := range homes[1:] {
		if err := os.CopyFS(filepath.Join(h, "cache"), os.DirFS(filepath.Join(homes[0], "cache"))); err != nil {
			t.Fatal(err)
		}
	}
}
