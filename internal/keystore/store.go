package keystore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// MaxNameLen is the longest key name.
const MaxNameLen = 64

const fileExt = ".json"

// Store is a folder of key files.
type Store struct {
	dir string
}

// Dir returns the keystore folder of a home folder: <home>/keystore.
func Dir(home string) string { return filepath.Join(home, "keystore") }

// Open opens the keystore in dir, creating the folder (mode 0700) if it is
// missing. An existing folder is used as it is.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("keystore: empty folder name")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("keystore: %s is not a folder", dir)
	}
	return &Store{dir: dir}, nil
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// Path returns the file that holds (or would hold) the named key.
func (s *Store) Path(name string) string { return filepath.Join(s.dir, name+fileExt) }

// ValidName reports whether name can name a key: 1-64 characters from
// a-z, A-Z, 0-9, '_', '.' and '-', and not an address (which Resolve would
// take as one).
func ValidName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("%w %q: must be 1-%d characters", ErrBadName, name, MaxNameLen)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return fmt.Errorf("%w %q: only a-z, A-Z, 0-9, '_', '.' and '-' are allowed", ErrBadName, name)
		}
	}
	if _, err := types.ParseAddress(name); err == nil {
		return fmt.Errorf("%w %q: a name may not be an address", ErrBadName, name)
	}
	return nil
}

// New creates a key from the entropy in rand and stores it under name. It
// returns ErrExists if the name is taken.
func (s *Store) New(name string, rand io.Reader) (Key, error) {
	if err := ValidName(name); err != nil {
		return Key{}, err
	}
	priv, err := crypto.GenerateKey(rand)
	if err != nil {
		return Key{}, fmt.Errorf("keystore: %w", err)
	}
	k := newKey(name, priv)
	if err := s.write(k); err != nil {
		if errors.Is(err, errTaken) {
			return Key{}, fmt.Errorf("%w: %s", ErrExists, name)
		}
		return Key{}, err
	}
	return k, nil
}

// Import stores priv under name. Importing the key a name already holds
// does nothing and succeeds, so a program may import the same keys on
// every start; a different key under that name is ErrExists.
func (s *Store) Import(name string, priv crypto.PrivateKey) (Key, error) {
	if err := ValidName(name); err != nil {
		return Key{}, err
	}
	if priv.IsZero() {
		return Key{}, fmt.Errorf("keystore: import %s: %w", name, crypto.ErrBadKey)
	}
	k := newKey(name, priv)
	err := s.write(k)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, errTaken) {
		return Key{}, err
	}
	old, gerr := s.Get(name)
	if gerr != nil {
		return Key{}, gerr
	}
	if !bytes.Equal(old.Private.Seed(), priv.Seed()) {
		return Key{}, fmt.Errorf("%w: %s holds another key (%s)", ErrExists, name, old.Address)
	}
	return old, nil
}

// Get returns the named key, or ErrNotFound.
func (s *Store) Get(name string) (Key, error) {
	if err := ValidName(name); err != nil {
		return Key{}, err
	}
	b, err := os.ReadFile(s.Path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return Key{}, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return Key{}, fmt.Errorf("keystore: %w", err)
	}
	return decodeKey(name, b)
}

// List returns every stored key, sorted by name. A file that cannot be
// read or decoded makes it fail, naming the file.
func (s *Store) List() ([]Key, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	var keys []Key
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), fileExt)
		if !ok || !e.Type().IsRegular() || ValidName(name) != nil {
			continue
		}
		k, err := s.Get(name)
		if errors.Is(err, ErrNotFound) {
			continue // removed since ReadDir
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Key) int { return strings.Compare(a.Name, b.Name) })
	return keys, nil
}

// Resolve finds a key by name, or by address when s is a 0x address (it
// must be the address of a stored key).
func (s *Store) Resolve(nameOrAddress string) (Key, error) {
	addr, err := types.ParseAddress(nameOrAddress)
	if err != nil {
		return s.Get(nameOrAddress)
	}
	keys, err := s.List()
	if err != nil {
		return Key{}, err
	}
	for _, k := range keys {
		if k.Address == addr {
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("%w: no stored key has address %s", ErrNotFound, addr)
}
