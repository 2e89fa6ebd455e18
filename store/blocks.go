package store

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/types"
)

// HashByHeight returns the hash of the canonical block at height h.
func (db *DB) HashByHeight(h uint64) (types.Hash, error) {
	if err := db.enter(); err != nil {
		return types.Hash{}, err
	}
	defer db.leave()
	return readNumber(db.pdb, h)
}

// HeaderByHeight returns the header of the canonical block at height h.
func (db *DB) HeaderByHeight(h uint64) (types.Header, error) {
	if err := db.enter(); err != nil {
		return types.Header{}, err
	}
	defer db.leave()
	hash, err := readNumber(db.pdb, h)
	if err != nil {
		return types.Header{}, err
	}
	return readHeader(db.pdb, hash)
}

// HeaderByHash returns the header of a stored block, canonical or not.
func (db *DB) HeaderByHash(hash types.Hash) (types.Header, error) {
	if err := db.enter(); err != nil {
		return types.Header{}, err
	}
	defer db.leave()
	return readHeader(db.pdb, hash)
}

// BlockByHeight returns the canonical block at height h.
func (db *DB) BlockByHeight(h uint64) (*types.Block, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.leave()
	hash, err := readNumber(db.pdb, h)
	if err != nil {
		return nil, err
	}
	return readBlock(db.pdb, hash)
}

// BlockByHash returns a stored block, canonical or not (a reverted block
// stays stored by hash).
func (db *DB) BlockByHash(hash types.Hash) (*types.Block, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.leave()
	return readBlock(db.pdb, hash)
}

// Receipts returns the receipts of a stored block, in transaction order.
func (db *DB) Receipts(blockHash types.Hash) ([]types.Receipt, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.leave()
	var rs []types.Receipt
	ok, err := withValue(db.pdb, receiptsKey(blockHash), func(v []byte) error {
		var err error
		if rs, err = types.DecodeReceipts(v); err != nil {
			return corruptf("receipts of block %s: %v", blockHash, err)
		}
		return nil
	})
	if err == nil && !ok {
		err = fmt.Errorf("store: receipts of block %s: %w", blockHash, ErrNotFound)
	}
	return rs, err
}

// TxLocation returns where a transaction of a canonical block is.
func (db *DB) TxLocation(txHash types.Hash) (TxLocation, error) {
	if err := db.enter(); err != nil {
		return TxLocation{}, err
	}
	defer db.leave()
	raw, ok, err := get(db.pdb, txKey(txHash))
	if err != nil {
		return TxLocation{}, err
	}
	if !ok {
		return TxLocation{}, fmt.Errorf("store: transaction %s: %w", txHash, ErrNotFound)
	}
	return decodeTxLocation(raw)
}

func readNumber(r pebble.Reader, h uint64) (types.Hash, error) {
	raw, ok, err := get(r, numberKey(h))
	if err != nil {
		return types.Hash{}, err
	}
	if !ok {
		return types.Hash{}, fmt.Errorf("store: block at height %d: %w", h, ErrNotFound)
	}
	return decodeHash(raw, fmt.Sprintf("hash of block %d", h))
}

func readHeader(r pebble.Reader, hash types.Hash) (types.Header, error) {
	var h types.Header
	ok, err := withValue(r, headerKey(hash), func(v []byte) error {
		var err error
		if h, err = types.DecodeHeader(v); err != nil {
			return corruptf("header %s: %v", hash, err)
		}
		if got := h.Hash(); got != hash {
			return corruptf("header stored as %s hashes to %s", hash, got)
		}
		return nil
	})
	if err == nil && !ok {
		err = fmt.Errorf("store: header %s: %w", hash, ErrNotFound)
	}
	return h, err
}

func readBlock(r pebble.Reader, hash types.Hash) (*types.Block, error) {
	var blk *types.Block
	ok, err := withValue(r, blockKey(hash), func(v []byte) error {
		var err error
		if blk, err = types.DecodeBlock(v); err != nil {
			return corruptf("block %s: %v", hash, err)
		}
		if got := blk.Hash(); got != hash {
			return corruptf("block stored as %s hashes to %s", hash, got)
		}
		return nil
	})
	if err == nil && !ok {
		err = fmt.Errorf("store: block %s: %w", hash, ErrNotFound)
	}
	return blk, err
}
