//go:build cgo

package chain

// The contract tests need cgo: their contracts are written in WAT
// (compiled by wasmer's wat2wasm) and run on the wasmer engine.

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/wasmerio/wasmer-go/wasmer"

	"github.com/noded/noded/types"
	"github.com/noded/noded/vm"
)

// counterWAT keeps a counter under "count": init sets it to the 8-byte
// input, increment adds one, emits "incremented" and returns the new
// value, get returns it, fail increments then reverts with "no".
const counterWAT = `(module
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "storage_read" (func $sr (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $sw (param i32 i32 i32 i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (import "env" "emit_event" (func $ev (param i32 i32 i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "count")
  (data (i32.const 16) "incremented")
  (data (i32.const 48) "no")
  (func (export "init")
    (i64.store (i32.const 32) (i64.const 0))
    (if (i32.eq (call $input_size) (i32.const 8)) (then (call $input_read (i32.const 32))))
    (call $sw (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)))
  (func $inc (export "increment")
    (drop (call $sr (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)))
    (i64.store (i32.const 32) (i64.add (i64.load (i32.const 32)) (i64.const 1)))
    (call $sw (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8))
    (call $ev (i32.const 16) (i32.const 11) (i32.const 32) (i32.const 8))
    (call $ret (i32.const 32) (i32.const 8)))
  (func (export "fail")
    (call $inc)
    (call $revert (i32.const 48) (i32.const 2)))
  (func (export "spin") (loop $l (br $l)))
  (func (export "get")
    (drop (call $sr (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)))
    (call $ret (i32.const 32) (i32.const 8))))`

