package keystore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// errTaken is returned by write when the key's name is taken.
var errTaken = errors.New("keystore: name taken")

// write stores k in a new file, atomically and without replacing an
// existing one: the key is written to a temporary file in the same folder,
// synced, and then hard-linked to its name, which fails (errTaken) if the
// name is taken (a rename would silently replace it). On file systems
// without hard links it falls back to a rename after checking that the
// name is free.
func (s *Store) write(k Key) (err error) {
	b, err := encodeKey(k)
	if err != nil {
		return fmt.Errorf("keystore: encode %s: %w", k.Name, err)
	}
	final := s.Path(k.Name)
	if _, err := os.Lstat(final); err == nil {
		return errTaken
	}
	tmp, err := os.CreateTemp(s.dir, "."+k.Name+".*.tmp")
	if err != nil {
		return fmt.Errorf("keystore: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
		}
		os.Remove(tmp.Name()) // after the link, the key lives on under its name
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("keystore: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		return fmt.Errorf("keystore: write %s: %w", k.Name, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("keystore: write %s: %w", k.Name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keystore: write %s: %w", k.Name, err)
	}
	if err := os.Link(tmp.Name(), final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errTaken
		}
		// No hard links here: rename, accepting the small race with another
		// writer that the Lstat above cannot close.
		if _, serr := os.Lstat(final); serr == nil {
			return errTaken
		}
		if err := os.Rename(tmp.Name(), final); err != nil {
			return fmt.Errorf("keystore: write %s: %w", k.Name, err)
		}
	}
	syncDir(s.dir)
	return nil
}

// syncDir makes a new directory entry durable. Not every platform can sync
// a directory; a failure only weakens durability, so it is ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
