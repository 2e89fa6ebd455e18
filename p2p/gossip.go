package p2p

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ErrTooLarge is returned when a block or transaction is larger than its
// topic's message size limit.
var ErrTooLarge = errors.New("p2p: message too large")

// envelopeSlack is what pubsub adds around a message's data on the wire
// (topic, sender, sequence number, key and signature), with room to spare.
const envelopeSlack = 64 << 10

// gossip is the pubsub side of a Host: the two topics, their validators and
// the readers that hand validated messages to the Handler.
type gossip struct {
	ps          *pubsub.PubSub
	block, tx   *pubsub.Topic
	blockSub    *pubsub.Subscription
	txSub       *pubsub.Subscription
	blockEvents *pubsub.TopicEventHandler
}

func (g *gossip) close() {
	g.blockSub.Cancel()
	g.txSub.Cancel()
	g.blockEvents.Cancel()
}

func (h *Host) pubsubOptions() []pubsub.Option {
	params := pubsub.DefaultGossipSubParams()
	// D=8 on every topic: pubsub's mesh parameters are per router. For TX
	// this is the design's "forward to 8 random peers".
	params.D, params.Dlo, params.Dhi = 8, 6, 12
	params.Dscore, params.Dout, params.Dlazy = 4, 2, 8

	maxMsg := max(h.cfg.MaxBlockMessageSize, h.cfg.MaxTxMessageSize) + envelopeSlack
	return []pubsub.Option{
		pubsub.WithGossipSubParams(params),
		// A message published here goes to every peer on the topic (with a
		// score above publishThreshold), not only to the mesh: a new block
		// leaves its proposer at once even while the mesh is being built
		// or has pruned peers. Forwarding uses the mesh (D=8).
		pubsub.WithFloodPublish(true),
		pubsub.WithPeerScore(scoreParams(h.topicBlock, h.topicTx), scoreThresholds()),
		pubsub.WithPeerScoreInspect(pubsub.PeerScoreInspectFn(h.inspectScores), scoreInspectPeriod),
		pubsub.WithMaxMessageSize(maxMsg),
		pubsub.WithPeerOutboundQueueSize(h.cfg.PeerQueueSize),
		pubsub.WithValidateQueueSize(h.cfg.ValidateQueueSize),
		pubsub.WithSubscriptionFilter(pubsub.WrapLimitSubscriptionFilter(
			pubsub.NewAllowlistSubscriptionFilter(h.topicBlock, h.topicTx), 16)),
		pubsub.WithAppSpecificRpcInspector(h.inspectRPC),
		pubsub.WithRawTracer((*tracer)(h.metrics)),
		// Pubsub logs every RPC at debug level: keep its info and above.
		pubsub.WithLogger(slog.New(minLevel{h.log.Handler(), slog.LevelInfo}).With("sys", "pubsub")),
		pubsub.WithRPCLogger(slog.New(minLevel{h.log.Handler(), slog.LevelWarn}).With("sys", "pubsub")),
	}
}

// startGossip creates the router, joins both topics, registers their
// validators and subscribes. Its goroutines stop when ctx is done.
func (h *Host) startGossip(ctx context.Context) (*gossip, error) {
	ps, err := pubsub.NewGossipSub(ctx, h.host, h.pubsubOptions()...)
	if err != nil {
		return nil, fmt.Errorf("p2p: gossipsub: %w", err)
	}
	g := &gossip{ps: ps}
	// Validators run asynchronously (pubsub's default) so a slow batch of
	// transactions never holds up a block; blocks get their own limit.
	if err := ps.RegisterTopicValidator(h.topicBlock, h.validateBlock, pubsub.WithValidatorConcurrency(256)); err != nil {
		return nil, err
	}
	if err := ps.RegisterTopicValidator(h.topicTx, h.validateTxs, pubsub.WithValidatorConcurrency(4096)); err != nil {
		return nil, err
	}
	if g.block, err = ps.Join(h.topicBlock); err != nil {
		return nil, err
	}
	if g.tx, err = ps.Join(h.topicTx); err != nil {
		return nil, err
	}
	buf := pubsub.WithBufferSize(h.cfg.SubscriptionBuffer)
	if g.blockSub, err = g.block.Subscribe(buf); err != nil {
		return nil, err
	}
	if g.txSub, err = g.tx.Subscribe(buf); err != nil {
		return nil, err
	}
	if g.blockEvents, err = g.block.EventHandler(); err != nil {
		return nil, err
	}
	return g, nil
}

func (h *Host) validateBlock(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
	if len(m.Data) > h.cfg.MaxBlockMessageSize {
		h.metrics.blocks.rejected.Add(1)
		return pubsub.ValidationReject
	}
	if from == h.host.ID() {
		return pubsub.ValidationAccept // published here: the node built or checked it
	}
	h.metrics.blocks.received.Add(1)
	if !h.enter() {
		return pubsub.ValidationIgnore
	}
	v := h.handler.CheckBlock(PeerID(from), m.Data)
	h.exit()
	return h.metrics.blocks.count(v)
}

