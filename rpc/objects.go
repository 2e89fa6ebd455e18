package rpc

import (
	"bytes"
	"encoding/json"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// The JSON objects of docs/rpc.md. They encode and decode, so the Go client
// uses them too. Quantities are hexutil.Uint64 (64-bit) or hexutil.U256
// (256-bit amounts); byte strings hexutil.Bytes; addresses, hashes, keys
// and signatures their types' 0x-hex text form.

// RPCBlock is a block, or a header when Transactions is nil (newHeads).
type RPCBlock struct {
	Hash            types.Hash       `json:"hash"`
	Number          hexutil.Uint64   `json:"number"`
	ParentHash      types.Hash       `json:"parentHash"`
	Slot            hexutil.Uint64   `json:"slot"`
	Timestamp       hexutil.Uint64   `json:"timestamp"` // unix milliseconds
	Proposer        crypto.PublicKey `json:"proposer"`
	ProposerAddress types.Address    `json:"proposerAddress"`
	TxRoot          types.Hash       `json:"txRoot"`
	StateRoot       types.Hash       `json:"stateRoot"`
	ReceiptsRoot    types.Hash       `json:"receiptsRoot"`
	GasUsed         hexutil.Uint64   `json:"gasUsed"`
	GasLimit        hexutil.Uint64   `json:"gasLimit"`
	Signature       crypto.Signature `json:"signature"`
	TxCount         hexutil.Uint64   `json:"txCount"`
	// Transactions is absent from headers and [] for an empty block.
	Transactions []BlockTx `json:"transactions,omitzero"`
}

// BlockTx is one entry of a block's transactions: the hash alone, or the
// whole transaction when the block was asked for with fullTx.
type BlockTx struct {
	Hash types.Hash
	Tx   *RPCTx // nil when only the hash was sent
}

// MarshalJSON encodes the hash as a string, or the transaction as an object.
func (t BlockTx) MarshalJSON() ([]byte, error) {
	if t.Tx == nil {
		return []byte(`"` + t.Hash.String() + `"`), nil // 0x-hex needs no escaping
	}
	return json.Marshal(t.Tx)
}

// UnmarshalJSON decodes a hash string or a transaction object.
func (t *BlockTx) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		t.Tx = nil
		return json.Unmarshal(b, &t.Hash)
	}
	tx := new(RPCTx)
	if err := json.Unmarshal(b, tx); err != nil {
		return err
	}
	t.Hash, t.Tx = tx.Hash, tx
	return nil
}

// NewRPCHeader returns the header of a block, as newHeads sends it.
func NewRPCHeader(h *types.Header) *RPCBlock {
	return &RPCBlock{
		Hash:            h.Hash(),
		Number:          hexutil.Uint64(h.Height),
		ParentHash:      h.Parent,
		Slot:            hexutil.Uint64(h.Slot),
		Timestamp:       hexutil.Uint64(h.Time),
		Proposer:        h.Proposer,
		ProposerAddress: types.AddressOf(h.Proposer),
		TxRoot:          h.TxRoot,
		StateRoot:       h.StateRoot,
		ReceiptsRoot:    h.ReceiptsRoot,
		GasUsed:         hexutil.Uint64(h.GasUsed),
		GasLimit:        hexutil.Uint64(h.GasLimit),
		Signature:       h.Sig,
	}
}

// NewRPCBlock returns a block with its transaction hashes, or with the full
// transactions if fullTx is set.
func NewRPCBlock(b *types.Block, fullTx bool) *RPCBlock {
	r := NewRPCHeader(&b.Header)
	r.TxCount = hexutil.Uint64(len(b.Txs))
	r.Transactions = make([]BlockTx, len(b.Txs))
	for i, tx := range b.Txs {
		hash := tx.Hash()
		r.Transactions[i].Hash = hash
		if fullTx {
			r.Transactions[i].Tx = NewRPCTx(&TxLookup{
				Tx: tx, Hash: hash, BlockHash: r.Hash, Height: b.Header.Height, Index: i,
			})
		}
	}
	return r
}

// RPCTx is a transaction and, once included, where it is.
type RPCTx struct {
	Hash      types.Hash       `json:"hash"`
	ChainID   string           `json:"chainId"`
	Nonce     hexutil.Uint64   `json:"nonce"`
	From      types.Address    `json:"from"`
	PublicKey crypto.PublicKey `json:"publicKey"`
	Kind      string           `json:"kind"` // "transfer", "deploy" or "call"
	To        *types.Address   `json:"to"`   // null for a deploy
	Value     hexutil.U256     `json:"value"`
	Gas       hexutil.Uint64   `json:"gas"`
	GasPrice  hexutil.Uint64   `json:"gasPrice"`
	Method    string           `json:"method"`
	Input     hexutil.Bytes    `json:"input"`
	Code      hexutil.Bytes    `json:"code"`
	Signature crypto.Signature `json:"signature"`
	// The location is null while the transaction is pending.
	BlockHash   *types.Hash     `json:"blockHash"`
	BlockNumber *hexutil.Uint64 `json:"blockNumber"`
	Index       *hexutil.Uint64 `json:"index"`
	Pending     bool            `json:"pending"`
}

