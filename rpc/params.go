package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/noded/noded/types"
)

// BlockNumber is a block parameter: a height, or one of the tags below.
type BlockNumber int64

// Block tags.
const (
	LatestBlock    BlockNumber = -1 // "latest": the head
	FinalizedBlock BlockNumber = -2 // "finalized": the highest final block
	EarliestBlock  BlockNumber = -3 // "earliest": the genesis block
)

const blockNumberHelp = `a block is a quantity such as "0x1a", or "latest", "finalized" or "earliest"`

// BlockAt returns the parameter for a height.
func BlockAt(height uint64) BlockNumber {
	if height > math.MaxInt64 {
		panic("rpc: block height out of range")
	}
	return BlockNumber(height)
}

// MarshalText encodes a tag or a quantity.
func (n BlockNumber) MarshalText() ([]byte, error) {
	switch {
	case n == LatestBlock:
		return []byte("latest"), nil
	case n == FinalizedBlock:
		return []byte("finalized"), nil
	case n == EarliestBlock:
		return []byte("earliest"), nil
	case n < 0:
		return nil, fmt.Errorf("invalid block number %d", int64(n))
	}
	return hexutil.Uint64(n).MarshalText()
}

// UnmarshalJSON decodes a JSON string holding a tag or a quantity.
func (n *BlockNumber) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) == 0 || b[0] != '"' || json.Unmarshal(b, &s) != nil {
		return errors.New(blockNumberHelp)
	}
	return n.UnmarshalText([]byte(s))
}

// UnmarshalText decodes a tag or a quantity.
func (n *BlockNumber) UnmarshalText(b []byte) error {
	switch string(b) {
	case "latest":
		*n = LatestBlock
		return nil
	case "finalized":
		*n = FinalizedBlock
		return nil
	case "earliest":
		*n = EarliestBlock
		return nil
	}
	var q hexutil.Uint64
	if err := q.UnmarshalText(b); err != nil {
		return fmt.Errorf("invalid block %q: %v; %s", b, err, blockNumberHelp)
	}
	if q > math.MaxInt64 {
		return fmt.Errorf("invalid block %q: out of range", b)
	}
	*n = BlockNumber(q)
	return nil
}

func (n BlockNumber) String() string {
	b, err := n.MarshalText()
	if err != nil {
		return fmt.Sprintf("BlockNumber(%d)", int64(n))
	}
	return string(b)
}

// DevSendArgs are the parameter of dev_sendTransaction. All three fields
// are required.
type DevSendArgs struct {
	// From names a dev account ("dev0") or gives its address.
	From  string        `json:"from"`
	To    types.Address `json:"to"`
	Value hexutil.U256  `json:"value"`
}

// UnmarshalJSON decodes the object strictly: unknown fields and missing
// ones are errors.
func (a *DevSendArgs) UnmarshalJSON(b []byte) error {
	var raw struct {
		From  *string        `json:"from"`
		To    *types.Address `json:"to"`
		Value *hexutil.U256  `json:"value"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	switch {
	case raw.From == nil || *raw.From == "":
		return errors.New(`missing "from"`)
	case raw.To == nil:
		return errors.New(`missing "to"`)
	case raw.Value == nil:
		return errors.New(`missing "value"`)
	}
	*a = DevSendArgs{From: *raw.From, To: *raw.To, Value: *raw.Value}
	return nil
}
