package p2p

import (
	"log/slog"

	"github.com/libp2p/go-libp2p/core/peer"
)

// IdentityFromKeyFile returns the peer id of the host key in path, creating
// the key (mode 0600) if the file does not exist — what a host started with
// KeyFile: path will use. Tools that write bootstrap lists before any host
// runs (noded devnet init) call it.
func IdentityFromKeyFile(path string) (PeerID, error) {
	k, err := loadOrCreateKey(path, slog.New(slog.DiscardHandler))
	if err != nil {
		return "", err
	}
	id, err := peer.IDFromPrivateKey(k)
	if err != nil {
		return "", err
	}
	return PeerID(id), nil
}
