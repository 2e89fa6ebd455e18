package keystore

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Key is a stored account key.
type Key struct {
	Name      string
	Address   types.Address
	PublicKey crypto.PublicKey
	Private   crypto.PrivateKey
}

// newKey derives the public parts of a key from its private key.
func newKey(name string, priv crypto.PrivateKey) Key {
	pub := priv.Public()
	return Key{Name: name, Address: types.AddressOf(pub), PublicKey: pub, Private: priv}
}

// String names the key and its address; it never shows the private key,
// so a Key printed by mistake (with %v or %+v) leaks nothing.
func (k Key) String() string { return k.Name + " " + k.Address.String() }

// GoString is like String, for %#v.
func (k Key) GoString() string { return "keystore.Key{" + k.String() + "}" }

// keyFile is the JSON layout of a key file.
type keyFile struct {
	Name      string           `json:"name"`
	Address   types.Address    `json:"address"`
	PublicKey crypto.PublicKey `json:"public_key"`
	Seed      string           `json:"seed"`
}

func encodeKey(k Key) ([]byte, error) {
	f := keyFile{
		Name:      k.Name,
		Address:   k.Address,
		PublicKey: k.PublicKey,
		Seed:      "0x" + hex.EncodeToString(k.Private.Seed()),
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// decodeKey decodes a key file and checks that it agrees with itself and
// with the name it is stored under.
func decodeKey(name string, b []byte) (Key, error) {
	var f keyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return Key{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	if f.Name != name {
		return Key{}, fmt.Errorf("%w: %s: file holds key %q", ErrCorrupt, name, f.Name)
	}
	seed, err := decodeSeed(f.Seed)
	if err != nil {
		return Key{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	priv, err := crypto.NewKeyFromSeed(seed)
	if err != nil {
		return Key{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	k := newKey(name, priv)
	if k.PublicKey != f.PublicKey || k.Address != f.Address {
		return Key{}, fmt.Errorf("%w: %s: public key or address does not match the seed", ErrCorrupt, name)
	}
	return k, nil
}

// ParseSeed decodes a 0x-prefixed hex ed25519 seed (32 bytes) into a key.
func ParseSeed(s string) (crypto.PrivateKey, error) {
	seed, err := decodeSeed(s)
	if err != nil {
		return crypto.PrivateKey{}, err
	}
	return crypto.NewKeyFromSeed(seed)
}

func decodeSeed(s string) ([]byte, error) {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return nil, fmt.Errorf("seed must start with 0x")
	}
	if len(h) != 2*crypto.SeedSize {
		return nil, fmt.Errorf("seed must have %d hex digits, got %d", 2*crypto.SeedSize, len(h))
	}
	seed, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("seed: %v", err)
	}
	return seed, nil
}
