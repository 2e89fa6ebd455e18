package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	"github.com/noded/noded/client"
	counter "github.com/noded/noded/contracts/examples/counter-wat"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// contractUser sends contract transactions from one dev key to one node.
type contractUser struct {
	t     *testing.T
	c     *client.Client
	key   crypto.PrivateKey
	nonce uint64
}

func (u *contractUser) addr() types.Address { return types.AddressOf(u.key.Public()) }

// estimate asks the node what tx, signed by u, would use.
func (u *contractUser) estimate(ctx context.Context, tx *types.Tx) *rpc.RPCEstimate {
	u.t.Helper()
	tx.Sign(u.key)
	est, err := u.c.EstimateGas(ctx, client.EstimateArgsOf(tx))
	if err != nil {
		u.t.Fatalf("estimate %s %s: %v", tx.Kind, tx.Method, err)
	}
	return est
}

// send gives tx u's next nonce and, if it has none, the estimated gas
// limit; signs it, sends it and waits for its receipt.
func (u *contractUser) send(ctx context.Context, tx *types.Tx) (*rpc.RPCReceipt, *rpc.RPCEstimate) {
	u.t.Helper()
	tx.Nonce = u.nonce
	var est *rpc.RPCEstimate
	if tx.GasLimit == 0 {
		est = u.estimate(ctx, tx)
		tx.GasLimit = uint64(est.Gas)
	}
	tx.Sign(u.key)
	res, err := u.c.SendTx(ctx, tx)
	if err != nil {
		u.t.Fatalf("send %s %s: %v", tx.Kind, tx.Method, err)
	}
	u.nonce++
	rc, err := u.c.WaitReceipt(ctx, res.Hash, 5*time.Millisecond)
	if err != nil {
		u.t.Fatalf("receipt of %s %s: %v", tx.Kind, tx.Method, err)
	}
	headReached(u.t, ctx, u.c, uint64(rc.BlockNumber))
	return rc, est
}

// headReached checks that the node's head is at least height, as soon as a
// receipt from that height is served: receipts, blocks and the head move
// together.
func headReached(t *testing.T, ctx context.Context, c *client.Client, height uint64) {
	t.Helper()
	h, err := c.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h < height {
		t.Fatalf("a receipt from block %d is served while the head is %d", height, h)
	}
}

func (u *contractUser) deploy(ctx context.Context, code, init []byte) (*rpc.RPCReceipt, *rpc.RPCEstimate) {
	return u.send(ctx, client.NewDeploy(DefaultChainID, 0, code, init, types.Amount{}, 0, 1))
}

func (u *contractUser) call(ctx context.Context, to types.Address, method string, gas uint64) (*rpc.RPCReceipt, *rpc.RPCEstimate) {
	return u.send(ctx, client.NewCall(DefaultChainID, 0, to, method, nil, types.Amount{}, gas, 1))
}

// TestContractsTwoNodesAgree sends the same contract transactions to two
// fresh nodes, one at a time, and checks that they give the same receipts
// and end with the same state root.
func TestContractsTwoNodesAgree(t *testing.T) {
	ctx := ctxT(t)
	nodes := []*testNode{startNode(t, Config{Home: t.TempDir()}), startNode(t, Config{Home: t.TempDir()})}
	keys := []crypto.PrivateKey{DevKey(0), DevKey(1), DevKey(2)}
	nonces := make([]uint64, len(keys))
	counterAddr := types.ContractAddress(types.AddressOf(keys[0].Public()), 0)
	zeroAddr := types.ContractAddress(types.AddressOf(keys[2].Public()), 0)
	type step struct {
		from int
		tx   *types.Tx
	}
	call := func(to types.Address, method string, gas uint64) *types.Tx {
		return client.NewCall(DefaultChainID, 0, to, method, nil, types.Amount{}, gas, 1)
	}
	steps := []step{
		{0, client.NewDeploy(DefaultChainID, 0, counter.Wasm, u64(7), types.NewAmount(1000), 1_000_000, 1)},
		{2, client.NewDeploy(DefaultChainID, 0, counter.Wasm, nil, types.Amount{}, 1_000_000, 2)},
		{1, call(counterAddr, counter.MethodIncrement, 200_000)},
		{1, call(counterAddr, counter.MethodIncrement, 200_000)},
		{2, call(zeroAddr, counter.MethodDecrement, 200_000)},                                         // reverts
		{0, call(counterAddr, counter.MethodDecrement, 200_000)},                                      // 8
		{1, call(counterAddr, counter.MethodIncrement, 1_100)},                                        // out of gas
		{0, call(counterAddr, "nope", 200_000)},                                                       // no such method
		{1, call(types.Address{0xee}, counter.MethodGet, 200_000)},                                    // no contract
		{2, client.NewDeploy(DefaultChainID, 0, []byte("not wasm"), nil, types.Amount{}, 200_000, 1)}, // invalid code
	}
	for i, s := range steps {
		s.tx.Nonce = nonces[s.from]
		nonces[s.from]++
		s.tx.Sign(keys[s.from])
		var rcs []*rpc.RPCReceipt
		for _, tn := range nodes {
			if _, err := tn.c.SendTx(ctx, s.tx); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			rc, err := tn.c.WaitReceipt(ctx, s.tx.Hash(), 5*time.Millisecond)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			headReached(t, ctx, tn.c, uint64(rc.BlockNumber))
			rcs = append(rcs, rc)
		}
		a, b := *rcs[0], *rcs[1]
		a.BlockHash, b.BlockHash = types.Hash{}, types.Hash{} // the genesis times differ
		if !reflect.DeepEqual(a, b) {
			t.Errorf("step %d: receipts differ:\n%+v\n%+v", i, a, b)
		}
		if wantFail := i == 4 || i >= 6; (a.Status == rpc.ReceiptStatusFailed) != wantFail {
			t.Errorf("step %d: status %s (%s)", i, a.Status, a.Error)
		}
	}
	var roots []types.Hash
	for _, tn := range nodes {
		blk, err := tn.c.BlockByNumber(ctx, rpc.LatestBlock, false)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, blk.StateRoot)
		v, err := tn.c.Storage(ctx, counterAddr, []byte(counter.StorageKey), rpc.LatestBlock)
		if err != nil || !bytes.Equal(v, u64(8)) {
			t.Errorf("count %x, %v; want 8", v, err)
		}
		acc, err := tn.c.Account(ctx, counterAddr, rpc.LatestBlock)
		if err != nil || amt(acc.Balance).Uint64() != 1000 {
			t.Errorf("contract account %+v, %v", acc, err)
		}
	}
	if roots[0] != roots[1] {
		t.Fatalf("state roots differ: %s and %s", roots[0], roots[1])
	}
	if roots[0].IsZero() {
		t.Fatal("zero state root")
	}
}
