// Package keystore keeps ed25519 account keys in files, one JSON file per
// key, for the CLI and the dev node.
//
// The keys are stored UNENCRYPTED: each file holds the key's 32-byte seed
// in hex, and anyone who can read the file controls the account. This is a
// tool for development chains and devnets; it is not a wallet. Files are
// created with mode 0600 and the folder with mode 0700, and every write is
// atomic (a temporary file renamed into place), so a crash never leaves a
// half-written key.
//
// Layout: <home>/keystore/<name>.json, where name matches
// [a-zA-Z0-9_.-]{1,64}. A file holds
//
//	{"name":"alice","address":"0x..","public_key":"0x..","seed":"0x.."}
//
// Address and public key are derived from the seed and are checked against
// it on every read; a file that disagrees with itself is reported as
// ErrCorrupt rather than used.
//
// Use:
//
//	ks, err := keystore.Open(keystore.Dir(home))
//	key, err := ks.New("alice", rand.Reader)  // or ks.Import("dev0", priv)
//	key, err = ks.Resolve("alice")             // a name, or a stored key's 0x address
//	tx.Sign(key.Private)
//
// A Store holds no state besides its folder; several processes may use the
// same folder at once (New and Import never overwrite a file).
package keystore
