package chain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Genesis describes a chain's first state. It is stored as JSON.
type Genesis struct {
	ChainID       string             `json:"chain_id"`
	Time          uint64             `json:"genesis_time_ms"`
	BlockGasLimit uint64             `json:"block_gas_limit"`
	SlotMillis    uint64             `json:"slot_ms"` // 0: blocks on demand (dev mode)
	Validators    []crypto.PublicKey `json:"validators"`
	Accounts      []GenesisAccount   `json:"accounts"`
}

// GenesisAccount is a prefunded account.
type GenesisAccount struct {
	Name    string        `json:"name,omitempty"`
	Address types.Address `json:"address"`
	Balance types.Amount  `json:"balance"`
}

// ParseGenesis decodes and checks a genesis file, rejecting unknown fields.
func ParseGenesis(data []byte) (*Genesis, error) {
	var g Genesis
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return &g, nil
}

// Config returns the chain rules the genesis sets.
func (g *Genesis) Config() Config {
	return Config{
		ChainID:       g.ChainID,
		Validators:    slices.Clone(g.Validators),
		BlockGasLimit: g.BlockGasLimit,
		SlotMillis:    g.SlotMillis,
	}
}

// Validate checks the genesis.
func (g *Genesis) Validate() error {
	cfg := g.Config()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	seen := make(map[types.Address]bool)
	for _, a := range g.Accounts {
		if seen[a.Address] {
			return fmt.Errorf("genesis: account %s listed twice", a.Address)
		}
		seen[a.Address] = true
	}
	return nil
}

// Block builds the genesis block and its state. The genesis block has
// height 0, no transactions, no proposer and no signature; its hash
// identifies the network.
func (g *Genesis) Block() (*types.Block, *BlockResult, error) {
	if err := g.Validate(); err != nil {
		return nil, nil, err
	}
	o := NewOverlay(emptyState{})
	for _, a := range g.Accounts {
		acc := types.Account{Balance: a.Balance}
		if err := o.SetAccount(a.Address, &acc); err != nil {
			return nil, nil, err
		}
	}
	root := NewRoot()
	res := &BlockResult{Changes: o.Changes()}
	res.Buckets = root.Updates(res.Changes, 1)
	res.StateRoot = root.HashWith(res.Buckets)
	blk := &types.Block{Header: types.Header{
		Height:       0,
		Time:         g.Time,
		TxRoot:       types.TxRoot(nil),
		StateRoot:    res.StateRoot,
		ReceiptsRoot: types.ReceiptsRoot(nil),
		GasLimit:     g.BlockGasLimit,
	}}
	return blk, res, nil
}

type emptyState struct{}

func (emptyState) Get([]byte) ([]byte, error) { return nil, nil }
