package mempool

import (
	"fmt"
	"math/bits"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// Add adds a transaction whose signature the caller has verified. hash is
// tx.Hash() and encodedSize the length of its canonical encoding; st is
// the state at the head.
//
// The checks, cheapest first: size (ErrTooLarge), gas price
// (ErrFeeTooLow), hash (ErrDuplicate), nonce against the account
// (chain.ErrNonceTooLow, ErrNonceTooFarAhead), chk.CheckTx as if the
// transaction were next (chain id, gas limits, kind, funds: its errors are
// returned unchanged), the price bump of a replacement
// (ErrReplacementUnderpriced), the sender's queue (ErrSenderFull), and the
// pool's capacity (ErrPoolFull: a full pool takes a transaction only if it
// is worth more than the one worth least, which it evicts; see the package
// documentation). An error from st is returned wrapped.
//
// st is read and chk called without the pool's lock held, so that a slow
// state read does not stall other callers; both must be safe for
// concurrent use. If an Update comes in meanwhile, the account is read
// again: a read from before the block the Update is for would let the
// transaction wait for a nonce that block already took.
func (p *Pool) Add(tx *types.Tx, hash types.Hash, encodedSize int, st AccountReader) (Result, error) {
	if encodedSize > p.cfg.MaxTxSize {
		return Result{}, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, encodedSize, p.cfg.MaxTxSize)
	}
	if tx.GasPrice < p.cfg.MinGasPrice {
		return Result{}, fmt.Errorf("%w: gas price %d, minimum %d", ErrFeeTooLow, tx.GasPrice, p.cfg.MinGasPrice)
	}
	addr := tx.Sender()
	for {
		p.mu.Lock()
		_, dup := p.byHash[hash]
		updates := p.updates
		p.mu.Unlock()
		if dup {
			return Result{}, fmt.Errorf("%w: %s", ErrDuplicate, hash)
		}
		acc, err := st.Account(addr)
		if err != nil {
			return Result{}, fmt.Errorf("mempool: reading account %s: %w", addr, err)
		}
		if err := p.checkTx(tx, &acc); err != nil {
			return Result{}, err
		}
		p.mu.Lock()
		if p.updates != updates {
			// An Update came in between: the account read may predate
			// its block, and the sender's list may be gone with the
			// transactions that block included. Read again.
			p.mu.Unlock()
			continue
		}
		res, err := p.admit(tx, hash, addr, acc.Nonce)
		p.mu.Unlock()
		return res, err
	}
}

// checkTx checks tx against its sender's account, without the lock.
func (p *Pool) checkTx(tx *types.Tx, acc *types.Account) error {
	if tx.Nonce < acc.Nonce {
		return fmt.Errorf("%w: account nonce is %d, transaction has %d", chain.ErrNonceTooLow, acc.Nonce, tx.Nonce)
	}
	if tx.Nonce-acc.Nonce >= uint64(p.cfg.MaxPerSender) {
		return fmt.Errorf("%w: nonce %d, account nonce %d: at most %d ahead", ErrNonceTooFarAhead, tx.Nonce, acc.Nonce, p.cfg.MaxPerSender-1)
	}
	next := *acc
	next.Nonce = tx.Nonce
	return p.chk.CheckTx(tx, &next)
}

// admit adds a checked transaction. accNonce is the sender's account nonce
// as Add read it.
func (p *Pool) admit(tx *types.Tx, hash types.Hash, addr types.Address, accNonce uint64) (Result, error) {
	if _, ok := p.byHash[hash]; ok {
		return Result{}, fmt.Errorf("%w: %s", ErrDuplicate, hash)
	}
	l := p.senders[addr]
	switch {
	case l == nil:
		l = newTxList(addr, accNonce)
	case accNonce > l.base:
		// A block was applied that Update has not told us about yet.
		p.rebase(l, accNonce)
		p.settle(l, 0, true)
	}
	// No Update came since st was read (Add checks), so l.base is not
	// ahead of accNonce.
	if tx.Nonce < l.base {
		return Result{}, fmt.Errorf("%w: account nonce is %d, transaction has %d", chain.ErrNonceTooLow, l.base, tx.Nonce)
	}
	i, found := l.search(tx.Nonce)
	if found {
		return p.replace(l, i, tx, hash)
	}
	executable := i == l.pending && tx.Nonce == l.base+uint64(i)
	if !executable && l.queued() >= p.cfg.MaxQueued {
		return Result{}, fmt.Errorf("%w: sender %s has %d queued transactions waiting for nonce %d, limit %d",
			ErrSenderFull, addr, l.queued(), l.base+uint64(l.pending), p.cfg.MaxQueued)
	}
	if len(p.byHash) >= p.cfg.MaxTxs {
		w := worth{executable: executable, floor: tx.GasPrice}
		if i > 0 {
			w.floor = min(w.floor, l.txs[i-1].floor)
		}
		if err := p.makeRoom(w); err != nil {
			return Result{}, err
		}
		i, _ = l.search(tx.Nonce) // the evicted one may have been l's
	}
	p.seq++
	e := &entry{tx: tx, hash: hash, list: l, seq: p.seq}
	l.insert(i, e)
	p.byHash[hash] = e
	p.settle(l, i, false)
	if executable {
		return Result{Status: Accepted}, nil
	}
	return Result{Status: Queued, Missing: l.missing(tx.Nonce, maxMissing)}, nil
}

// replace puts tx in the place of l.txs[i], which has the same nonce, if
// it pays enough more.
func (p *Pool) replace(l *txList, i int, tx *types.Tx, hash types.Hash) (Result, error) {
	old := l.txs[i]
	need, ok := replacementPrice(old.tx.GasPrice, p.cfg.PriceBumpPercent)
	if !ok || tx.GasPrice < need {
		return Result{}, fmt.Errorf("%w: nonce %d: the pooled transaction pays gas price %d, a replacement must pay at least %d (+%d%%), this one pays %d",
			ErrReplacementUnderpriced, tx.Nonce, old.tx.GasPrice, need, p.cfg.PriceBumpPercent, tx.GasPrice)
	}
	p.forget(old)
	p.seq++
	e := &entry{tx: tx, hash: hash, list: l, seq: p.seq}
	l.txs[i] = e
	p.byHash[hash] = e
	p.settle(l, i, false)
	if i < l.pending {
		p.signal()
	}
	return Result{Status: Replaced}, nil
}

// replacementPrice returns the lowest gas price that may replace a
// transaction paying old: old raised by pct percent, rounded up. ok is
// false if no uint64 price is enough.
func replacementPrice(old uint64, pct int) (need uint64, ok bool) {
	hi, lo := bits.Mul64(old, 100+uint64(pct))
	lo, carry := bits.Add64(lo, 99, 0)
	hi += carry
	if hi >= 100 {
		return 0, false
	}
	need, _ = bits.Div64(hi, lo, 100)
	return need, true
}

// makeRoom evicts the transaction worth the least, if it is worth less
// than w, for a newcomer worth w.
func (p *Pool) makeRoom(w worth) error {
	l := p.evict.cheapest()
	if victim := l.evictKey.worth; !victim.less(w) {
		return fmt.Errorf("%w: %d transactions, limit %d; the cheapest is worth gas price %s, this one %s",
			ErrPoolFull, len(p.byHash), p.cfg.MaxTxs, victim, w)
	}
	i := len(l.txs) - 1
	p.forget(l.removeAt(i))
	p.settle(l, i, false)
	return nil
}
