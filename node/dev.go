package node

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/types"
)

// Dev chains use well-known keys, like anvil's and hardhat's: the same
// accounts on every machine and after every reset. They are public and must
// never hold anything of value.

// ValidatorKeyName is the keystore name of a dev chain's block proposer.
const ValidatorKeyName = "validator"

// DevBalance is what each dev account holds at genesis: 10^9 whole tokens of
// 10^18 base units.
var DevBalance = func() types.Amount {
	a, err := types.ParseAmount("1000000000000000000000000000")
	if err != nil {
		panic(err)
	}
	return a
}()

// DevKey returns the well-known key of dev account i.
func DevKey(i int) crypto.PrivateKey {
	return wellKnownKey(fmt.Sprintf("noded dev account %d", i))
}

// DevValidatorKey returns the well-known key of the dev chain's validator.
func DevValidatorKey() crypto.PrivateKey { return wellKnownKey("noded dev validator") }

func wellKnownKey(label string) crypto.PrivateKey {
	seed := sha256.Sum256([]byte(label))
	k, err := crypto.NewKeyFromSeed(seed[:])
	if err != nil {
		panic(err) // a 32-byte seed is always valid
	}
	return k
}

// DevAccountName is the keystore name of dev account i.
func DevAccountName(i int) string { return fmt.Sprintf("dev%d", i) }

// devGenesis returns the genesis of a new dev chain.
func devGenesis(cfg *Config, nowMillis uint64) *chain.Genesis {
	g := &chain.Genesis{
		ChainID:       cfg.ChainID,
		Time:          nowMillis,
		BlockGasLimit: chain.DefaultBlockGasLimit,
		Validators:    []crypto.PublicKey{DevValidatorKey().Public()},
	}
	for i := range cfg.DevAccounts {
		g.Accounts = append(g.Accounts, chain.GenesisAccount{
			Name:    DevAccountName(i),
			Address: types.AddressOf(DevKey(i).Public()),
			Balance: DevBalance,
		})
	}
	return g
}

// ensureDevKeys writes the keys of the genesis's well-known dev accounts
// into the keystore, so that `--from dev0` works in every command.
func ensureDevKeys(ks *keystore.Store, g *chain.Genesis) error {
	for i, a := range g.Accounts {
		k := DevKey(i)
		if a.Name != DevAccountName(i) || types.AddressOf(k.Public()) != a.Address {
			continue // not a well-known dev account
		}
		if _, err := ks.Import(a.Name, k); err != nil {
			return fmt.Errorf("keystore: %w", err)
		}
	}
	return nil
}

// ResetHome deletes a home's chain (database and genesis), keeping its
// keystore.
func ResetHome(home string) error {
	c := Config{Home: home}
	for _, p := range []string{c.dataDir(), c.genesisFile()} {
		if err := os.RemoveAll(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("reset %s: %w", p, err)
		}
	}
	return nil
}
