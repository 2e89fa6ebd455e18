package mempool

import (
	"errors"
	"strings"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

func TestAddRejects(t *testing.T) {
	alice, bob := newActor(t, "alice"), newActor(t, "bob")
	errState := errors.New("disk on fire")
	const rich = 1 << 40

	tests := []struct {
		name  string
		cfg   Config
		setup func(t *testing.T, p *Pool, st *fakeState) // after alice and bob get rich at nonce 5
		tx    func() *types.Tx
		size  int // 0: the real encoded size
		err   error
		msg   string // a detail the message must give
	}{{
		name: "too large",
		cfg:  Config{MaxTxSize: 200},
		tx:   func() *types.Tx { return alice.transfer(5, 1) },
		size: 201,
		err:  ErrTooLarge,
		msg:  "201 bytes, limit 200",
	}, {
		name: "zero gas price",
		tx:   func() *types.Tx { return alice.transfer(5, 0) },
		err:  ErrFeeTooLow,
		msg:  "gas price 0, minimum 1",
	}, {
		name: "below the configured minimum",
		cfg:  Config{MinGasPrice: 7},
		tx:   func() *types.Tx { return alice.transfer(5, 6) },
		err:  ErrFeeTooLow,
		msg:  "gas price 6, minimum 7",
	}, {
		name: "duplicate",
		setup: func(t *testing.T, p *Pool, st *fakeState) {
			mustAdd(t, p, st, alice.transfer(5, 1), Accepted)
		},
		tx:  func() *types.Tx { return alice.transfer(5, 1) },
		err: ErrDuplicate,
		msg: alice.transfer(5, 1).Hash().String(),
	}, {
		name: "state unreadable",
		setup: func(t *testing.T, p *Pool, st *fakeState) {
			st.fail[alice.addr] = errState
		},
		tx:  func() *types.Tx { return alice.transfer(5, 1) },
		err: errState,
		msg: alice.addr.String(),
	}, {
		name: "nonce too low",
		tx:   func() *types.Tx { return alice.transfer(4, 1) },
		err:  chain.ErrNonceTooLow,
		msg:  "account nonce is 5, transaction has 4",
	}, {
		name: "nonce too far ahead",
		cfg:  Config{MaxPerSender: 16},
		tx:   func() *types.Tx { return alice.transfer(5+16, 1) },
		err:  ErrNonceTooFarAhead,
		msg:  "nonce 21, account nonce 5: at most 15 ahead",
	}, {
		name: "wrong chain",
		tx: func() *types.Tx {
			tx := alice.transfer(5, 1)
			tx.ChainID = "other"
			return alice.sign(tx)
		},
		err: chain.ErrWrongChain,
		msg: `"other"`,
	}, {
		name: "gas limit above the maximum",
		tx: func() *types.Tx {
			tx := alice.transfer(5, 1)
			tx.GasLimit = chain.MaxTxGas + 1
			return alice.sign(tx)
		},
		err: chain.ErrGasLimitTooHigh,
		msg: "10000001 > 10000000",
	}, {
		name: "gas limit below the intrinsic cost",
		tx: func() *types.Tx {
			tx := alice.transfer(5, 1)
			tx.GasLimit = chain.TxBaseGas - 1
			return alice.sign(tx)
		},
		err: chain.ErrIntrinsicGas,
		msg: "gas limit 999, intrinsic cost 1000",
	}, {
		name: "contract call on a chain without contracts",
		tx: func() *types.Tx {
			tx := alice.transfer(5, 1)
			tx.Kind, tx.Method, tx.GasLimit = types.TxCall, "run", 100_000
			return alice.sign(tx)
		},
		err: chain.ErrContractsDisabled,
	}, {
		name: "insufficient funds",
		setup: func(t *testing.T, p *Pool, st *fakeState) {
			st.set(alice.addr, 1000, 5)
		},
		tx:  func() *types.Tx { return alice.transfer(5, 1) }, // 1000 gas x 1 + 1
		err: chain.ErrInsufficientFunds,
		msg: "balance 1000, cost up to 1001",
	}, {
		name: "replacement underpriced",
		setup: func(t *testing.T, p *Pool, st *fakeState) {
			mustAdd(t, p, st, alice.transfer(5, 100), Accepted)
		},
		tx:  func() *types.Tx { return alice.transfer(5, 109) },
		err: ErrReplacementUnderpriced,
		msg: "pays gas price 100, a replacement must pay at least 110 (+10%), this one pays 109",
	}, {
		name: "sender's queue full",
		cfg:  Config{MaxQueued: 2},
		setup: func(t *testing.T, p *Pool, st *fakeState) {
			mustAdd(t, p, st, alice.transfer(7, 1), Queued)
			mustAdd(t, p, st, alice.transfer(8, 1), Queued)
		},
		tx:  func() *types.Tx { return alice.transfer(9, 1) },
		err: ErrSenderFull,
		msg: "has 2 queued transactions waiting for nonce 5, limit 2",
	}, {
		name: "pool full of better-paying transactions",
		cfg:  Config{MaxTxs: 2},
		setup: func(t *testing.T, p *Pool, st *fakeState) {
			mustAdd(t, p, st, bob.transfer(5, 3), Accepted)
			mustAdd(t, p, st, bob.transfer(6, 4), Accepted)
		},
		tx:  func() *types.Tx { return alice.transfer(5, 3) },
		err: ErrPoolFull,
		msg: "2 transactions, limit 2; the cheapest is worth gas price 3 (executable), this one 3 (executable)",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPool(t, tc.cfg)
			st := newFakeState()
			st.set(alice.addr, rich, 5)
			st.set(bob.addr, rich, 5)
			if tc.setup != nil {
				tc.setup(t, p, st)
			}
			before := p.Stats()
			tx := tc.tx()
			size := tc.size
			if size == 0 {
				size = len(tx.Encode())
			}
			_, err := p.Add(tx, tx.Hash(), size, st)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("message %q does not say %q", err, tc.msg)
			}
			if after := p.Stats(); after != before {
				t.Fatalf("a refused transaction changed the pool: %+v -> %+v", before, after)
			}
			checkInvariants(t, p)
		})
	}
}

func TestConfigDefaultsAndValidate(t *testing.T) {
	var c Config
	c.EnsureDefaults()
	want := Config{MinGasPrice: 1, MaxTxs: 200_000, MaxPerSender: 4096, MaxQueued: 64, PriceBumpPercent: 10, MaxTxSize: types.MaxTxSize}
	if c != want {
		t.Fatalf("defaults %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := newTestPool(t, Config{MaxTxs: 7}).Config(); got.MaxTxs != 7 || got.MaxPerSender != DefaultMaxPerSender {
		t.Fatalf("pool config %+v", got)
	}
	for _, bad := range []Config{
		{MaxTxs: -1},
		{MaxPerSender: -1},
		{MaxQueued: -1},
		{PriceBumpPercent: -5},
		{PriceBumpPercent: maxPriceBumpPercent + 1},
		{MaxTxSize: types.MaxTxSize + 1},
	} {
		if _, err := New(bad, testExecutor(t)); err == nil {
			t.Errorf("New accepted %+v", bad)
		}
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{Accepted: "accepted", Queued: "queued", Replaced: "replaced", 0: "status(0)"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s, want)
		}
	}
}
