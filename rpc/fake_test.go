package rpc

import (
	"context"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// fakeBackend is an in-memory Backend. Tests set its fields before the
// server starts; what the server does to it is recorded under mu.
type fakeBackend struct {
	chainID   string
	genesis   types.Hash
	finalized uint64
	blocks    []*types.Block // by height; the last is the head
	// accounts at the head; Account at a height below prunedBelow
	// returns ErrStateUnavailable, at other heights historical[h].
	accounts    map[types.Address]types.Account
	historical  map[uint64]map[types.Address]types.Account
	prunedBelow uint64
	txs         map[types.Hash]*TxLookup
	receipts    map[types.Hash]*ReceiptLookup
	pool        MempoolStatus
	inspect     map[types.Address]MempoolAccount
	status      NodeStatus
	snapshots   []SnapshotInfo
	dev         bool
	devAccounts []DevAccount

	sendErr   error      // returned by SendTx and DevSend when set
	sendRes   SendResult // returned by SendTx and DevSend otherwise
	verifySig bool       // SendTx checks the signature, as the node does
	panics    bool       // every method panics
	noRecord  bool       // keep no record of sends and mines (fuzzing)
	// mining, if set, makes DevMine send on it and wait for its context.
	mining chan struct{}
	// contracts serves the ContractBackend methods (fake_contracts_test.go).
	contracts fakeContracts

	mu        sync.Mutex
	sent      []*types.Tx
	devSent   []DevSendArgs
	mined     []int
	subs      map[int]func(types.Header)
	nextSub   int
	unsubbed  chan int // receives the id of each cancelled subscription
	subscribe chan int // receives the id of each new subscription
}

func (f *fakeBackend) maybePanic() {
	if f.panics {
		panic("fake backend: boom")
	}
}

func (f *fakeBackend) ChainID() string         { f.maybePanic(); return f.chainID }
func (f *fakeBackend) GenesisHash() types.Hash { f.maybePanic(); return f.genesis }
func (f *fakeBackend) FinalizedHeight() uint64 { f.maybePanic(); return f.finalized }

func (f *fakeBackend) Head() types.Header {
	f.maybePanic()
	return f.blocks[len(f.blocks)-1].Header
}

func (f *fakeBackend) BlockByHeight(h uint64) (*types.Block, error) {
	f.maybePanic()
	if h >= uint64(len(f.blocks)) {
		return nil, ErrNotFound
	}
	return f.blocks[h], nil
}

func (f *fakeBackend) BlockByHash(hash types.Hash) (*types.Block, error) {
	f.maybePanic()
	for _, b := range f.blocks {
		if b.Hash() == hash {
			return b, nil
		}
	}
	return nil, ErrNotFound
}

func (f *fakeBackend) Account(addr types.Address, height *uint64) (types.Account, error) {
	f.maybePanic()
	if height == nil {
		return f.accounts[addr], nil
	}
	if *height < f.prunedBelow {
		return types.Account{}, fmt.Errorf("%w: height %d pruned", ErrStateUnavailable, *height)
	}
	return f.historical[*height][addr], nil
}

func (f *fakeBackend) SendTx(tx *types.Tx) (SendResult, error) {
	f.maybePanic()
	if f.verifySig && !tx.VerifySig() {
		return SendResult{}, fmt.Errorf("tx %v: %w", tx.Hash(), types.ErrBadSig)
	}
	if f.sendErr != nil {
		return SendResult{}, f.sendErr
	}
	if !f.noRecord {
		f.mu.Lock()
		f.sent = append(f.sent, tx)
		f.mu.Unlock()
	}
	return f.sendRes, nil
}

func (f *fakeBackend) Tx(hash types.Hash) (*TxLookup, error) {
	f.maybePanic()
	if l, ok := f.txs[hash]; ok {
		return l, nil
	}
	return nil, ErrNotFound
}

func (f *fakeBackend) Receipt(hash types.Hash) (*ReceiptLookup, error) {
	f.maybePanic()
	if l, ok := f.receipts[hash]; ok {
		return l, nil
	}
	return nil, ErrNotFound
}

func (f *fakeBackend) MempoolStatus() MempoolStatus { f.maybePanic(); return f.pool }

func (f *fakeBackend) MempoolInspect(addr types.Address) MempoolAccount {
	f.maybePanic()
	return f.inspect[addr]
}

func (f *fakeBackend) SubscribeHeads(fn func(types.Header)) func() {
	f.maybePanic()
	f.mu.Lock()
	if f.subs == nil {
		f.subs = make(map[int]func(types.Header))
	}
	id := f.nextSub
	f.nextSub++
	f.subs[id] = fn
	f.mu.Unlock()
	if f.subscribe != nil {
		f.subscribe <- id
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			delete(f.subs, id)
			f.mu.Unlock()
			if f.unsubbed != nil {
				f.unsubbed <- id
			}
		})
	}
}

