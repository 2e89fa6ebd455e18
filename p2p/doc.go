// Package p2p is a noded node's network: a libp2p host (TCP and QUIC) that
// gossips blocks and transactions with gossipsub, answers PING/status and
// block range requests, scores peers, and finds them through bootstrap
// addresses and mDNS. It knows nothing of the chain's rules: the node
// supplies them through a Handler. It imports types (hashes and size
// limits), never node, rpc, store or chain.
//
// Use:
//
//	h, err := p2p.New(cfg, handler) // loads the key, listens, answers PING and block ranges
//	go h.Run(ctx)                   // joins the topics, dials bootstrap peers; returns when ctx is done and all has stopped
//	h.PublishBlock(ctx, block)      // a block the node built
//	h.PublishTxs(ctx, txs)          // transactions accepted over RPC, batched
//	h.BestPeers()                   // who is ahead; the Handler also hears every PeerStatus
//	h.RequestBlocks(ctx, p, a, b)   // sync
//	h.SnapshotOffers(ctx, p)        // snapshot sync: offers, then SnapshotManifest and SnapshotChunk
//	h.Penalize(p, reason)           // a peer's block failed full validation
//
// # Topics
//
// Gossipsub topics /noded/<chain-id>/block/1 and /noded/<chain-id>/tx/1.
// Mesh degree D=8 (Dlo 6, Dhi 12, Dscore 4, Dout 2, Dlazy 8); pubsub sets
// these per router, so both topics have them. Messages are
// signed by their author (pubsub's default, StrictSign). What this host
// publishes goes to every peer on the topic (flood publish), so a block
// leaves its proposer at once; forwarding uses the mesh.
//
// A BLOCK message is one encoded block (types.Block.Encode), at most
// Config.MaxBlockMessageSize (32 MiB). A TX message is a batch: version 1,
// a count, then length-prefixed encoded transactions (see wire.go), at most
// Config.MaxTxMessageSize (4 MiB); PublishTxs packs batches of about
// Config.TxBatchSize (256 KiB). One publisher tops out near 14,500
// messages/s (each is signed, and verified on every hop), so transactions
// travel in batches. Pubsub's own limit is the larger of the two plus an
// envelope; an RPC carrying a message over its topic's limit is dropped
// before validation and counts as a strike against its sender.
//
// # Validation
//
// Topic validators map to the Handler: CheckBlock and CheckTxs return
// Accept, Reject or Ignore, as in go-libp2p-pubsub's validation.go. The
// cheap checks come first: the size (here), the pubsub signature (pubsub),
// the batch framing (here, Reject if malformed), then the node's decode,
// signatures and seen-cache. Reject penalises the peer that sent the
// message; Ignore does not. Validators run asynchronously (256 blocks and
// 4,096 batches at once) so a batch of transactions never holds up a
// block. A message this host publishes is not passed to the Handler.
// Validated messages go to HandleBlock and HandleTxs from one reader per
// topic.
//
// # Queues
//
// Pubsub's queues default to 32 and drop silently when full. A burst of
// 10,000 one-transaction messages through a line of 4 hosts on loopback
// lost 65% with 32, 6% with 2,048 and nothing with 3,072 or more
// (TestQueueSizes); the defaults are 8,192 for the per-peer outbound
// queue, the validation queue and each subscription buffer. Metrics counts
// what was dropped at each.
//
// # Peer scoring
//
// See score.go. In short: an invalid message on a topic costs -50 x n² for
// n invalid messages (decaying over an hour); good behaviour earns at most
// +20; a peer below 0 leaves the mesh, below -100 gets no gossip, below -200
// nothing we publish, and below -400 (three invalid messages) is
// graylisted, disconnected and refused for 10 minutes. Penalize counts
// like an invalid BLOCK message and also as a strike: three strikes in 10
// minutes and the peer is disconnected and refused.
//
// # Re-announcing blocks
//
// The host re-publishes the head block (read with Status and Blocks) when it
// may not have reached a peer: the BLOCK topic had no peers when the head
// changed, or a peer's status, learnt at least a second after the head
// changed and after the last re-announce, is behind the head. It retries
// with exponential backoff from 1 s to 1 min while that holds; a new head
// restarts the backoff; while the topic is empty it waits for a peer to
// join. Peers that already have the block Ignore the copy.
//
// # PING
//
// Protocol /noded/<chain-id>/ping/1, one hop: the dialler writes its status,
// the peer answers with its own (version u8, chain id length u8 and bytes,
// genesis hash, head height u64, head hash, finalized height u64:
// at most 146 bytes, read by its own length), with a 10 s deadline. Every
// connected peer is pinged on connect and every Config.PingInterval (5 s);
// the round trip is smoothed into PeerInfo.Latency. Both sides learn the
// other's status and report it to Handler.PeerStatus. A peer with another
// genesis, or one that does not speak the protocol (another chain id), is
// disconnected and refused for 10 minutes; one that fails three PINGs in a
// row is disconnected.
//
// # Block ranges
//
// Protocol /noded/<chain-id>/blocks/1: the request is from u64 | to u64;
// the answer is a code byte, then for OK a count u32 and the blocks, each
// length-prefixed (u32), else a u16-prefixed error message. An answer
// holds at most MaxSyncBlocks (64) blocks and MaxSyncBytes (8 MiB), though
// its first block may be as large as any block, so a range always makes
// progress; it starts at from and may stop early. Ranges with from > to or
// longer than 64 are refused; RequestBlocks shortens long ones itself. At
// most 8 requests are served at once; the exchange has a 30 s deadline.
//
// # Snapshots
//
// Protocol /noded/<chain-id>/snap/1, served only if the Handler is also a
// SnapshotHandler. The dialler writes one request and closes its side:
// a kind byte, then for a manifest height u64 | manifest hash [32], for a
// chunk height u64 | manifest hash [32] | index u32 (a list has no more).
// The answer is a code byte as for block ranges; for OK, a list is a count
// u8 (at most MaxSnapshotOffers, 16) and that many offers (height u64 |
// block hash | manifest hash | chunks u32 | size u64), and a manifest or a
// chunk is a length u32 and the bytes. A manifest is at most 256 KiB; a
// chunk is read only if its length is the size its manifest gives (at most
// 32 MiB), so a peer cannot make a client read more than it expects. At
// most 8 requests are served at once (others get "busy"); lists and
// manifests have a 10 s deadline, chunks a minute. The host moves bytes:
// the node verifies manifests and chunks, and Penalizes peers that lie.
//
// # Discovery and connections
//
// Bootstrap peers are dialled at start and redialled whenever they are not
// connected, with exponential backoff from 1 s to 1 min (±20% jitter); a
// connection that lasted a minute restarts the backoff. They are protected
// from the connection manager, which trims above Config.ConnHigh (64) down
// to Config.ConnLow (32), sparing mesh peers. mDNS (service _noded._udp)
// finds hosts on the local network; where it cannot start (no multicast)
// the host runs without it and logs a warning. Peers on this machine are dialled over
// TCP first: QUIC's user-space packets cost more CPU, which matters when a
// devnet's nodes share a machine.
//
// # Lifecycle
//
// New listens at once, so Addrs (with the /p2p/ id, for bootstrap lists)
// is known before Run. Run owns every goroutine it starts: the manager
// (one goroutine owning the peer table: pings, statuses, scores,
// penalties, re-announcing), the topic readers, the bootstrap dialler and
// mDNS. When ctx is done it refuses new Handler calls, waits for those
// under way and for its goroutines, and closes the host. No Handler method
// is called after Run returns.
package p2p
