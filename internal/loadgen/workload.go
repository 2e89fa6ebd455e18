package loadgen

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// workload builds the transactions of a run's kind.
type workload struct {
	kind     Kind
	chainID  string
	price    uint64
	contract types.Address // counter and token: the deployed contract
	gas      uint64        // gas limit of one load transaction
	method   string
	input    func(to types.Address, amount uint64) []byte
}

// Token example methods and input (contracts/examples/token).
const (
	tokenMethod = "transfer"
	tokenName   = "Bench"
	tokenSymbol = "BNC"
)

func tokenInit(supply uint64) []byte {
	return fmt.Appendf(nil, `{"name":%q,"symbol":%q,"decimals":0,"supply":"%d"}`, tokenName, tokenSymbol, supply)
}

func tokenTransfer(to types.Address, amount uint64) []byte {
	return fmt.Appendf(nil, `{"to":"%s","amount":"%d"}`, to, amount)
}

// tx returns the unsigned load transaction of a with nonce.
func (w *workload) tx(a *account, nonce uint64) *types.Tx {
	switch w.kind {
	case KindTransfer:
		tx := client.NewTransfer(w.chainID, nonce, a.to, types.NewAmount(1), w.price)
		tx.From = a.key.Public()
		return tx
	default:
		var in []byte
		if w.input != nil {
			in = w.input(a.to, 1)
		}
		tx := client.NewCall(w.chainID, nonce, w.contract, w.method, in, types.Amount{}, w.gas, w.price)
		tx.From = a.key.Public()
		return tx
	}
}

// cost is the most one load transaction can take from its sender.
func (w *workload) cost() types.Amount {
	c := types.NewAmount(w.gas)
	p := types.NewAmount(w.price)
	c.Mul(&c, &p)
	if w.kind == KindTransfer {
		one := types.NewAmount(1)
		c.Add(&c, &one)
	}
	return c
}

// account is one sending account. Only the worker that owns it touches
// its fields, except inflight, which the inclusion tracker decrements.
type account struct {
	idx  int
	key  crypto.PrivateKey
	addr types.Address
	to   types.Address // recipient of its transfers: the next account

	// Pre-signed transactions, for nonces base, base+1, ...
	base   uint64
	raws   [][]byte
	hashes []types.Hash

	next  uint64   // the lowest nonce never sent
	retry []uint64 // refused nonces to send again, ascending, all < next
	// inflight counts transactions sent or accepted and not yet included.
	inflight atomic.Int64
	retired  string // why the account stopped sending; "" while it sends
}

// deriveKey returns the key of account i of a run with seed.
func deriveKey(seed string, i int) crypto.PrivateKey {
	h := sha256.New()
	h.Write([]byte("noded bench account\x00"))
	h.Write([]byte(seed))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(i)))
	k, err := crypto.NewKeyFromSeed(h.Sum(nil))
	if err != nil {
		panic(err) // a 32-byte seed always makes a key
	}
	return k
}

func newAccounts(seed string, n int) []*account {
	as := make([]*account, n)
	for i := range as {
		k := deriveKey(seed, i)
		as[i] = &account{idx: i, key: k, addr: types.AddressOf(k.Public())}
	}
	for i, a := range as {
		a.to = as[(i+1)%n].addr
	}
	return as
}

// take returns the nonce to send next: a refused one first.
func (a *account) take() (nonce uint64, retry bool) {
	if len(a.retry) > 0 {
		nonce = a.retry[0]
		a.retry = a.retry[1:]
		return nonce, true
	}
	a.next++
	return a.next - 1, false
}

// giveBack queues a refused nonce to be sent again.
func (a *account) giveBack(nonce uint64) {
	i := len(a.retry)
	for i > 0 && a.retry[i-1] > nonce {
		i--
	}
	a.retry = append(a.retry, 0)
	copy(a.retry[i+1:], a.retry[i:])
	a.retry[i] = nonce
}

// signed returns the encoding and hash of a's transaction with nonce,
// pre-signed or signed now.
func (a *account) signed(w *workload, nonce uint64) ([]byte, types.Hash) {
	if nonce >= a.base && nonce-a.base < uint64(len(a.raws)) {
		i := nonce - a.base
		return a.raws[i], a.hashes[i]
	}
	tx := w.tx(a, nonce)
	tx.Sign(a.key)
	return tx.Encode(), tx.Hash()
}

// presign signs n transactions of a from its next nonce.
func (a *account) presign(w *workload, n int) {
	a.base = a.next
	a.raws = make([][]byte, n)
	a.hashes = make([]types.Hash, n)
	for i := range n {
		tx := w.tx(a, a.base+uint64(i))
		tx.Sign(a.key)
		a.raws[i], a.hashes[i] = tx.Encode(), tx.Hash()
	}
}

// fundingTx is a transfer of amount from the funder.
func fundingTx(chainID string, key crypto.PrivateKey, nonce uint64, to types.Address, amount types.Amount, price uint64) *types.Tx {
	tx := client.NewTransfer(chainID, nonce, to, amount, price)
	tx.Sign(key)
	return tx
}

// gasWithMargin is an estimate plus 20%, as the CLI's contract commands
// set it, and at least the intrinsic cost.
func gasWithMargin(est uint64, tx *types.Tx) uint64 {
	return max(est+est/5, chain.IntrinsicGas(tx))
}
