package rpc

import (
	"context"
	"errors"

	"github.com/noded/noded/types"
)

// ErrNotFound is returned by a Backend for a block, transaction or receipt
// it does not have.
var ErrNotFound = errors.New("not found")

// ErrNotDevMode is returned by the dev_* methods on a node not in dev mode.
var ErrNotDevMode = errors.New("dev methods are only available in dev mode")

// Backend is what the RPC server needs from a node. The node implements it;
// tests may use a fake. Its methods are called concurrently, from the
// goroutines of many requests, and must not block for long (DevMine and
// the contract executions aside, which get the request's context).
//
// Errors: lookups that find nothing return ErrNotFound (answered null);
// refusals wrap the chain, types and mempool sentinels listed in the
// Refusal table (answered with their code and reason); errors that blame
// the caller's parameters wrap ErrInvalidParams (answered -32602); any other
// error is answered -32603 with its message.
type Backend interface {
	ChainID() string
	GenesisHash() types.Hash
	// Head returns the header of the current head block.
	Head() types.Header
	// FinalizedHeight is the height below which nothing can be reverted.
	FinalizedHeight() uint64
	BlockByHeight(height uint64) (*types.Block, error)
	BlockByHash(hash types.Hash) (*types.Block, error)
	// Account returns an account at the head, or at height if it is not nil;
	// the zero Account for an address never used. A node may keep only
	// recent states and return ErrStateUnavailable for older heights.
	Account(addr types.Address, height *uint64) (types.Account, error)
	// SendTx verifies tx's signature, checks it against the head state and
	// adds it to the mempool; the server has decoded it and run CheckBasic.
	// Errors wrap the chain, types and mempool sentinels that say why it
	// was refused.
	SendTx(tx *types.Tx) (SendResult, error)
	// Tx finds a transaction, included or pending.
	Tx(hash types.Hash) (*TxLookup, error)
	// Receipt finds the receipt of an included transaction.
	Receipt(hash types.Hash) (*ReceiptLookup, error)
	MempoolStatus() MempoolStatus
	MempoolInspect(addr types.Address) MempoolAccount
	// SubscribeHeads delivers every new head header to fn until the
	// returned cancel function is called; fn must not block.
	SubscribeHeads(fn func(types.Header)) (cancel func())
	NodeStatus() NodeStatus

	// DevMode reports whether the dev_* methods are available.
	DevMode() bool
	DevAccounts() []DevAccount
	// DevSend signs a transfer with the named or addressed dev account's
	// key and submits it.
	DevSend(from string, to types.Address, value types.Amount) (types.Hash, SendResult, error)
	// DevMine produces n blocks now, even empty ones, and returns the new
	// head height.
	DevMine(ctx context.Context, n int) (uint64, error)

	ContractBackend
	SnapshotBackend
}

// SendResult says what the mempool did with a transaction.
type SendResult struct {
	Status  string   // "accepted" (executable), "queued" (waits for a gap), "replaced"
	Missing []uint64 // for "queued": the nonces that must come first
}

// Mempool statuses.
const (
	StatusAccepted = "accepted"
	StatusQueued   = "queued"
	StatusReplaced = "replaced"
)

// TxLookup is a transaction and where it is.
type TxLookup struct {
	Tx        *types.Tx
	Hash      types.Hash
	Pending   bool // in the mempool, not yet included
	BlockHash types.Hash
	Height    uint64
	Index     int
}

// ReceiptLookup is a receipt and where its transaction is.
type ReceiptLookup struct {
	Receipt   types.Receipt
	BlockHash types.Hash
	Height    uint64
	Index     int
	Tx        *types.Tx
}

// MempoolStatus counts the mempool's transactions.
type MempoolStatus struct {
	Pending  int // executable now
	Queued   int // waiting for a nonce gap to fill
	Senders  int
	Capacity int
}

// MempoolAccount lists one sender's transactions in the mempool.
type MempoolAccount struct {
	Pending []uint64
	Queued  []uint64
}

// NodeStatus describes the node for node_status, node_syncing and net_peers.
type NodeStatus struct {
	NodeID     string
	Peers      []PeerInfo
	Syncing    bool
	SyncTarget uint64
	Validator  bool
	VMEngine   string
	// ListenAddrs are the node's p2p addresses, with its peer id (empty in
	// dev mode).
	ListenAddrs []string
	// SnapshotSync is the progress of a snapshot restore under way; nil
	// when there is none.
	SnapshotSync *SnapshotSyncStatus
}

// PeerInfo describes a connected peer.
type PeerInfo struct {
	ID        string
	Address   string
	LatencyMs float64
	Height    uint64
	HeadHash  types.Hash
}

// DevAccount is a prefunded dev-mode account whose key the node holds.
type DevAccount struct {
	Name    string
	Address types.Address
}
