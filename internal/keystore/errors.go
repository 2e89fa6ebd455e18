package keystore

import "errors"

// Errors of the keystore, matched with errors.Is.
var (
	// ErrNotFound: no key of that name or address.
	ErrNotFound = errors.New("keystore: no such key")
	// ErrExists: a different key is already stored under that name.
	ErrExists = errors.New("keystore: a key with that name already exists")
	// ErrBadName: the name does not match [a-zA-Z0-9_.-]{1,64}, or looks
	// like an address.
	ErrBadName = errors.New("keystore: invalid key name")
	// ErrCorrupt: a key file cannot be decoded or disagrees with itself.
	ErrCorrupt = errors.New("keystore: corrupt key file")
)
