// Package crypto is the one place where noded's signature and hash schemes
// live: ed25519 keys and signatures (verified under ZIP-215 rules, single and
// in batches, so that every node accepts exactly the same signatures),
// SHA-256 hashing, and the lattice set hash behind the state root.
//
// The package is deterministic: it does no I/O and reads no global
// randomness. Key generation and batch verification take their entropy from
// the caller.
package crypto