func (h *Host) validateTxs(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
	if len(m.Data) > h.cfg.MaxTxMessageSize {
		h.metrics.txs.rejected.Add(1)
		return pubsub.ValidationReject
	}
	txs, err := decodeBatch(m.Data)
	if err != nil {
		h.metrics.txs.rejected.Add(1)
		return pubsub.ValidationReject
	}
	m.ValidatorData = txs
	if from == h.host.ID() {
		return pubsub.ValidationAccept
	}
	h.metrics.txs.received.Add(1)
	if !h.enter() {
		return pubsub.ValidationIgnore
	}
	v := h.handler.CheckTxs(PeerID(from), txs)
	h.exit()
	return h.metrics.txs.count(v)
}

// inspectRPC drops, before they are queued for validation, RPCs carrying a
// message over its topic's size limit: an honest peer never forwards one.
// It runs in pubsub's event loop and must be quick.
func (h *Host) inspectRPC(from peer.ID, rpc *pubsub.RPC) error {
	for _, m := range rpc.GetPublish() {
		limit := 0
		switch m.GetTopic() {
		case h.topicBlock:
			limit = h.cfg.MaxBlockMessageSize
		case h.topicTx:
			limit = h.cfg.MaxTxMessageSize
		default:
			continue
		}
		if len(m.GetData()) > limit {
			h.metrics.oversized.Add(1)
			select {
			case h.penalties <- penalty{peer: from, reason: "oversized message", topic: m.GetTopic(), strike: true}:
			default:
			}
			return fmt.Errorf("%w: %d bytes on %s", ErrTooLarge, len(m.GetData()), m.GetTopic())
		}
	}
	return nil
}

// readBlocks hands validated blocks to the Handler until ctx is done.
func (h *Host) readBlocks(ctx context.Context, sub *pubsub.Subscription) {
	for {
		m, err := sub.Next(ctx)
		if err != nil {
			return
		}
		if m.ReceivedFrom == h.host.ID() {
			continue
		}
		if !h.enter() {
			return
		}
		h.handler.HandleBlock(PeerID(m.ReceivedFrom), m.Data)
		h.exit()
	}
}

// readTxs hands validated TX batches to the Handler until ctx is done.
func (h *Host) readTxs(ctx context.Context, sub *pubsub.Subscription) {
	for {
		m, err := sub.Next(ctx)
		if err != nil {
			return
		}
		txs, ok := m.ValidatorData.([][]byte)
		if m.ReceivedFrom == h.host.ID() || !ok {
			continue
		}
		if !h.enter() {
			return
		}
		h.handler.HandleTxs(PeerID(m.ReceivedFrom), txs)
		h.exit()
	}
}

// watchBlockTopic wakes the re-announcer when a peer joins the BLOCK topic.
func (h *Host) watchBlockTopic(ctx context.Context, ev *pubsub.TopicEventHandler) {
	for {
		e, err := ev.NextPeerEvent(ctx)
		if err != nil {
			return
		}
		if e.Type == pubsub.PeerJoin {
			select {
			case h.kick <- struct{}{}:
			default:
			}
		}
	}
}

// PublishBlock gossips an encoded block at once. If no peer is on the BLOCK
// topic, or a peer's status later shows it behind, the host re-announces
// the head block with exponential backoff (see doc.go).
func (h *Host) PublishBlock(ctx context.Context, block []byte) error {
	if len(block) > h.cfg.MaxBlockMessageSize {
		return fmt.Errorf("%w: block of %d bytes, limit %d", ErrTooLarge, len(block), h.cfg.MaxBlockMessageSize)
	}
	g, err := h.gossip(ctx)
	if err != nil {
		return err
	}
	if err := g.block.Publish(ctx, block); err != nil {
		return fmt.Errorf("p2p: publish block: %w", err)
	}
	h.metrics.blocksPublished.Add(1)
	select {
	case h.kick <- struct{}{}:
	default:
	}
	return nil
}

// PublishTxs gossips encoded transactions, packed in order into TX messages
// of up to Config.TxBatchSize bytes (a bigger transaction travels alone).
// Nothing is sent if any transaction is too big for a TX message.
func (h *Host) PublishTxs(ctx context.Context, txs [][]byte) error {
	for _, tx := range txs {
		if len(tx) == 0 {
			return fmt.Errorf("p2p: publish txs: empty transaction")
		}
		if n := batchSize([][]byte{tx}); n > h.cfg.MaxTxMessageSize {
			return fmt.Errorf("%w: transaction of %d bytes, limit %d", ErrTooLarge, len(tx), h.cfg.MaxTxMessageSize-batchSize(nil)-4)
		}
	}
	g, err := h.gossip(ctx)
	if err != nil {
		return err
	}
	for _, batch := range packBatches(txs, h.cfg.TxBatchSize) {
		if err := g.tx.Publish(ctx, encodeBatch(batch)); err != nil {
			return fmt.Errorf("p2p: publish txs: %w", err)
		}
		h.metrics.txMsgsPublished.Add(1)
	}
	return nil
}

// minLevel passes on the records of at least its level.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(as), m.min}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.min}
}
