package rpc

import (
	"context"
	"fmt"

	gethrpc "github.com/ethereum/go-ethereum/rpc"
)

// Bounds of chain_getEvents: the blocks one call scans and the events it
// returns.
const (
	MaxEventBlocks  = 10_000
	MaxEventResults = 10_000
)

// GetEvents returns the events of a range of blocks, optionally only
// those of one contract or one topic (chain_getEvents). The range is cut
// at the head; it may span at most MaxEventBlocks blocks.
func (c *chainAPI) GetEvents(ctx context.Context, q EventQueryArgs) (_ []*RPCEventLog, err error) {
	defer c.catch("chain_getEvents", &err)
	from, to := c.height(q.FromBlock), c.height(q.ToBlock)
	if from > to {
		return nil, invalidParams(fmt.Sprintf("chain_getEvents: fromBlock %d is above toBlock %d", from, to))
	}
	out := []*RPCEventLog{}
	head := c.b.Head().Height
	if from > head {
		return out, nil
	}
	to = min(to, head)
	if n := to - from + 1; n > MaxEventBlocks {
		return nil, invalidParams(fmt.Sprintf("chain_getEvents: blocks %d to %d are %d blocks, at most %d per call; split the range",
			from, to, n, MaxEventBlocks))
	}
	logs, err := c.b.Events(ctx, EventQuery{From: from, To: to, Filter: q.Filter(), Limit: MaxEventResults})
	if err != nil {
		return nil, c.fail("chain_getEvents", err)
	}
	if len(logs) > MaxEventResults {
		return nil, invalidParams(fmt.Sprintf("chain_getEvents: more than %d events in blocks %d to %d; narrow the range or filter",
			MaxEventResults, from, to))
	}
	for i := range logs {
		out = append(out, NewRPCEventLog(&logs[i]))
	}
	return out, nil
}

// Events subscribes to the events of new blocks that pass the filter
// (chain_subscribe "events", WebSocket only). Each event is one
// chain_subscription notification carrying an RPCEventLog, in chain order.
func (c *chainAPI) Events(ctx context.Context, filter *EventFilter) (_ *gethrpc.Subscription, err error) {
	defer c.catch("chain_subscribe", &err)
	var f EventFilter
	if filter != nil {
		f = *filter
	}
	attach := func(push func([]EventLog)) func() {
		return c.b.SubscribeEvents(func(logs []EventLog) {
			var match []EventLog
			for i := range logs {
				if f.Match(&logs[i].Event) {
					match = append(match, logs[i])
				}
			}
			if len(match) > 0 {
				push(match)
			}
		})
	}
	return subscribe(c.api, ctx, "events", eventsBuffer, attach,
		func(notify func(any) error, logs []EventLog) error {
			for i := range logs {
				if err := notify(NewRPCEventLog(&logs[i])); err != nil {
					return err
				}
			}
			return nil
		})
}
