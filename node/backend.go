package node

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/store"
	"github.com/noded/noded/types"
)

// backend adapts the node to the RPC server.
type backend struct{ n *Node }

func (n *Node) backend() rpc.Backend { return backend{n} }

var _ rpc.Backend = backend{}

func (b backend) ChainID() string         { return b.n.ChainID() }
func (b backend) GenesisHash() types.Hash { return b.n.genHash }

// Head reads the store's head, which moves in the same batch that makes a
// block's receipts readable: a client that saw a receipt sees its block.
func (b backend) Head() types.Header {
	if h, err := b.n.db.Head(); err == nil {
		return h
	}
	return b.n.Head()
}
func (b backend) FinalizedHeight() uint64 {
	if b.n.net != nil {
		return b.n.net.finalized.Load()
	}
	return b.n.Head().Height // one validator: every block is final
}
func (b backend) DevMode() bool { return b.n.cfg.Dev }
func (b backend) NodeStatus() rpc.NodeStatus {
	st := rpc.NodeStatus{NodeID: b.n.key.Public().String(), Validator: !b.n.key.IsZero(), VMEngine: b.n.vmEngine()}
	if b.n.net == nil {
		return st
	}
	st.NodeID = b.n.net.host.ID().String()
	st.ListenAddrs = b.n.net.host.Addrs()
	head := b.n.Head().Height
	for _, p := range b.n.net.host.Peers() {
		st.Peers = append(st.Peers, rpc.PeerInfo{ID: p.ID.String(), Address: p.Addr,
			LatencyMs: float64(p.Latency.Microseconds()) / 1000, Height: p.Status.Height, HeadHash: p.Status.Head})
		if p.Status.Height > head+1 {
			st.Syncing = true
			st.SyncTarget = max(st.SyncTarget, p.Status.Height)
		}
	}
	st.SnapshotSync = b.n.snapSync.status()
	return st
}

func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %v", rpc.ErrNotFound, err)
	}
	return err
}

// BlockByHeight returns the canonical block at height h, if the head has
// reached it: a block is stored a moment before it becomes the head.
func (b backend) BlockByHeight(h uint64) (*types.Block, error) {
	if head := b.Head().Height; h > head {
		return nil, fmt.Errorf("%w: block %d is beyond the head %d", rpc.ErrNotFound, h, head)
	}
	blk, err := b.n.db.BlockByHeight(h)
	return blk, notFound(err)
}

func (b backend) BlockByHash(h types.Hash) (*types.Block, error) {
	blk, err := b.n.db.BlockByHash(h)
	return blk, notFound(err)
}

func (b backend) Account(addr types.Address, height *uint64) (types.Account, error) {
	if height == nil || *height >= b.n.Head().Height {
		return b.n.db.Account(addr)
	}
	st, err := b.n.db.StateAt(*height)
	if err != nil {
		if errors.Is(err, store.ErrStateUnavailable) {
			return types.Account{}, fmt.Errorf("%w: %v", rpc.ErrStateUnavailable, err)
		}
		return types.Account{}, err
	}
	defer st.Close()
	return st.Account(addr)
}

// SendTx verifies the signature (outside any lock) and adds tx to the pool.
func (b backend) SendTx(tx *types.Tx) (rpc.SendResult, error) {
	return b.n.SubmitTx(tx)
}

// SubmitTx checks a transaction and adds it to the mempool.
func (n *Node) SubmitTx(tx *types.Tx) (rpc.SendResult, error) {
	if err := tx.CheckBasic(); err != nil {
		return rpc.SendResult{}, err
	}
	if tx.ChainID != n.genesis.ChainID {
		return rpc.SendResult{}, fmt.Errorf("%w: transaction is for %q, this chain is %q", chain.ErrWrongChain, tx.ChainID, n.genesis.ChainID)
	}
	hash := tx.Hash()
	if !n.verifyTx(tx, hash) {
		return rpc.SendResult{}, types.ErrBadSig
	}
	res, err := n.pool.Add(tx, hash, tx.EncodedSize(), n.db)
	if err != nil {
		return rpc.SendResult{}, err
	}
	n.announceTx(tx)
	return rpc.SendResult{Status: res.Status.String(), Missing: res.Missing}, nil
}

func (b backend) Tx(hash types.Hash) (*rpc.TxLookup, error) {
	if tx, ok := b.n.pool.Get(hash); ok {
		return &rpc.TxLookup{Tx: tx, Hash: hash, Pending: true}, nil
	}
	loc, blk, err := b.locate(hash)
	if err != nil {
		return nil, err
	}
	return &rpc.TxLookup{Tx: blk.Txs[loc.Index], Hash: hash, BlockHash: loc.BlockHash, Height: loc.Height, Index: int(loc.Index)}, nil
}

