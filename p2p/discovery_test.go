package p2p

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestKeyFilePersisted(t *testing.T) {
	key := filepath.Join(t.TempDir(), "p2p", "node.key")
	id, err := IdentityFromKeyFile(key) // creates it
	if err != nil {
		t.Fatal(err)
	}
	a := startHost(t, func(c *Config) { c.KeyFile = key })
	if a.ID() != id {
		t.Errorf("host id %s, IdentityFromKeyFile said %s", a.ID(), id)
	}
	a.stop()
	fi, err := os.Stat(key)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	b := startHost(t, func(c *Config) { c.KeyFile = key })
	if a.ID() != b.ID() {
		t.Errorf("restarted with id %s, want %s", b.ID(), a.ID())
	}
	if err := os.WriteFile(key, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{ChainID: "c", GenesisHash: testGenesis, KeyFile: key}, newFakeHandler("c", testGenesis)); err == nil {
		t.Errorf("New accepted a corrupt key file")
	}
}

// A host whose bootstrap peer goes away reconnects when it comes back (same
// key, same address).
func TestBootstrapReconnect(t *testing.T) {
	key := filepath.Join(t.TempDir(), "boot.key")
	boot := startHost(t, func(c *Config) { c.KeyFile = key })
	addrs := boot.Addrs()
	listen := boot.host.Addrs()
	a := startHost(t, func(c *Config) { c.Bootstrap = addrs })
	eventually(t, waitLong, "the bootstrap connection", func() bool { return isConnected(a, boot) })

	boot.stop()
	eventually(t, waitLong, "the bootstrap peer to drop", func() bool { return !isConnected(a, boot) && !hasPeer(a, boot.ID()) })

	// Stay away long enough for several redials to fail: the swarm's own
	// dial backoff must not hold up the reconnection afterwards.
	time.Sleep(3 * time.Second)
	var listenAddrs []string
	for _, l := range listen {
		listenAddrs = append(listenAddrs, l.String())
	}
	boot2 := startHost(t, func(c *Config) { c.KeyFile, c.ListenAddrs = key, listenAddrs })
	start := time.Now()
	eventually(t, waitLong, "the reconnection", func() bool { return isConnected(a, boot2) && hasPeer(a, boot2.ID()) })
	t.Logf("reconnected %v after the restart", time.Since(start).Round(time.Millisecond))
	// And gossip flows again.
	waitMesh(t, a, boot2)
	if err := boot2.PublishBlock(context.Background(), []byte("after-restart")); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, a.f.blocksIn, "the block after the restart"); string(got) != "after-restart" {
		t.Fatalf("got %q", got)
	}
}

// Bootstrap peers that cannot be reached are retried with growing delays
// without holding up the host.
func TestBootstrapUnreachable(t *testing.T) {
	gone := startHost(t)
	addrs := gone.Addrs()
	gone.stop()
	a := startHost(t, func(c *Config) { c.Bootstrap = addrs })
	b := startHost(t)
	connect(t, a, b)
	waitMesh(t, a, b)
	if err := a.PublishBlock(context.Background(), []byte("still-working")); err != nil {
		t.Fatal(err)
	}
	recv(t, b.f.blocksIn, "the block")
}

// mDNS needs multicast; where there is none, skip with NODED_P2P_NO_MDNS=1.
func TestMDNS(t *testing.T) {
	if os.Getenv("NODED_P2P_NO_MDNS") != "" {
		t.Skip("NODED_P2P_NO_MDNS is set")
	}
	mdns := func(c *Config) { c.MDNS = true }
	a, b := startHost(t, mdns), startHost(t, mdns)
	eventually(t, waitLong, "mDNS discovery", func() bool { return isConnected(a, b) })
}

func TestConfigValidation(t *testing.T) {
	f := newFakeHandler("c", testGenesis)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no chain id", Config{GenesisHash: testGenesis}},
		{"no genesis", Config{ChainID: "c"}},
		{"slash in chain id", Config{ChainID: "a/b", GenesisHash: testGenesis}},
		{"bad listen address", Config{ChainID: "c", GenesisHash: testGenesis, ListenAddrs: []string{"tcp:26656"}}},
		{"bootstrap without id", Config{ChainID: "c", GenesisHash: testGenesis, Bootstrap: []string{"/ip4/127.0.0.1/tcp/1"}}},
		{"batch larger than message", Config{ChainID: "c", GenesisHash: testGenesis, MaxTxMessageSize: 4096, TxBatchSize: 8192}},
		{"block limit above the block size", Config{ChainID: "c", GenesisHash: testGenesis, MaxBlockMessageSize: 64 << 20}},
	} {
		if _, err := New(tc.cfg, f); err == nil {
			t.Errorf("%s: New accepted %+v", tc.name, tc.cfg)
		}
	}
	if _, err := New(Config{ChainID: "c", GenesisHash: testGenesis}, nil); err == nil {
		t.Errorf("New accepted a nil handler")
	}
}

// Run with a cancelled context closes the host without starting anything;
// Run twice is an error.
func TestRunLifecycle(t *testing.T) {
	h, err := New(Config{ChainID: "c", GenesisHash: testGenesis, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}}, newFakeHandler("c", testGenesis))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Run(ctx); err != nil {
		t.Fatalf("Run on a cancelled context: %v", err)
	}
	if err := h.Run(context.Background()); err == nil {
		t.Errorf("second Run succeeded")
	}
	if err := h.PublishBlock(context.Background(), []byte("x")); err == nil {
		t.Errorf("PublishBlock on a stopped host succeeded")
	}
	if len(h.host.Network().ListenAddresses()) != 0 {
		t.Errorf("still listening after Run returned")
	}
}