func wat(t testing.TB, src string) []byte {
	t.Helper()
	b, err := wasmer.Wat2Wasm(src)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newVM(t testing.TB) *vm.VM {
	t.Helper()
	v, err := vm.New(vm.NewWasmerEngine(), vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func (h *harness) contractTx(from int, nonce uint64, kind types.TxKind, to types.Address, method string, code, input []byte, gas uint64) *types.Tx {
	tx := &types.Tx{ChainID: "test-chain", Nonce: nonce, Kind: kind, To: to, Method: method, Code: code, Input: input,
		GasLimit: gas, GasPrice: 1}
	tx.Sign(h.users[from])
	return tx
}

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// mustBlock builds a block with txs, checks a second node validates it to the
// same root, and commits it on both.
func mustBlock(t *testing.T, h, peer *harness, txs ...*types.Tx) []types.Receipt {
	t.Helper()
	blk, res, inv := h.build(txs...)
	if len(inv) != 0 {
		t.Fatalf("invalid: %v", inv[0].Err)
	}
	if peer != nil {
		pres, err := peer.exec.ValidateBlock(&peer.head, peer.state, peer.root, blk, h.clock)
		if err != nil {
			t.Fatalf("peer rejects the block: %v", err)
		}
		peer.commit(blk, pres)
	}
	h.commit(blk, res)
	return res.Receipts
}

func TestContractsDeployCallRevert(t *testing.T) {
	h := newHarnessWith(t, 2, newVM(t))
	peer := newHarnessWith(t, 2, newVM(t)) // a second node with its own VM
	code := wat(t, counterWAT)
	deployer := h.addr(0)
	addr := types.ContractAddress(deployer, 0)

	rcs := mustBlock(t, h, peer, h.contractTx(0, 0, types.TxDeploy, types.Address{}, "", code, u64(41), 1_000_000))
	if rc := rcs[0]; rc.Status != types.ReceiptSuccess || rc.ContractAddress != addr || rc.GasUsed <= IntrinsicGas(&types.Tx{Code: code, Input: u64(41)}) {
		t.Fatalf("deploy receipt %+v", rc)
	}
	acc, _ := h.state.Account(addr)
	if acc.CodeHash != CodeHash(code) {
		t.Fatalf("contract account %+v", acc)
	}

	rcs = mustBlock(t, h, peer,
		h.contractTx(1, 0, types.TxCall, addr, "increment", nil, nil, 200_000),
		h.contractTx(1, 1, types.TxCall, addr, "fail", nil, nil, 200_000),
		h.contractTx(1, 2, types.TxCall, addr, "spin", nil, nil, 50_000),
		h.contractTx(1, 3, types.TxCall, addr, "nope", nil, nil, 50_000),
		h.contractTx(1, 4, types.TxCall, types.Address{7}, "get", nil, nil, 50_000),
	)
	ok, reverted, spun, nomethod, nocontract := rcs[0], rcs[1], rcs[2], rcs[3], rcs[4]
	if ok.Status != types.ReceiptSuccess || binary.LittleEndian.Uint64(ok.ReturnData) != 42 ||
		len(ok.Events) != 1 || ok.Events[0].Topic != "incremented" || ok.Events[0].Address != addr {
		t.Fatalf("increment receipt %+v", ok)
	}
	if reverted.Status != types.ReceiptFailed || !strings.Contains(reverted.Error, "no") || len(reverted.Events) != 0 {
		t.Fatalf("revert receipt %+v", reverted)
	}
	if spun.Status != types.ReceiptFailed || spun.GasUsed != 50_000 || !strings.Contains(spun.Error, "out of gas") {
		t.Fatalf("infinite loop receipt %+v (want all 50,000 gas used)", spun)
	}
	if nomethod.Status != types.ReceiptFailed || nocontract.Status != types.ReceiptFailed {
		t.Fatalf("no method %+v / no contract %+v", nomethod, nocontract)
	}
	// Failed calls pay their fee; the revert's increment is undone.
	var fees uint64
	for _, rc := range rcs {
		fees += rc.Fee.Uint64()
	}
	if got := h.balance(h.addr(1)); got != initialBalance-fees {
		t.Fatalf("caller balance %d, want %d", got, initialBalance-fees)
	}
	res, err := h.exec.Query(context.Background(), h.state, &h.head, vm.CallRequest{Contract: addr, Method: "get"})
	if err != nil || res.Err != nil || binary.LittleEndian.Uint64(res.ReturnData) != 42 {
		t.Fatalf("query get: %+v %v", res, err)
	}
	if h.root.Hash() != peer.root.Hash() {
		t.Fatal("two nodes disagree on the state root")
	}

	// Estimate runs the same path: increment costs what the receipt said.
	est, err := h.exec.Estimate(context.Background(), h.state, &h.head, h.contractTx(1, 0, types.TxCall, addr, "increment", nil, nil, 1), h.addr(1))
	if err != nil || est.GasUsed != ok.GasUsed {
		t.Fatalf("estimate %+v %v, want gas %d", est, err, ok.GasUsed)
	}
}

func TestContractsRefusedWithoutVM(t *testing.T) {
	h := newHarness(t, 1)
	_, _, inv := h.build(h.contractTx(0, 0, types.TxDeploy, types.Address{}, "", wat(t, counterWAT), nil, 1_000_000))
	if len(inv) != 1 || !errors.Is(inv[0].Err, ErrContractsDisabled) {
		t.Fatalf("invalid = %v", inv)
	}
}

func TestContractTimeoutLeftOut(t *testing.T) {
	h := newHarnessWith(t, 1, newVM(t))
	code := wat(t, counterWAT)
	mustBlock(t, h, nil, h.contractTx(0, 0, types.TxDeploy, types.Address{}, "", code, nil, 1_000_000))
	addr := types.ContractAddress(h.addr(0), 0)
	// A node whose wall-clock limit has already passed leaves the call out.
	h.exec.txContext = func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, func() {}
	}
	_, _, inv := h.build(h.contractTx(0, 1, types.TxCall, addr, "spin", nil, nil, 9_000_000))
	if len(inv) != 1 || !errors.Is(inv[0].Err, ErrTxTimeout) {
		t.Fatalf("invalid = %v, want a timeout", inv)
	}
}