// locate finds an included transaction. One in a block above the head
// (stored, about to become the head) is not found yet: whoever reads a
// receipt then reads the head, the block and the state that include it.
func (b backend) locate(hash types.Hash) (store.TxLocation, *types.Block, error) {
	loc, err := b.n.db.TxLocation(hash)
	if err != nil {
		return loc, nil, notFound(err)
	}
	if head := b.Head().Height; loc.Height > head {
		return loc, nil, fmt.Errorf("%w: transaction %s is in block %d, beyond the head %d", rpc.ErrNotFound, hash, loc.Height, head)
	}
	blk, err := b.n.db.BlockByHash(loc.BlockHash)
	if err != nil {
		return loc, nil, err
	}
	if int(loc.Index) >= len(blk.Txs) {
		return loc, nil, fmt.Errorf("%w: tx index %d in block %s with %d txs", store.ErrCorrupt, loc.Index, loc.BlockHash, len(blk.Txs))
	}
	return loc, blk, nil
}

func (b backend) Receipt(hash types.Hash) (*rpc.ReceiptLookup, error) {
	loc, blk, err := b.locate(hash)
	if err != nil {
		return nil, err
	}
	rs, err := b.n.db.Receipts(loc.BlockHash)
	if err != nil {
		return nil, err
	}
	if int(loc.Index) >= len(rs) {
		return nil, fmt.Errorf("%w: receipt index %d of %d", store.ErrCorrupt, loc.Index, len(rs))
	}
	return &rpc.ReceiptLookup{Receipt: rs[loc.Index], BlockHash: loc.BlockHash, Height: loc.Height,
		Index: int(loc.Index), Tx: blk.Txs[loc.Index]}, nil
}

func (b backend) MempoolStatus() rpc.MempoolStatus {
	s := b.n.pool.Stats()
	return rpc.MempoolStatus{Pending: s.Pending, Queued: s.Queued, Senders: s.Senders, Capacity: s.Capacity}
}

func (b backend) MempoolInspect(addr types.Address) rpc.MempoolAccount {
	p, q := b.n.pool.Inspect(addr)
	return rpc.MempoolAccount{Pending: p, Queued: q}
}

func (b backend) SubscribeHeads(fn func(types.Header)) func() { return b.n.heads.subscribe(fn) }

func (b backend) DevAccounts() []rpc.DevAccount {
	var out []rpc.DevAccount
	for _, a := range b.n.DevAccounts() {
		out = append(out, rpc.DevAccount{Name: a.Name, Address: a.Address})
	}
	return out
}

// DevSend signs a transfer from a dev account (by name or address) with the
// next free nonce and submits it.
func (b backend) DevSend(from string, to types.Address, value types.Amount) (types.Hash, rpc.SendResult, error) {
	if !b.n.cfg.Dev {
		return types.Hash{}, rpc.SendResult{}, rpc.ErrNotDevMode
	}
	key, ok := b.n.devKeys[from]
	if !ok {
		for _, a := range b.n.DevAccounts() {
			if a.Address.String() == from {
				key, ok = b.n.devKeys[a.Name], true
			}
		}
	}
	if !ok {
		return types.Hash{}, rpc.SendResult{}, fmt.Errorf("%w: %q is not a dev account", rpc.ErrInvalidParams, from)
	}
	sender := types.AddressOf(key.Public())
	nonce, err := b.n.nextNonce(sender)
	if err != nil {
		return types.Hash{}, rpc.SendResult{}, err
	}
	tx := &types.Tx{ChainID: b.n.genesis.ChainID, Nonce: nonce, Kind: types.TxTransfer, To: to, Amount: value,
		GasPrice: b.n.cfg.MinGasPrice}
	tx.GasLimit = chain.IntrinsicGas(tx)
	tx.Sign(key)
	res, err := b.n.SubmitTx(tx)
	return tx.Hash(), res, err
}

// nextNonce is the nonce a new transaction from sender should take: after
// its account's and after everything it has in the mempool. The mempool is
// read first (see client.NextNonce).
func (n *Node) nextNonce(sender types.Address) (uint64, error) {
	p, q := n.pool.Inspect(sender)
	acc, err := n.db.Account(sender)
	if err != nil {
		return 0, err
	}
	next := acc.Nonce
	if m := slices.Max(append(append([]uint64{0}, p...), q...)); len(p)+len(q) > 0 && m+1 > next {
		next = m + 1
	}
	return next, nil
}

func (b backend) DevMine(ctx context.Context, count int) (uint64, error) {
	if !b.n.cfg.Dev {
		return 0, rpc.ErrNotDevMode
	}
	if count < 1 || count > 1000 {
		return 0, fmt.Errorf("%w: block count must be 1-1000, got %d", rpc.ErrInvalidParams, count)
	}
	if err := b.n.mine(ctx, count); err != nil {
		return 0, err
	}
	return b.n.Head().Height, nil
}
