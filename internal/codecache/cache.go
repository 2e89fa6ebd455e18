package codecache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// magic starts every entry; change it if the format changes.
var magic = [8]byte{'n', 'o', 'd', 'e', 'd', 'c', 'c', '1'}

const headerSize = len(magic) + 8 + sha256.Size

// ErrBadKey is returned by Check for a key that cannot name a file.
var ErrBadKey = errors.New("codecache: key must be 1-200 characters of [a-z0-9.-]")

// Cache is a directory of compiled modules. It is safe for concurrent use.
type Cache struct {
	dir string

	mu    sync.Mutex
	stats Stats
}

// Stats counts what a Cache did since Open.
type Stats struct {
	Hits        uint64
	Misses      uint64
	Corrupt     uint64 // entries found corrupt and deleted
	Writes      uint64
	WriteErrors uint64
	LastError   error // the last I/O error, if any
}

// Open returns the cache in dir, creating the directory if needed and
// removing temporary files a crash left behind.
func Open(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("codecache: %w", err)
	}
	tmps, err := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if err != nil {
		return nil, fmt.Errorf("codecache: %w", err)
	}
	for _, t := range tmps {
		_ = os.Remove(t)
	}
	return &Cache{dir: dir}, nil
}

// CheckKey reports whether key can name an entry.
func CheckKey(key string) error {
	if len(key) == 0 || len(key) > 200 || key[0] == '.' {
		return ErrBadKey
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return ErrBadKey
		}
	}
	return nil
}

func (c *Cache) path(key string) string { return filepath.Join(c.dir, key) }

// Get returns the payload stored under key, if there is an intact one. A
// corrupt entry is deleted.
func (c *Cache) Get(key string) ([]byte, bool) {
	if CheckKey(key) != nil {
		return nil, false
	}
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		c.count(func(s *Stats) {
			s.Misses++
			if !errors.Is(err, os.ErrNotExist) {
				s.LastError = err
			}
		})
		return nil, false
	}
	data, ok := decode(b)
	if !ok {
		rmErr := os.Remove(c.path(key))
		c.count(func(s *Stats) {
			s.Corrupt++
			s.Misses++
			if rmErr != nil {
				s.LastError = rmErr
			}
		})
		return nil, false
	}
	c.count(func(s *Stats) { s.Hits++ })
	return data, true
}

// Put stores data under key, atomically. Errors are counted in Stats: a
// cache that cannot write only costs compile time.
func (c *Cache) Put(key string, data []byte) {
	err := c.put(key, data)
	c.count(func(s *Stats) {
		if err != nil {
			s.WriteErrors++
			s.LastError = err
			return
		}
		s.Writes++
	})
}

func (c *Cache) put(key string, data []byte) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.dir, key+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(encode(data))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, c.path(key))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("codecache: write %s: %w", key, err)
	}
	return nil
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *Cache) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

// encode frames data: magic, length (big-endian), SHA-256, data.
func encode(data []byte) []byte {
	b := make([]byte, 0, headerSize+len(data))
	b = append(b, magic[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(data)))
	sum := sha256.Sum256(data)
	b = append(b, sum[:]...)
	return append(b, data...)
}

// decode checks a framed entry and returns its payload.
func decode(b []byte) ([]byte, bool) {
	if len(b) < headerSize || !bytes.Equal(b[:len(magic)], magic[:]) {
		return nil, false
	}
	n := binary.BigEndian.Uint64(b[len(magic):])
	data := b[headerSize:]
	if n != uint64(len(data)) {
		return nil, false
	}
	sum := sha256.Sum256(data)
	if !bytes.Equal(sum[:], b[len(magic)+8:headerSize]) {
		return nil, false
	}
	return data, true
}
