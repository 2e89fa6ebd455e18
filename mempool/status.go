package mempool

import "fmt"

// Status says what Add did with a transaction.
type Status int

const (
	// Accepted: the transaction is executable now (its nonce follows the
	// account's without a gap) and is a block candidate.
	Accepted Status = iota + 1
	// Queued: the transaction waits for lower nonces to arrive.
	Queued
	// Replaced: the transaction took the place of the one with the same
	// sender and nonce.
	Replaced
)

func (s Status) String() string {
	switch s {
	case Accepted:
		return "accepted"
	case Queued:
		return "queued"
	case Replaced:
		return "replaced"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// maxMissing bounds Result.Missing.
const maxMissing = 64

// Result is the outcome of a successful Add.
type Result struct {
	Status Status
	// Missing lists, for Queued, the nonces that must arrive before the
	// transaction can execute, lowest first; at most the first 64.
	Missing []uint64
}

// Stats counts the pool's contents.
type Stats struct {
	Pending  int // executable now
	Queued   int // waiting for a nonce gap to fill
	Senders  int // senders with at least one transaction
	Capacity int // the most transactions the pool holds (Config.MaxTxs)
}
