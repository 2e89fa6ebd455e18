package p2p

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/noded/noded/types"
)

// Wire formats. Integers are big-endian; every decoder rejects short input,
// lengths over their bound and trailing bytes.
//
// Status (PING request and response), at most maxStatusSize bytes:
//
//	version u8 (1) | chain id length u8 | chain id | genesis [32] |
//	height u64 | head [32] | finalized u64
//
// TX message (a batch), at most Config.MaxTxMessageSize bytes:
//
//	version u8 (1) | count u32 (>= 1) | count x (length u32 (>= 1) | tx)
//
// Block range request: from u64 | to u64 (16 bytes). Response: a code u8;
// for codeOK, count u32 | count x (length u32 | block); otherwise length u16
// | message (at most maxErrorMessage bytes).

const (
	wireVersion     = 1
	maxStatusSize   = 1 + 1 + types.MaxChainIDLen + 32 + 8 + 32 + 8
	batchHeaderSize = 1 + 4
	maxErrorMessage = 512
)

// ErrMalformed is wrapped by the errors of the wire decoders.
var ErrMalformed = errors.New("p2p: malformed message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

func encodeStatus(st Status) []byte {
	b := make([]byte, 0, maxStatusSize)
	b = append(b, wireVersion, byte(len(st.ChainID)))
	b = append(b, st.ChainID...)
	b = append(b, st.Genesis[:]...)
	b = binary.BigEndian.AppendUint64(b, st.Height)
	b = append(b, st.Head[:]...)
	b = binary.BigEndian.AppendUint64(b, st.Finalized)
	return b
}

func decodeStatus(b []byte) (Status, error) {
	var st Status
	if len(b) < 2 {
		return st, malformed("status: %d bytes", len(b))
	}
	if b[0] != wireVersion {
		return st, malformed("status: version %d", b[0])
	}
	n := int(b[1])
	if n > types.MaxChainIDLen {
		return st, malformed("status: chain id of %d bytes", n)
	}
	if len(b) != 2+n+32+8+32+8 {
		return st, malformed("status: %d bytes for a chain id of %d", len(b), n)
	}
	b = b[2:]
	st.ChainID = string(b[:n])
	b = b[n:]
	copy(st.Genesis[:], b)
	st.Height = binary.BigEndian.Uint64(b[32:])
	copy(st.Head[:], b[40:])
	st.Finalized = binary.BigEndian.Uint64(b[72:])
	return st, nil
}

// batchSize is the encoded size of a TX message holding txs.
func batchSize(txs [][]byte) int {
	n := batchHeaderSize
	for _, tx := range txs {
		n += 4 + len(tx)
	}
	return n
}

func encodeBatch(txs [][]byte) []byte {
	b := make([]byte, 0, batchSize(txs))
	b = append(b, wireVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(txs)))
	for _, tx := range txs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(tx)))
		b = append(b, tx...)
	}
	return b
}

// decodeBatch splits a TX message into its transactions, which alias b.
func decodeBatch(b []byte) ([][]byte, error) {
	if len(b) < batchHeaderSize {
		return nil, malformed("tx batch: %d bytes", len(b))
	}
	if b[0] != wireVersion {
		return nil, malformed("tx batch: version %d", b[0])
	}
	n := binary.BigEndian.Uint32(b[1:])
	b = b[batchHeaderSize:]
	// Every transaction takes at least 5 bytes: bound the allocation by the
	// input, not by the claimed count.
	if n == 0 || uint64(n) > uint64(len(b)/5) {
		return nil, malformed("tx batch: %d transactions in %d bytes", n, len(b))
	}
	txs := make([][]byte, 0, n)
	for i := range n {
		if len(b) < 4 {
			return nil, malformed("tx batch: transaction %d: truncated length", i)
		}
		l := binary.BigEndian.Uint32(b)
		b = b[4:]
		if l == 0 || l > types.MaxTxSize || uint64(l) > uint64(len(b)) {
			return nil, malformed("tx batch: transaction %d: length %d, %d bytes left", i, l, len(b))
		}
		txs = append(txs, b[:l:l])
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, malformed("tx batch: %d trailing bytes", len(b))
	}
	return txs, nil
}

// packBatches groups txs, in order, into batches of at most target encoded
// bytes; a transaction too big for target travels alone.
func packBatches(txs [][]byte, target int) [][][]byte {
	var out [][][]byte
	var cur [][]byte
	size := batchHeaderSize
	for _, tx := range txs {
		if len(cur) > 0 && size+4+len(tx) > target {
			out = append(out, cur)
			cur, size = nil, batchHeaderSize
		}
		cur = append(cur, tx)
		size += 4 + len(tx)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// Block range protocol.

const (
	syncRequestSize = 16

	codeOK         = 0
	codeBadRequest = 1
	codeError      = 2
)

func encodeRangeRequest(from, to uint64) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, syncRequestSize), from)
	return binary.BigEndian.AppendUint64(b, to)
}

func decodeRangeRequest(b []byte) (from, to uint64, err error) {
	if len(b) != syncRequestSize {
		return 0, 0, malformed("block range request: %d bytes", len(b))
	}
	return binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:]), nil
}
