package clienttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/mempool"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// Options configure a fake Backend.
type Options struct {
	// ChainID defaults to "noded-test".
	ChainID string
	// Funded accounts start with FundedBalance each.
	Funded []types.Address
	// FundedBalance defaults to 10^24.
	FundedBalance types.Amount
	// DevAccounts is the number of dev accounts, dev0..dev<n-1>, funded and
	// with keys from DevKey. Default 0.
	DevAccounts int
	// AutoMine makes a block after every transaction that becomes
	// executable, like a dev node.
	AutoMine bool
	// Peers are reported by node_status and net_peers.
	Peers []rpc.PeerInfo
	// Fail, if set, is asked about every transaction a block includes: a
	// non-empty answer makes it fail with that error in its receipt (the
	// fee is still paid), as a reverted contract call would.
	Fail func(*types.Tx) string
	// Events, if set, gives the events a transaction emits when a block
	// includes it and it succeeds; they go into its receipt and to the
	// events subscribers.
	Events func(*types.Tx) []types.Event
}

// DevKey returns the key of the fake's dev account i.
func DevKey(i int) crypto.PrivateKey { return keyFor(fmt.Sprintf("clienttest dev %d", i)) }

// ValidatorKey returns the key that signs the fake's blocks.
func ValidatorKey() crypto.PrivateKey { return keyFor("clienttest validator") }

func keyFor(label string) crypto.PrivateKey {
	seed := sha256.Sum256([]byte(label))
	k, err := crypto.NewKeyFromSeed(seed[:])
	if err != nil {
		panic(err)
	}
	return k
}

type location struct {
	height uint64
	index  int
}

// Backend is an in-memory rpc.Backend. It is safe for concurrent use.
type Backend struct {
	chainID  string
	autoMine bool
	fail     func(*types.Tx) string
	events   func(*types.Tx) []types.Event
	peers    []rpc.PeerInfo
	devKeys  []crypto.PrivateKey

	mu       sync.Mutex
	accounts map[types.Address]types.Account
	blocks   []*types.Block
	receipts map[types.Hash]types.Receipt
	where    map[types.Hash]location
	pool     map[types.Address]map[uint64]*types.Tx // sender -> nonce -> tx
	subs     map[int]func(types.Header)
	nextSub  int
	contracts
}

var _ rpc.Backend = (*Backend)(nil)

// NewBackend returns a fake chain holding only its genesis block.
func NewBackend(o Options) *Backend {
	if o.ChainID == "" {
		o.ChainID = "noded-test"
	}
	if o.FundedBalance.IsZero() {
		o.FundedBalance, _ = types.ParseAmount("1000000000000000000000000")
	}
	b := &Backend{
		chainID:  o.ChainID,
		autoMine: o.AutoMine,
		fail:     o.Fail,
		events:   o.Events,
		peers:    o.Peers,
		accounts: make(map[types.Address]types.Account),
		receipts: make(map[types.Hash]types.Receipt),
		where:    make(map[types.Hash]location),
		pool:     make(map[types.Address]map[uint64]*types.Tx),
		subs:     make(map[int]func(types.Header)),
	}
	for _, a := range o.Funded {
		b.accounts[a] = types.Account{Balance: o.FundedBalance}
	}
	for i := range o.DevAccounts {
		k := DevKey(i)
		b.devKeys = append(b.devKeys, k)
		b.accounts[types.AddressOf(k.Public())] = types.Account{Balance: o.FundedBalance}
	}
	genesis := &types.Block{Header: types.Header{GasLimit: chain.DefaultBlockGasLimit, TxRoot: types.TxRoot(nil)}}
	genesis.Header.Sign(ValidatorKey())
	b.blocks = []*types.Block{genesis}
	return b
}

// SetAccount sets the state of an address.
func (b *Backend) SetAccount(addr types.Address, a types.Account) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.accounts[addr] = a
}

// ChainID implements rpc.Backend.
func (b *Backend) ChainID() string { return b.chainID }

// GenesisHash implements rpc.Backend.
func (b *Backend) GenesisHash() types.Hash {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.blocks[0].Hash()
}

// Head implements rpc.Backend.
func (b *Backend) Head() types.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.blocks[len(b.blocks)-1].Header
}

