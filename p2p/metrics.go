package p2p

import (
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Metrics are a Host's counters since New. The node exports them; tests
// read them to prove nothing was dropped.
type Metrics struct {
	Blocks TopicMetrics // BLOCK messages received from peers and their verdicts
	Txs    TopicMetrics // TX messages (batches)

	BlocksPublished uint64
	TxMsgsPublished uint64
	Reannounces     uint64 // head block re-published by the re-announcer

	// Messages pubsub dropped, by the queue that was full. All should stay
	// zero; if one grows, raise the matching Config queue size.
	DroppedOutbound   uint64 // a peer's outbound queue (PeerQueueSize)
	DroppedValidation uint64 // the validation queue (ValidateQueueSize) or a validator's concurrency limit
	DroppedDelivery   uint64 // a subscription buffer (SubscriptionBuffer)
	Oversized         uint64 // RPCs dropped for a message over its topic's size limit

	Pings, PingFailures uint64
	SyncRequests        uint64 // block range requests sent
	SyncServed          uint64 // block range requests answered with blocks
	Disconnects         uint64 // peers disconnected for misbehaviour or another chain
	ScoreRounds         uint64 // peer score inspections seen (one a second)
}

// TopicMetrics count the messages on one topic and the Handler's verdicts.
type TopicMetrics struct {
	Received, Accepted, Rejected, Ignored uint64
}

type topicCounters struct {
	received, accepted, rejected, ignored atomic.Uint64
}

func (c *topicCounters) count(v Verdict) pubsub.ValidationResult {
	switch v {
	case Accept:
		c.accepted.Add(1)
		return pubsub.ValidationAccept
	case Reject:
		c.rejected.Add(1)
		return pubsub.ValidationReject
	default:
		c.ignored.Add(1)
		return pubsub.ValidationIgnore
	}
}

func (c *topicCounters) snapshot() TopicMetrics {
	return TopicMetrics{c.received.Load(), c.accepted.Load(), c.rejected.Load(), c.ignored.Load()}
}

type metrics struct {
	blocks, txs                                         topicCounters
	blocksPublished, txMsgsPublished, reannounces       atomic.Uint64
	droppedOutbound, droppedValidation, droppedDelivery atomic.Uint64
	oversized                                           atomic.Uint64
	pings, pingFailures, syncRequests, syncServed       atomic.Uint64
	disconnects, scoreRounds                            atomic.Uint64

	meshMu sync.Mutex
	mesh   map[string]map[peer.ID]struct{} // gossip mesh per topic, from Graft and Prune
}

// meshSize returns the number of peers in this host's mesh for topic.
func (m *metrics) meshSize(topic string) int {
	m.meshMu.Lock()
	defer m.meshMu.Unlock()
	return len(m.mesh[topic])
}

// Metrics returns the host's counters.
func (h *Host) Metrics() Metrics {
	m := h.metrics
	return Metrics{
		Blocks:            m.blocks.snapshot(),
		Txs:               m.txs.snapshot(),
		BlocksPublished:   m.blocksPublished.Load(),
		TxMsgsPublished:   m.txMsgsPublished.Load(),
		Reannounces:       m.reannounces.Load(),
		DroppedOutbound:   m.droppedOutbound.Load(),
		DroppedValidation: m.droppedValidation.Load(),
		DroppedDelivery:   m.droppedDelivery.Load(),
		Oversized:         m.oversized.Load(),
		Pings:             m.pings.Load(),
		PingFailures:      m.pingFailures.Load(),
		SyncRequests:      m.syncRequests.Load(),
		SyncServed:        m.syncServed.Load(),
		Disconnects:       m.disconnects.Load(),
		ScoreRounds:       m.scoreRounds.Load(),
	}
}

// tracer is pubsub's RawTracer for one host: it counts dropped messages.
// Pubsub calls it synchronously from its event loop.
type tracer metrics

var _ pubsub.RawTracer = (*tracer)(nil)

func (t *tracer) DropRPC(rpc *pubsub.RPC, p peer.ID) {
	t.droppedOutbound.Add(uint64(len(rpc.GetPublish())))
}

func (t *tracer) RejectMessage(msg *pubsub.Message, reason string) {
	switch reason {
	case pubsub.RejectValidationQueueFull, pubsub.RejectValidationThrottled:
		t.droppedValidation.Add(1)
	}
}

func (t *tracer) UndeliverableMessage(msg *pubsub.Message) { t.droppedDelivery.Add(1) }

func (t *tracer) Graft(p peer.ID, topic string) {
	t.meshMu.Lock()
	defer t.meshMu.Unlock()
	if t.mesh == nil {
		t.mesh = map[string]map[peer.ID]struct{}{}
	}
	if t.mesh[topic] == nil {
		t.mesh[topic] = map[peer.ID]struct{}{}
	}
	t.mesh[topic][p] = struct{}{}
}

func (t *tracer) Prune(p peer.ID, topic string) {
	t.meshMu.Lock()
	defer t.meshMu.Unlock()
	delete(t.mesh[topic], p)
}

// OnClosedOutboundStream: pubsub drops the peer from every mesh.
func (t *tracer) OnClosedOutboundStream(p peer.ID) {
	t.meshMu.Lock()
	defer t.meshMu.Unlock()
	for _, m := range t.mesh {
		delete(m, p)
	}
}

func (t *tracer) OnNewOutboundStream(peer.ID, protocol.ID)             {}
func (t *tracer) Join(string)                                          {}
func (t *tracer) Leave(string)                                         {}
func (t *tracer) ValidateMessage(*pubsub.Message)                      {}
func (t *tracer) DeliverMessage(*pubsub.Message)                       {}
func (t *tracer) DuplicateMessage(*pubsub.Message)                     {}
func (t *tracer) ThrottlePeer(peer.ID)                                 {}
func (t *tracer) RecvRPC(*pubsub.RPC)                                  {}
func (t *tracer) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (t *tracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
