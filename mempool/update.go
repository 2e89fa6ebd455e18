package mempool

import (
	"errors"
	"fmt"
	"sort"

	"github.com/noded/noded/types"
)

// Update brings the pool up to date with a new head whose state is st.
// senders are the accounts the new block (or blocks) changed; the pool
// re-reads those it holds transactions from, drops the transactions whose
// nonce is below the account's (included, or replaced by another in the
// block) and those the account can no longer afford, queues the ones left
// behind a gap and promotes those the new nonce made executable. A reorg
// that lowers an account's nonce queues its transactions behind the gap.
//
// An account st fails to read is left as it was, and its error returned
// (joined with the others); the rest are updated. st is read without the
// pool's lock held.
func (p *Pool) Update(st AccountReader, senders []types.Address) error {
	p.mu.Lock()
	held := make(map[types.Address]struct{}, min(len(senders), len(p.senders)))
	var todo []types.Address
	for _, a := range senders {
		if _, ok := held[a]; ok {
			continue
		}
		if _, ok := p.senders[a]; ok {
			held[a] = struct{}{}
			todo = append(todo, a)
		}
	}
	p.mu.Unlock()

	accs := make([]types.Account, len(todo))
	ok := make([]bool, len(todo))
	var errs []error
	for i, a := range todo {
		acc, err := st.Account(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("mempool: reading account %s: %w", a, err))
			continue
		}
		accs[i], ok[i] = acc, true
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	p.updates++
	for i, a := range todo {
		if l := p.senders[a]; l != nil && ok[i] {
			p.revalidate(l, &accs[i])
		}
	}
	if p.pending > 0 {
		p.signal()
	}
	return errors.Join(errs...)
}

// revalidate checks l's transactions against acc.
func (p *Pool) revalidate(l *txList, acc *types.Account) {
	if acc.Nonce != l.base {
		p.rebase(l, acc.Nonce)
	}
	kept := l.txs[:0]
	for _, e := range l.txs {
		next := *acc
		next.Nonce = e.tx.Nonce
		if p.chk.CheckTx(e.tx, &next) != nil {
			p.forget(e)
			continue
		}
		kept = append(kept, e)
	}
	l.trimBack(len(kept))
	p.settle(l, 0, true)
}

// rebase moves l to the account nonce nonce: it drops the transactions
// below it and those it puts out of the nonce window. The caller settles l.
func (p *Pool) rebase(l *txList, nonce uint64) {
	n := sort.Search(len(l.txs), func(i int) bool { return l.txs[i].tx.Nonce >= nonce })
	for _, e := range l.txs[:n] {
		p.forget(e)
	}
	l.trimFront(n)
	l.base = nonce
	window := uint64(p.cfg.MaxPerSender)
	n = sort.Search(len(l.txs), func(i int) bool { return l.txs[i].tx.Nonce-nonce >= window })
	for _, e := range l.txs[n:] {
		p.forget(e)
	}
	l.trimBack(n)
}

// Remove drops the transactions with the given hashes, for example those a
// block builder found invalid. Unknown hashes are ignored. A sender's
// transactions above a removed one are queued until its nonce arrives
// again.
func (p *Pool) Remove(hashes ...types.Hash) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range hashes {
		e, ok := p.byHash[h]
		if !ok {
			continue
		}
		l := e.list
		i, _ := l.search(e.tx.Nonce)
		l.removeAt(i)
		p.forget(e)
		p.settle(l, i, false)
	}
}
