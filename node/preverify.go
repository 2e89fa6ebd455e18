package node

import (
	crand "crypto/rand"
	"sync"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// preverified remembers signatures of submitted transactions that a batch
// verification found valid (rpc.TxPreverifier), so that SubmitTx need not
// verify them again. It holds at most its capacity; the oldest go first.
// A signature is used once: SubmitTx takes it out.
type preverified struct {
	mu   sync.Mutex
	set  map[sigKey]struct{}
	ring []sigKey // insertion order, for eviction
	next int
	used uint64 // signatures found here by SubmitTx (noded_sigs_batch_verified_total)
}

// sigKey names one signature: the transaction's signing hash (which
// covers the sender's key) and the signature itself.
type sigKey struct {
	hash types.Hash
	sig  crypto.Signature
}

// preverifiedSize bounds the remembered signatures: several batches of
// the largest size (rpc.Config.MaxBatchItems, 1,000) in flight at once.
const preverifiedSize = 16 << 10

func newPreverified(size int) *preverified {
	return &preverified{set: make(map[sigKey]struct{}, size), ring: make([]sigKey, size)}
}

func (p *preverified) add(k sigKey) {
	if _, ok := p.set[k]; ok {
		return
	}
	if old := p.ring[p.next]; old != (sigKey{}) {
		delete(p.set, old)
	}
	p.ring[p.next] = k
	p.next = (p.next + 1) % len(p.ring)
	p.set[k] = struct{}{}
}

// usedCount returns how many signatures SubmitTx found here.
func (p *preverified) usedCount() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used
}

// take reports whether k was verified, and forgets it.
func (p *preverified) take(k sigKey) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.set[k]; !ok {
		return false
	}
	delete(p.set, k) // its ring slot is reused in turn
	p.used++
	return true
}

// PreverifyTxs verifies the signatures of txs together (rpc.TxPreverifier)
// and remembers the valid ones for SubmitTx.
func (n *Node) PreverifyTxs(txs []*types.Tx) {
	items := make([]crypto.SigItem, len(txs))
	keys := make([]sigKey, len(txs))
	for i, tx := range txs {
		keys[i] = sigKey{hash: tx.Hash(), sig: tx.Sig}
		items[i] = crypto.SigItem{PublicKey: tx.From, Message: keys[i].hash[:], Signature: tx.Sig}
	}
	valid := crypto.VerifyBatchCached(items, 1, crand.Reader, n.keys)
	n.preverified.mu.Lock()
	defer n.preverified.mu.Unlock()
	for i, ok := range valid {
		if ok {
			n.preverified.add(keys[i])
		}
	}
}

// verifyTx checks tx's signature, or finds it verified by PreverifyTxs.
func (n *Node) verifyTx(tx *types.Tx, hash types.Hash) bool {
	return n.preverified.take(sigKey{hash: hash, sig: tx.Sig}) || n.keys.Verify(tx.From, hash[:], tx.Sig)
}

// PreverifyTxs implements rpc.TxPreverifier.
func (b backend) PreverifyTxs(txs []*types.Tx) { b.n.PreverifyTxs(txs) }

// knownSig reports whether sig is the signature of the mempool's
// transaction hash (chain.ExecOptions.KnownSig). Every transaction in the
// mempool had its signature verified before it got there (SubmitTx,
// gossip's CheckTxs, or the validation of a block that was reverted), and
// the hash covers the sender's key, so a block's transaction with the
// same hash and signature needs no second verification: a validator of a
// devnet verifies most transactions once, when they are gossiped, not
// again in the block.
func (n *Node) knownSig(hash types.Hash, sig crypto.Signature) bool {
	tx, ok := n.pool.Get(hash)
	if !ok || tx.Sig != sig {
		return false
	}
	n.sigsKnown.Add(1)
	return true
}
