package types

import (
	"errors"
	"fmt"

	"github.com/noded/noded/crypto"
)

// TxKind says what a transaction does.
type TxKind uint8

const (
	// TxTransfer moves Amount from the sender to To.
	TxTransfer TxKind = 1
	// TxDeploy creates a contract from Code, runs its init export with
	// Input, and credits it with Amount.
	TxDeploy TxKind = 2
	// TxCall calls Method of the contract at To with Input and Amount.
	TxCall TxKind = 3
)

func (k TxKind) String() string {
	switch k {
	case TxTransfer:
		return "transfer"
	case TxDeploy:
		return "deploy"
	case TxCall:
		return "call"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Limits on transaction fields. They bound what a decoder allocates and
// what a node accepts; blocks that break them are invalid.
const (
	MaxChainIDLen = 64
	MaxMethodLen  = 64
	MaxCodeSize   = 3 << 20  // a Go contract is ~2 MB; leave room
	MaxInputSize  = 64 << 10 // call and init input
	MaxTxSize     = MaxCodeSize + MaxInputSize + 1024
	txVersion     = 1
)

// Tx is a signed transaction. Its hash covers every field but the
// signature, and the signature is over the hash.
type Tx struct {
	ChainID  string
	Nonce    uint64
	From     crypto.PublicKey
	Kind     TxKind
	To       Address // transfer recipient or called contract; zero for deploy
	Amount   Amount
	GasLimit uint64
	GasPrice uint64 // fee = gas used x gas price
	Method   string // call only
	Code     []byte // deploy only
	Input    []byte // call input, or deploy init input
	Sig      crypto.Signature
}

// Errors of the stateless checks.
var (
	ErrTxMalformed = errors.New("malformed transaction")
	ErrBadSig      = errors.New("bad signature")
)

func (tx *Tx) appendBody(b []byte) []byte {
	e := encoder{b: b}
	e.u8(txVersion)
	e.str(tx.ChainID)
	e.u64(tx.Nonce)
	e.raw(tx.From[:])
	e.u8(uint8(tx.Kind))
	e.raw(tx.To[:])
	e.amount(&tx.Amount)
	e.u64(tx.GasLimit)
	e.u64(tx.GasPrice)
	e.str(tx.Method)
	e.bytes(tx.Code)
	e.bytes(tx.Input)
	return e.b
}

// Hash returns the transaction hash: SHA-256 over a domain tag and the
// canonical encoding of every field except the signature.
func (tx *Tx) Hash() Hash {
	return crypto.Sum256([]byte("noded/tx/v1"), tx.appendBody(make([]byte, 0, 160+len(tx.Code)+len(tx.Input))))
}

// Sender returns the address of the signer.
func (tx *Tx) Sender() Address { return AddressOf(tx.From) }

// Sign sets From and Sig using key.
func (tx *Tx) Sign(key crypto.PrivateKey) {
	tx.From = key.Public()
	h := tx.Hash()
	tx.Sig = key.Sign(h[:])
}

// VerifySig reports whether the signature is valid for the transaction.
func (tx *Tx) VerifySig() bool {
	h := tx.Hash()
	return crypto.Verify(tx.From, h[:], tx.Sig)
}

// SigItem returns the signature check of tx for batch verification.
func (tx *Tx) SigItem(hash Hash) crypto.SigItem {
	return crypto.SigItem{PublicKey: tx.From, Message: hash[:], Signature: tx.Sig}
}

// Encode returns the canonical encoding of the signed transaction.
func (tx *Tx) Encode() []byte {
	return tx.AppendEncoding(nil)
}

// AppendEncoding appends the canonical encoding of the signed transaction.
func (tx *Tx) AppendEncoding(b []byte) []byte {
	b = tx.appendBody(b)
	return append(b, tx.Sig[:]...)
}

// DecodeTx decodes a canonical signed transaction. It checks the encoding
// only; CheckBasic checks the content.
func DecodeTx(b []byte) (*Tx, error) {
	if len(b) > MaxTxSize {
		return nil, fmt.Errorf("%w: transaction is %d bytes, limit %d", ErrEncoding, len(b), MaxTxSize)
	}
	d := decoder{b: b}
	tx := decodeTx(&d)
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	return tx, nil
}

func decodeTx(d *decoder) *Tx {
	tx := new(Tx)
	if v := d.u8("version"); d.err == nil && v != txVersion {
		d.fail("unknown transaction version %d", v)
	}
	tx.ChainID = d.str(MaxChainIDLen, "chain id")
	tx.Nonce = d.u64("nonce")
	d.fixed(tx.From[:], "sender")
	tx.Kind = TxKind(d.u8("kind"))
	d.fixed(tx.To[:], "recipient")
	tx.Amount = d.amount("amount")
	tx.GasLimit = d.u64("gas limit")
	tx.GasPrice = d.u64("gas price")
	tx.Method = d.str(MaxMethodLen, "method")
	tx.Code = d.bytes(MaxCodeSize, "code")
	tx.Input = d.bytes(MaxInputSize, "input")
	d.fixed(tx.Sig[:], "signature")
	return tx
}

// CheckBasic checks what can be checked from the transaction alone: the
// kind and which fields it may use. It does not check the signature (see
// VerifySig) or anything that depends on state.
func (tx *Tx) CheckBasic() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrTxMalformed, fmt.Sprintf(format, args...))
	}
	if tx.ChainID == "" {
		return bad("empty chain id")
	}
	if tx.GasLimit == 0 {
		return bad("zero gas limit")
	}
	if tx.From.IsWeak() {
		return bad("sender key %s is not a valid signing key (small order or not on the curve)", tx.From)
	}
	switch tx.Kind {
	case TxTransfer:
		if tx.Method != "" || len(tx.Code) != 0 || len(tx.Input) != 0 {
			return bad("a transfer carries no method, code or input")
		}
	case TxDeploy:
		if !tx.To.IsZero() {
			return bad("a deploy has no recipient")
		}
		if tx.Method != "" {
			return bad("a deploy has no method")
		}
		if len(tx.Code) == 0 {
			return bad("a deploy needs code")
		}
	case TxCall:
		if len(tx.Code) != 0 {
			return bad("a call carries no code")
		}
		if tx.Method == "" {
			return bad("a call needs a method")
		}
	default:
		return bad("unknown kind %d", uint8(tx.Kind))
	}
	return nil
}

// VerifySigHash is VerifySig for a caller that already computed the hash.
func (tx *Tx) VerifySigHash(hash Hash) bool {
	return crypto.Verify(tx.From, hash[:], tx.Sig)
}

// EncodedSize returns the length of the canonical encoding.
func (tx *Tx) EncodedSize() int {
	return 1 + 4 + len(tx.ChainID) + 8 + crypto.PublicKeySize + 1 + AddressSize + 1 + tx.Amount.ByteLen() +
		8 + 8 + 4 + len(tx.Method) + 4 + len(tx.Code) + 4 + len(tx.Input) + crypto.SignatureSize
}