// FinalizedHeight implements rpc.Backend: with one validator, every block
// is final.
func (b *Backend) FinalizedHeight() uint64 { return b.Head().Height }

// BlockByHeight implements rpc.Backend.
func (b *Backend) BlockByHeight(height uint64) (*types.Block, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height >= uint64(len(b.blocks)) {
		return nil, rpc.ErrNotFound
	}
	return b.blocks[height], nil
}

// BlockByHash implements rpc.Backend.
func (b *Backend) BlockByHash(hash types.Hash) (*types.Block, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, blk := range b.blocks {
		if blk.Hash() == hash {
			return blk, nil
		}
	}
	return nil, rpc.ErrNotFound
}

// Account implements rpc.Backend. Only the head state is kept.
func (b *Backend) Account(addr types.Address, height *uint64) (types.Account, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height != nil && *height != uint64(len(b.blocks)-1) {
		return types.Account{}, fmt.Errorf("%w: the fake keeps the head state only", rpc.ErrStateUnavailable)
	}
	return b.accounts[addr], nil
}

// Tx implements rpc.Backend.
func (b *Backend) Tx(hash types.Hash) (*rpc.TxLookup, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if loc, ok := b.where[hash]; ok {
		blk := b.blocks[loc.height]
		return &rpc.TxLookup{Tx: blk.Txs[loc.index], Hash: hash, BlockHash: blk.Hash(), Height: loc.height, Index: loc.index}, nil
	}
	for _, txs := range b.pool {
		for _, tx := range txs {
			if tx.Hash() == hash {
				return &rpc.TxLookup{Tx: tx, Hash: hash, Pending: true}, nil
			}
		}
	}
	return nil, rpc.ErrNotFound
}

// Receipt implements rpc.Backend.
func (b *Backend) Receipt(hash types.Hash) (*rpc.ReceiptLookup, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	loc, ok := b.where[hash]
	if !ok {
		return nil, rpc.ErrNotFound
	}
	blk := b.blocks[loc.height]
	return &rpc.ReceiptLookup{Receipt: b.receipts[hash], BlockHash: blk.Hash(), Height: loc.height, Index: loc.index, Tx: blk.Txs[loc.index]}, nil
}

// MempoolStatus implements rpc.Backend.
func (b *Backend) MempoolStatus() rpc.MempoolStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := rpc.MempoolStatus{Senders: len(b.pool), Capacity: 1000}
	for addr := range b.pool {
		p, q := b.inspect(addr)
		s.Pending += len(p)
		s.Queued += len(q)
	}
	return s
}

// MempoolInspect implements rpc.Backend.
func (b *Backend) MempoolInspect(addr types.Address) rpc.MempoolAccount {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, q := b.inspect(addr)
	return rpc.MempoolAccount{Pending: p, Queued: q}
}

// inspect splits addr's pool nonces into executable and waiting ones.
func (b *Backend) inspect(addr types.Address) (pending, queued []uint64) {
	next := b.accounts[addr].Nonce
	nonces := make([]uint64, 0, len(b.pool[addr]))
	for n := range b.pool[addr] {
		nonces = append(nonces, n)
	}
	slices.Sort(nonces)
	for _, n := range nonces {
		if n == next {
			pending = append(pending, n)
			next++
		} else {
			queued = append(queued, n)
		}
	}
	return pending, queued
}