// NewRPCTx returns the transaction of a lookup. A zero l.Hash is computed.
func NewRPCTx(l *TxLookup) *RPCTx {
	tx := l.Tx
	hash := l.Hash
	if hash.IsZero() {
		hash = tx.Hash()
	}
	r := &RPCTx{
		Hash:      hash,
		ChainID:   tx.ChainID,
		Nonce:     hexutil.Uint64(tx.Nonce),
		From:      tx.Sender(),
		PublicKey: tx.From,
		Kind:      tx.Kind.String(),
		Value:     hexutil.U256(tx.Amount),
		Gas:       hexutil.Uint64(tx.GasLimit),
		GasPrice:  hexutil.Uint64(tx.GasPrice),
		Method:    tx.Method,
		Input:     tx.Input,
		Code:      tx.Code,
		Signature: tx.Sig,
		Pending:   l.Pending,
	}
	if tx.Kind != types.TxDeploy {
		to := tx.To
		r.To = &to
	}
	if !l.Pending {
		bh, n, i := l.BlockHash, hexutil.Uint64(l.Height), hexutil.Uint64(l.Index)
		r.BlockHash, r.BlockNumber, r.Index = &bh, &n, &i
	}
	return r
}

// Receipt statuses.
const (
	ReceiptStatusSuccess = "success"
	ReceiptStatusFailed  = "failed"
)

// RPCReceipt is the outcome of an included transaction.
type RPCReceipt struct {
	TransactionHash types.Hash     `json:"transactionHash"`
	BlockHash       types.Hash     `json:"blockHash"`
	BlockNumber     hexutil.Uint64 `json:"blockNumber"`
	Index           hexutil.Uint64 `json:"index"`
	From            types.Address  `json:"from"`
	To              *types.Address `json:"to"` // null for a deploy
	Status          string         `json:"status"`
	GasUsed         hexutil.Uint64 `json:"gasUsed"`
	Fee             hexutil.U256   `json:"fee"`
	ContractAddress *types.Address `json:"contractAddress"` // deploys only
	ReturnData      hexutil.Bytes  `json:"returnData"`
	Events          []RPCEvent     `json:"events"`
	Error           string         `json:"error"`
}

// RPCEvent is an event a contract emitted.
type RPCEvent struct {
	Address types.Address `json:"address"`
	Topic   string        `json:"topic"`
	Data    hexutil.Bytes `json:"data"`
}

// NewRPCReceipt returns the receipt of a lookup.
func NewRPCReceipt(l *ReceiptLookup) *RPCReceipt {
	rc := &l.Receipt
	r := &RPCReceipt{
		TransactionHash: rc.TxHash,
		BlockHash:       l.BlockHash,
		BlockNumber:     hexutil.Uint64(l.Height),
		Index:           hexutil.Uint64(l.Index),
		Status:          ReceiptStatusFailed,
		GasUsed:         hexutil.Uint64(rc.GasUsed),
		Fee:             hexutil.U256(rc.Fee),
		ReturnData:      rc.ReturnData,
		Events:          make([]RPCEvent, len(rc.Events)),
		Error:           rc.Error,
	}
	if rc.Status == types.ReceiptSuccess {
		r.Status = ReceiptStatusSuccess
	}
	if tx := l.Tx; tx != nil {
		r.From = tx.Sender()
		if tx.Kind != types.TxDeploy {
			to := tx.To
			r.To = &to
		}
	}
	if !rc.ContractAddress.IsZero() {
		ca := rc.ContractAddress
		r.ContractAddress = &ca
	}
	for i, ev := range rc.Events {
		r.Events[i] = RPCEvent{Address: ev.Address, Topic: ev.Topic, Data: ev.Data}
	}
	return r
}

// RPCAccount is the state of an address.
type RPCAccount struct {
	Balance  hexutil.U256   `json:"balance"`
	Nonce    hexutil.Uint64 `json:"nonce"`
	CodeHash types.Hash     `json:"codeHash"` // zero hash if none
}

// NewRPCAccount returns the JSON form of a.
func NewRPCAccount(a *types.Account) *RPCAccount {
	return &RPCAccount{
		Balance:  hexutil.U256(a.Balance),
		Nonce:    hexutil.Uint64(a.Nonce),
		CodeHash: a.CodeHash,
	}
}

// SendTxResult is what tx_send and dev_sendTransaction return.
type SendTxResult struct {
	Hash   types.Hash `json:"hash"`
	Status string     `json:"status"` // StatusAccepted, StatusQueued or StatusReplaced
	// MissingNonces lists, for a queued transaction, the nonces that must
	// come first; it is [] otherwise.
	MissingNonces []hexutil.Uint64 `json:"missingNonces"`
}

// NewSendTxResult returns the result of sending the transaction with the
// given hash.
func NewSendTxResult(hash types.Hash, r SendResult) *SendTxResult {
	return &SendTxResult{Hash: hash, Status: r.Status, MissingNonces: quantities(r.Missing)}
}

// quantities converts to hexutil.Uint64, never returning nil (so JSON gets
// [] rather than null).
func quantities(v []uint64) []hexutil.Uint64 {
	out := make([]hexutil.Uint64, len(v))
	for i, x := range v {
		out[i] = hexutil.Uint64(x)
	}
	return out
}