// pushHead delivers h to every subscriber, as the node does on a new head.
func (f *fakeBackend) pushHead(h types.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fn := range f.subs {
		fn(h)
	}
}

func (f *fakeBackend) subCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *fakeBackend) NodeStatus() NodeStatus { f.maybePanic(); return f.status }
func (f *fakeBackend) Snapshots() []SnapshotInfo {
	f.maybePanic()
	return f.snapshots
}
func (f *fakeBackend) DevMode() bool { f.maybePanic(); return f.dev }

func (f *fakeBackend) DevAccounts() []DevAccount {
	f.maybePanic()
	if !f.dev {
		return nil
	}
	return f.devAccounts
}

func (f *fakeBackend) DevSend(from string, to types.Address, value types.Amount) (types.Hash, SendResult, error) {
	f.maybePanic()
	if !f.dev {
		return types.Hash{}, SendResult{}, ErrNotDevMode
	}
	known := false
	for _, a := range f.devAccounts {
		known = known || a.Name == from || a.Address.String() == from
	}
	if !known {
		return types.Hash{}, SendResult{}, fmt.Errorf("%w: %q is not a dev account", ErrInvalidParams, from)
	}
	if f.sendErr != nil {
		return types.Hash{}, SendResult{}, f.sendErr
	}
	if !f.noRecord {
		f.mu.Lock()
		f.devSent = append(f.devSent, DevSendArgs{From: from, To: to, Value: hexutil.U256(value)})
		f.mu.Unlock()
	}
	return types.Hash{0xde, 0xad}, f.sendRes, nil
}

func (f *fakeBackend) DevMine(ctx context.Context, n int) (uint64, error) {
	f.maybePanic()
	if !f.dev {
		return 0, ErrNotDevMode
	}
	if f.mining != nil {
		f.mining <- struct{}{}
		<-ctx.Done()
		f.mining <- struct{}{}
		return 0, ctx.Err()
	}
	if !f.noRecord {
		f.mu.Lock()
		f.mined = append(f.mined, n)
		f.mu.Unlock()
	}
	return f.Head().Height + uint64(n), nil
}

// testKey returns a deterministic key.
func testKey(i byte) crypto.PrivateKey {
	seed := make([]byte, crypto.SeedSize)
	seed[0] = i
	k, err := crypto.NewKeyFromSeed(seed)
	if err != nil {
		panic(err)
	}
	return k
}

// signedTransfer returns a signed transfer of amount with the given nonce.
func signedTransfer(key crypto.PrivateKey, nonce uint64, to types.Address, amount uint64) *types.Tx {
	tx := &types.Tx{
		ChainID: "noded-test", Nonce: nonce, Kind: types.TxTransfer, To: to,
		Amount: types.NewAmount(amount), GasLimit: 21_000, GasPrice: 1,
	}
	tx.Sign(key)
	return tx
}

