package store

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// The store as the node uses it: chain.Executor builds blocks against
// DB (the StateReader) and the root from LoadRoot; a replica validates
// the same blocks against its own DB and ends with the same head and state.
func TestWithExecutor(t *testing.T) {
	key := func(i byte) crypto.PrivateKey {
		seed := make([]byte, crypto.SeedSize)
		seed[0] = i
		k, err := crypto.NewKeyFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	val := key(100)
	users := make([]crypto.PrivateKey, 8)
	g := &chain.Genesis{
		ChainID:       "itest",
		Time:          1_700_000_000_000,
		BlockGasLimit: chain.DefaultBlockGasLimit,
		Validators:    []crypto.PublicKey{val.Public()},
	}
	for i := range users {
		users[i] = key(byte(i))
		g.Accounts = append(g.Accounts, chain.GenesisAccount{
			Address: types.AddressOf(users[i].Public()),
			Balance: types.NewAmount(1_000_000_000),
		})
	}
	gjson, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	blk0, res0, err := g.Block()
	if err != nil {
		t.Fatal(err)
	}
	exec, err := chain.NewExecutor(g.Config(), chain.ExecOptions{Workers: 2, Rand: rand.NewChaCha8([32]byte{1})})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := openMem(t, Options{})
	replica, _ := openMem(t, Options{})
	for _, d := range []*DB{db, replica} {
		if err := d.InitGenesis(gjson, blk0, res0); err != nil {
			t.Fatal(err)
		}
	}

	rng := rand.New(rand.NewPCG(1, 2))
	const blocks, perBlock = 5, 6
	for range blocks {
		head, err := db.Head()
		if err != nil {
			t.Fatal(err)
		}
		var txs []*types.Tx
		for j := range perBlock {
			from := users[j]
			acc, err := db.Account(types.AddressOf(from.Public()))
			if err != nil {
				t.Fatal(err)
			}
			tx := &types.Tx{
				ChainID: "itest", Nonce: acc.Nonce, Kind: types.TxTransfer,
				To:       types.AddressOf(users[rng.IntN(len(users))].Public()),
				Amount:   types.NewAmount(uint64(1 + rng.IntN(1000))),
				GasLimit: chain.TxBaseGas, GasPrice: 1,
			}
			tx.Sign(from)
			txs = append(txs, tx)
		}
		root, err := db.LoadRoot()
		if err != nil {
			t.Fatal(err)
		}
		spec := chain.BlockSpec{Slot: head.Slot + 1, Time: head.Time + 1000, Key: val}
		blk, res, invalid, err := exec.BuildBlock(&head, db, root, spec, txs)
		if err != nil || len(invalid) > 0 {
			t.Fatalf("BuildBlock: %v, invalid %v", err, invalid)
		}
		if err := db.CommitBlock(blk, res); err != nil {
			t.Fatal(err)
		}

		// The replica receives the block as from a peer.
		rhead, err := replica.Head()
		if err != nil {
			t.Fatal(err)
		}
		rroot, err := replica.LoadRoot()
		if err != nil {
			t.Fatal(err)
		}
		rres, err := exec.ValidateBlock(&rhead, replica, rroot, blk, blk.Header.Time)
		if err != nil {
			t.Fatal(err)
		}
		if err := replica.CommitBlock(blk, rres); err != nil {
			t.Fatal(err)
		}
	}
	h1, _ := db.Head()
	h2, _ := replica.Head()
	if h1.Height != blocks || h1.Hash() != h2.Hash() {
		t.Fatalf("heads %d %s and %d %s", h1.Height, h1.Hash(), h2.Height, h2.Hash())
	}
	for _, d := range []*DB{db, replica} {
		if err := d.VerifyState(); err != nil {
			t.Fatal(err)
		}
		for j := range perBlock {
			acc, err := d.Account(types.AddressOf(users[j].Public()))
			if err != nil {
				t.Fatal(err)
			}
			if acc.Nonce != blocks {
				t.Fatalf("user %d has nonce %d after %d blocks", j, acc.Nonce, blocks)
			}
		}
	}
	// Reverting to genesis gives back the genesis accounts.
	for range blocks {
		if _, err := db.RevertHead(); err != nil {
			t.Fatal(err)
		}
	}
	for _, ga := range g.Accounts {
		acc, err := db.Account(ga.Address)
		if err != nil {
			t.Fatal(err)
		}
		if acc.Nonce != 0 || acc.Balance != ga.Balance {
			t.Fatalf("account %s after reverting to genesis: %+v", ga.Address, acc)
		}
	}
	checkRoot(t, db, blk0.Header.StateRoot)
}
