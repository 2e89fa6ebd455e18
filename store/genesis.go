package store

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/noded/noded/chain"
	"github.com/noded/noded/types"
)

// InitGenesis writes the genesis file, the genesis block (height 0), its
// state and all the root's buckets, and makes it the head, in one synced
// batch. On a database that already has a genesis it does nothing if the
// genesis hash is the same, and returns ErrGenesisMismatch otherwise.
func (db *DB) InitGenesis(genesisJSON []byte, blk *types.Block, res *chain.BlockResult) error {
	if err := db.enterWrite(); err != nil {
		return err
	}
	defer db.leaveWrite()
	hash := blk.Hash()
	if db.head.Load() != nil {
		stored, err := readGenesisHash(db.pdb)
		if err != nil {
			return err
		}
		if stored != hash {
			return fmt.Errorf("store: %w: database has %s, asked to initialise %s", ErrGenesisMismatch, stored, hash)
		}
		return nil
	}
	root, err := checkGenesis(genesisJSON, blk, res)
	if err != nil {
		return err
	}
	all := make([]chain.BucketUpdate, chain.NumBuckets)
	for i := range all {
		all[i] = chain.BucketUpdate{Index: uint16(i), Hash: root.Bucket(uint16(i))}
	}
	full := *res
	full.Buckets = all
	w := prepareBlock(blk, &full)
	b := db.pdb.NewBatchWithSize(w.size() + len(genesisJSON) + 256)
	defer b.Close()
	meta := func() error {
		return errors.Join(
			b.Set(keyGenesisJSON, genesisJSON, nil),
			b.Set(keyGenesisHash, hash[:], nil),
			putHead(b, hash, 0),
			b.Set(keyUndoFloor, encodeU64(1), nil),
		)
	}
	err = w.put(b, meta, func() error { return nil })
	if err != nil {
		return fmt.Errorf("store: build genesis batch: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return wrapErr(err, "commit genesis")
	}
	db.undoFloor = 1
	db.head.Store(&headState{header: blk.Header, hash: hash})
	return nil
}

// checkGenesis checks that res is a genesis result for blk and returns the
// root it gives.
func checkGenesis(genesisJSON []byte, blk *types.Block, res *chain.BlockResult) (*chain.Root, error) {
	if len(genesisJSON) == 0 {
		return nil, errors.New("store: empty genesis file")
	}
	if blk.Header.Height != 0 || len(blk.Txs) != 0 || len(res.Receipts) != 0 {
		return nil, fmt.Errorf("store: genesis block has height %d and %d transactions, want 0 and 0", blk.Header.Height, len(blk.Txs))
	}
	for _, c := range res.Changes {
		if len(c.Old) != 0 {
			return nil, fmt.Errorf("store: genesis change of key %x has an old value", c.Key)
		}
	}
	if err := checkBuckets(res.Buckets); err != nil {
		return nil, err
	}
	root := chain.NewRoot()
	root.Apply(res.Buckets)
	if got := root.Hash(); got != blk.Header.StateRoot || got != res.StateRoot {
		return nil, fmt.Errorf("store: genesis buckets give root %s, header says %s", got, blk.Header.StateRoot)
	}
	return root, nil
}

func checkBuckets(ups []chain.BucketUpdate) error {
	for i := range ups {
		if ups[i].Index >= chain.NumBuckets {
			return fmt.Errorf("store: bucket index %d out of range", ups[i].Index)
		}
	}
	return nil
}

// GenesisJSON returns the genesis file the database was initialised with.
func (db *DB) GenesisJSON() ([]byte, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.leave()
	v, ok, err := get(db.pdb, keyGenesisJSON)
	if err == nil && !ok {
		err = ErrNotInitialized
	}
	return v, err
}

// GenesisHash returns the hash of the genesis block, which identifies the
// network.
func (db *DB) GenesisHash() (types.Hash, error) {
	if err := db.enter(); err != nil {
		return types.Hash{}, err
	}
	defer db.leave()
	return readGenesisHash(db.pdb)
}

func readGenesisHash(r pebble.Reader) (types.Hash, error) {
	v, ok, err := get(r, keyGenesisHash)
	if err != nil {
		return types.Hash{}, err
	}
	if !ok {
		return types.Hash{}, ErrNotInitialized
	}
	return decodeHash(v, "genesis hash")
}