// newFake returns a fake with a three-block chain (genesis, one block with
// two transactions, an empty one), an account, a pending and an included
// transaction with its receipt, and dev mode on.
func newFake() *fakeBackend {
	alice, bob := testKey(1), testKey(2)
	aliceAddr, bobAddr := types.AddressOf(alice.Public()), types.AddressOf(bob.Public())
	proposer := testKey(9)

	tx0 := signedTransfer(alice, 0, bobAddr, 5)
	deploy := &types.Tx{ChainID: "noded-test", Nonce: 1, Kind: types.TxDeploy, Code: []byte{0, 'a', 's', 'm'},
		Amount: types.NewAmount(0), GasLimit: 100_000, GasPrice: 2}
	deploy.Sign(alice)
	pending := signedTransfer(alice, 2, bobAddr, 7)

	var blocks []*types.Block
	parent := types.Hash{}
	for h, txs := range [][]*types.Tx{nil, {tx0, deploy}, nil} {
		b := &types.Block{Header: types.Header{
			Height: uint64(h), Parent: parent, Slot: uint64(h) * 2, Time: 1_700_000_000_000 + uint64(h)*1000,
			GasUsed: uint64(len(txs)) * 21_000, GasLimit: 30_000_000,
		}, Txs: txs}
		hashes := make([]types.Hash, len(txs))
		for i, tx := range txs {
			hashes[i] = tx.Hash()
		}
		b.Header.TxRoot = types.TxRoot(hashes)
		b.Header.Sign(proposer)
		parent = b.Hash()
		blocks = append(blocks, b)
	}
	contract := types.ContractAddress(aliceAddr, 1)
	f := &fakeBackend{
		chainID:   "noded-test",
		genesis:   blocks[0].Hash(),
		finalized: 1,
		blocks:    blocks,
		accounts: map[types.Address]types.Account{
			aliceAddr: {Balance: types.NewAmount(1_000_000), Nonce: 2},
		},
		historical: map[uint64]map[types.Address]types.Account{
			1: {aliceAddr: {Balance: types.NewAmount(900), Nonce: 1}},
		},
		txs: map[types.Hash]*TxLookup{
			tx0.Hash():     {Tx: tx0, Hash: tx0.Hash(), BlockHash: blocks[1].Hash(), Height: 1, Index: 0},
			pending.Hash(): {Tx: pending, Hash: pending.Hash(), Pending: true},
		},
		receipts: map[types.Hash]*ReceiptLookup{
			tx0.Hash(): {Receipt: types.Receipt{TxHash: tx0.Hash(), Status: types.ReceiptSuccess, GasUsed: 21_000,
				Fee: types.NewAmount(21_000)}, BlockHash: blocks[1].Hash(), Height: 1, Index: 0, Tx: tx0},
			deploy.Hash(): {Receipt: types.Receipt{TxHash: deploy.Hash(), Status: types.ReceiptFailed, GasUsed: 50_000,
				Fee: types.NewAmount(100_000), ContractAddress: contract, ReturnData: []byte{1, 2},
				Events: []types.Event{{Address: contract, Topic: "init", Data: []byte("hi")}}, Error: "trap"},
				BlockHash: blocks[1].Hash(), Height: 1, Index: 1, Tx: deploy},
		},
		pool:    MempoolStatus{Pending: 3, Queued: 1, Senders: 2, Capacity: 5000},
		inspect: map[types.Address]MempoolAccount{aliceAddr: {Pending: []uint64{2, 3}, Queued: []uint64{9}}},
		status: NodeStatus{NodeID: "12D3KooWtest", Syncing: true, SyncTarget: 40, Validator: true, VMEngine: "wasmer",
			Peers: []PeerInfo{{ID: "peer1", Address: "/ip4/127.0.0.1/tcp/4001", LatencyMs: 1.5, Height: 40,
				HeadHash: types.Hash{4}}}},
		dev:         true,
		devAccounts: []DevAccount{{Name: "dev0", Address: aliceAddr}},
		sendRes:     SendResult{Status: StatusAccepted},
	}
	return f
}
