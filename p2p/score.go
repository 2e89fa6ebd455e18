package p2p

import (
	"net"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Peer scoring. The numbers are chosen so that reasoning about them is easy:
//
//   - An invalid message (a Reject from the Handler, a bad pubsub signature,
//     or a Penalize) counts 1 on its topic, and the topic adds
//     invalidWeight x count^2 to the score: -50, -200, -450 for 1, 2, 3.
//     The count decays to nothing over an hour.
//   - Good behaviour adds at most topicScoreCap (+20): a little for time in
//     the mesh (P1) and for first deliveries (P2).
//   - Thresholds: below 0 a peer leaves the mesh; below gossipThreshold
//     (-100) no gossip is exchanged with it; below publishThreshold (-200)
//     nothing is published to it; below graylistThreshold (-400) its RPCs
//     are ignored, and the host disconnects it and refuses it for banTime.
//
// So a peer that sends three invalid messages on a topic, after earning
// little, is graylisted and disconnected; one that sends four is
// disconnected however well it behaved before. Ignore never counts.
//
// Mesh delivery rate penalties (P3, P3b) are off: blocks come one per slot,
// and a quiet topic must not make honest peers look bad. IP colocation (P6)
// counts only beyond 10 peers on one address, and never on loopback, where
// a devnet's nodes share 127.0.0.1.
const (
	invalidWeight     = -50
	topicScoreCap     = 20
	gossipThreshold   = -100
	publishThreshold  = -200
	graylistThreshold = -400

	scoreInspectPeriod = time.Second
)

func topicScore() *pubsub.TopicScoreParams {
	return &pubsub.TopicScoreParams{
		TopicWeight: 1,

		TimeInMeshWeight:  0.01, // +1 after 100 s in the mesh
		TimeInMeshQuantum: time.Second,
		TimeInMeshCap:     100,

		FirstMessageDeliveriesWeight: 0.5,
		FirstMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(10 * time.Minute),
		FirstMessageDeliveriesCap:    20,

		InvalidMessageDeliveriesWeight: invalidWeight,
		InvalidMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(time.Hour),
	}
}

func scoreParams(topics ...string) *pubsub.PeerScoreParams {
	p := &pubsub.PeerScoreParams{
		Topics:            map[string]*pubsub.TopicScoreParams{},
		TopicScoreCap:     topicScoreCap,
		AppSpecificScore:  func(peer.ID) float64 { return 0 },
		AppSpecificWeight: 1,

		IPColocationFactorWeight:    -5,
		IPColocationFactorThreshold: 10,
		IPColocationFactorWhitelist: []*net.IPNet{
			{IP: net.IPv4(127, 0, 0, 0), Mask: net.CIDRMask(8, 32)},
			{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
		},

		// Broken gossip promises and too-early re-grafts.
		BehaviourPenaltyWeight:    -10,
		BehaviourPenaltyThreshold: 6,
		BehaviourPenaltyDecay:     pubsub.ScoreParameterDecay(10 * time.Minute),

		DecayInterval: pubsub.DefaultDecayInterval,
		DecayToZero:   pubsub.DefaultDecayToZero,
		RetainScore:   banTime,
	}
	for _, t := range topics {
		p.Topics[t] = topicScore()
	}
	return p
}

func scoreThresholds() *pubsub.PeerScoreThresholds {
	return &pubsub.PeerScoreThresholds{
		GossipThreshold:             gossipThreshold,
		PublishThreshold:            publishThreshold,
		GraylistThreshold:           graylistThreshold,
		AcceptPXThreshold:           100, // peer exchange is off anyway
		OpportunisticGraftThreshold: 1,
	}
}

// inspectScores receives every peer's score once a second from pubsub (in
// a goroutine of its own, possibly after Run has returned). If the manager
// has not taken the last one yet, this one is dropped.
func (h *Host) inspectScores(scores map[peer.ID]float64) {
	select {
	case h.scores <- scores:
	default:
	}
}
