// Package types defines noded's data: addresses, hashes, transactions,
// blocks, headers, receipts and accounts, their one canonical binary
// encoding (used for everything that is hashed or signed), and the
// stateless checks that need nothing but the value itself.
//
// Canonical encoding rules: fields in a fixed order; integers fixed-width
// big-endian; byte strings and lists carry a 4-byte length and are bounded;
// amounts are a 1-byte length followed by the minimal big-endian bytes;
// decoders reject trailing bytes, over-long lengths and any value that a
// different encoding could also produce, so decode(b) succeeds only if
// encode(decode(b)) == b.
//
// The package is deterministic: no I/O, no clock, no randomness.
package types
