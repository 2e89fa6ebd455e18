package rpc

import (
	"context"
	"sync/atomic"

	gethrpc "github.com/ethereum/go-ethereum/rpc"

	"github.com/noded/noded/types"
)

// headsBuffer is how many heads a subscription holds for a slow client;
// heads past it are dropped (and the drop logged), never waited for, so
// the backend's head feed is never blocked by a client.
const headsBuffer = 128

// NewHeads subscribes to new head headers (chain_subscribe "newHeads",
// WebSocket only). Each notification is chain_subscription with an RPCBlock
// without transactions. chain_unsubscribe, or closing the connection, ends
// it.
func (c *chainAPI) NewHeads(ctx context.Context) (_ *gethrpc.Subscription, err error) {
	defer c.catch("chain_subscribe", &err)
	notifier, ok := gethrpc.NotifierFromContext(ctx)
	if !ok {
		return nil, gethrpc.ErrNotificationsUnsupported
	}
	heads := make(chan types.Header, headsBuffer)
	var dropped atomic.Uint64
	cancel := c.b.SubscribeHeads(func(h types.Header) {
		select {
		case heads <- h:
		default:
			dropped.Add(1)
		}
	})
	if !c.tr.add() {
		cancel()
		return nil, &Error{Code: CodeInternal, Message: "server is closing"}
	}
	sub := notifier.CreateSubscription()
	go func() {
		defer c.tr.done()
		defer cancel()
		for {
			select {
			case h := <-heads:
				if n := dropped.Swap(0); n > 0 {
					c.log.Warn("rpc: newHeads subscriber too slow, heads dropped", "subscription", sub.ID, "dropped", n)
				}
				if err := notifier.Notify(sub.ID, NewRPCHeader(&h)); err != nil {
					return // the connection is closed, and sub.Err with it
				}
			case <-sub.Err():
				return
			}
		}
	}()
	return sub, nil
}