// SubscribeHeads implements rpc.Backend.
func (b *Backend) SubscribeHeads(fn func(types.Header)) (cancel func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.nextSub
	b.nextSub++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// NodeStatus implements rpc.Backend.
func (b *Backend) NodeStatus() rpc.NodeStatus {
	return rpc.NodeStatus{NodeID: "fake-node", Peers: b.peers, Validator: true, VMEngine: "none"}
}

// Snapshots implements rpc.Backend: the fake keeps no snapshots.
func (b *Backend) Snapshots() []rpc.SnapshotInfo { return nil }

// DevMode implements rpc.Backend.
func (b *Backend) DevMode() bool { return len(b.devKeys) > 0 }

// DevAccounts implements rpc.Backend.
func (b *Backend) DevAccounts() []rpc.DevAccount {
	out := make([]rpc.DevAccount, len(b.devKeys))
	for i, k := range b.devKeys {
		out[i] = rpc.DevAccount{Name: fmt.Sprintf("dev%d", i), Address: types.AddressOf(k.Public())}
	}
	return out
}

// DevSend implements rpc.Backend.
func (b *Backend) DevSend(from string, to types.Address, value types.Amount) (types.Hash, rpc.SendResult, error) {
	var key crypto.PrivateKey
	for i, a := range b.DevAccounts() {
		if a.Name == from || a.Address.String() == from {
			key = b.devKeys[i]
		}
	}
	if key.IsZero() {
		return types.Hash{}, rpc.SendResult{}, fmt.Errorf("no dev account %q", from)
	}
	b.mu.Lock()
	addr := types.AddressOf(key.Public())
	nonce := b.accounts[addr].Nonce
	for n := range b.pool[addr] {
		nonce = max(nonce, n+1)
	}
	b.mu.Unlock()
	tx := &types.Tx{ChainID: b.chainID, Nonce: nonce, Kind: types.TxTransfer, To: to, Amount: value, GasPrice: 1}
	tx.GasLimit = chain.IntrinsicGas(tx)
	tx.Sign(key)
	res, err := b.SendTx(tx)
	return tx.Hash(), res, err
}

// DevMine implements rpc.Backend.
func (b *Backend) DevMine(ctx context.Context, n int) (uint64, error) {
	var h uint64
	for range n {
		h = b.Mine()
	}
	return h, nil
}

// SendTx implements rpc.Backend with the checks of a node's mempool.
func (b *Backend) SendTx(tx *types.Tx) (rpc.SendResult, error) {
	if err := tx.CheckBasic(); err != nil {
		return rpc.SendResult{}, err
	}
	if !tx.VerifySig() {
		return rpc.SendResult{}, types.ErrBadSig
	}
	if tx.ChainID != b.chainID {
		return rpc.SendResult{}, fmt.Errorf("%w: %q, this chain is %q", chain.ErrWrongChain, tx.ChainID, b.chainID)
	}
	if tx.GasLimit > chain.MaxTxGas {
		return rpc.SendResult{}, fmt.Errorf("%w: %d > %d", chain.ErrGasLimitTooHigh, tx.GasLimit, chain.MaxTxGas)
	}
	if need := chain.IntrinsicGas(tx); tx.GasLimit < need {
		return rpc.SendResult{}, fmt.Errorf("%w: %d < %d", chain.ErrIntrinsicGas, tx.GasLimit, need)
	}
	if tx.Kind != types.TxTransfer {
		return rpc.SendResult{}, chain.ErrContractsDisabled
	}
	b.mu.Lock()
	sender := tx.Sender()
	acct := b.accounts[sender]
	if tx.Nonce < acct.Nonce {
		b.mu.Unlock()
		return rpc.SendResult{}, fmt.Errorf("%w: account nonce %d, transaction nonce %d", chain.ErrNonceTooLow, acct.Nonce, tx.Nonce)
	}
	if c, overflow := cost(tx); overflow || c.Cmp(&acct.Balance) > 0 {
		b.mu.Unlock()
		return rpc.SendResult{}, fmt.Errorf("%w: balance %s, cost %s", chain.ErrInsufficientFunds, acct.Balance.Dec(), c.Dec())
	}
	status := rpc.StatusAccepted
	if old, ok := b.pool[sender][tx.Nonce]; ok {
		if bytes.Equal(old.Encode(), tx.Encode()) {
			b.mu.Unlock()
			return rpc.SendResult{}, fmt.Errorf("%w: %s", mempool.ErrDuplicate, tx.Hash())
		}
		if tx.GasPrice*10 < old.GasPrice*11 {
			b.mu.Unlock()
			return rpc.SendResult{}, fmt.Errorf("%w: gas price %d, at least %d needed", mempool.ErrReplacementUnderpriced, tx.GasPrice, (old.GasPrice*11+9)/10)
		}
		status = rpc.StatusReplaced
	}
	if b.pool[sender] == nil {
		b.pool[sender] = make(map[uint64]*types.Tx)
	}
	b.pool[sender][tx.Nonce] = tx
	var missing []uint64
	for n := acct.Nonce; n < tx.Nonce && len(missing) < 64; n++ {
		if _, ok := b.pool[sender][n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		status = rpc.StatusQueued
	}
	b.mu.Unlock()
	if b.autoMine && len(missing) == 0 {
		b.Mine()
	}
	return rpc.SendResult{Status: status, Missing: missing}, nil
}

// cost is what a transaction may take from its sender: gas x price + amount.
func cost(tx *types.Tx) (c types.Amount, overflow bool) {
	c = types.NewAmount(tx.GasLimit)
	price := types.NewAmount(tx.GasPrice)
	c.Mul(&c, &price) // two 64-bit factors never overflow 256 bits
	_, overflow = c.AddOverflow(&c, &tx.Amount)
	return c, overflow
}

// Mine makes a block of the executable pool transactions (possibly none)
// and returns its height.
func (b *Backend) Mine() uint64 {
	b.mu.Lock()
	parent := b.blocks[len(b.blocks)-1].Header
	blk := &types.Block{}
	var receipts []types.Receipt
	senders := make([]types.Address, 0, len(b.pool))
	for a := range b.pool {
		senders = append(senders, a)
	}
	slices.SortFunc(senders, func(x, y types.Address) int { return bytes.Compare(x[:], y[:]) })
	for _, s := range senders {
		for {
			acct := b.accounts[s]
			tx, ok := b.pool[s][acct.Nonce]
			if !ok {
				break
			}
			delete(b.pool[s], acct.Nonce)
			receipts = append(receipts, b.apply(tx, len(blk.Txs), parent.Height+1))
			blk.Txs = append(blk.Txs, tx)
		}
		if len(b.pool[s]) == 0 {
			delete(b.pool, s)
		}
	}
	hashes := make([]types.Hash, len(blk.Txs))
	var gas uint64
	for i, tx := range blk.Txs {
		hashes[i] = tx.Hash()
		gas += receipts[i].GasUsed
	}
	blk.Header = types.Header{
		Height:       parent.Height + 1,
		Parent:       parent.Hash(),
		Slot:         parent.Slot + 1,
		Time:         parent.Time + 1000,
		TxRoot:       types.TxRoot(hashes),
		ReceiptsRoot: types.ReceiptsRoot(receipts),
		GasUsed:      gas,
		GasLimit:     chain.DefaultBlockGasLimit,
	}
	blk.Header.Sign(ValidatorKey())
	b.blocks = append(b.blocks, blk)
	subs := make([]func(types.Header), 0, len(b.subs))
	for _, fn := range b.subs {
		subs = append(subs, fn)
	}
	evSubs, logs := b.blockEvents(blk, receipts)
	b.mu.Unlock()
	for _, fn := range subs {
		fn(blk.Header)
	}
	for _, fn := range evSubs {
		fn(logs)
	}
	return blk.Header.Height
}

// apply executes a transfer; the caller holds b.mu.
func (b *Backend) apply(tx *types.Tx, index int, height uint64) types.Receipt {
	hash := tx.Hash()
	gas := chain.IntrinsicGas(tx)
	fee := types.NewAmount(gas)
	price := types.NewAmount(tx.GasPrice)
	fee.Mul(&fee, &price)
	from := b.accounts[tx.Sender()]
	from.Nonce++
	from.Balance.Sub(&from.Balance, &fee)
	r := types.Receipt{TxHash: hash, Status: types.ReceiptSuccess, GasUsed: gas, Fee: fee}
	switch {
	case b.fail != nil && b.fail(tx) != "":
		r.Status, r.Error = types.ReceiptFailed, b.fail(tx)
	case from.Balance.Cmp(&tx.Amount) < 0:
		r.Status, r.Error = types.ReceiptFailed, "insufficient balance for the transfer"
	default:
		from.Balance.Sub(&from.Balance, &tx.Amount)
		if b.events != nil {
			r.Events = b.events(tx)
		}
	}
	b.accounts[tx.Sender()] = from
	if r.Status == types.ReceiptSuccess {
		to := b.accounts[tx.To]
		to.Balance.Add(&to.Balance, &tx.Amount)
		b.accounts[tx.To] = to
	}
	b.receipts[hash] = r
	b.where[hash] = location{height: height, index: index}
	return r
}
