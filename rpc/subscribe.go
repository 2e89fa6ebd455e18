package rpc

import (
	"context"
	"sync/atomic"

	gethrpc "github.com/ethereum/go-ethereum/rpc"

	"github.com/noded/noded/types"
)

// Buffers of subscriptions for a slow client: what is pushed past them is
// dropped (and the drop logged), never waited for, so the backend's feeds
// are never blocked by a client.
const (
	headsBuffer  = 128 // heads
	eventsBuffer = 128 // blocks' worth of events
)

// NewHeads subscribes to new head headers (chain_subscribe "newHeads",
// WebSocket only). Each notification is chain_subscription with an RPCBlock
// without transactions. chain_unsubscribe, or closing the connection, ends
// it.
func (c *chainAPI) NewHeads(ctx context.Context) (_ *gethrpc.Subscription, err error) {
	defer c.catch("chain_subscribe", &err)
	return subscribe(c.api, ctx, "newHeads", headsBuffer,
		c.b.SubscribeHeads,
		func(notify func(any) error, h types.Header) error { return notify(NewRPCHeader(&h)) })
}

// subscribe runs a subscription over a backend feed: attach registers a
// push function with the feed (and returns its cancel function); each
// value pushed is queued, up to buffer, and handed in order to send, which
// notifies the client, in a goroutine the server tracks. The subscription
// ends when the client unsubscribes or disconnects, or the server closes.
func subscribe[T any](a *api, ctx context.Context, name string, buffer int,
	attach func(push func(T)) (cancel func()), send func(notify func(any) error, v T) error) (*gethrpc.Subscription, error) {
	notifier, ok := gethrpc.NotifierFromContext(ctx)
	if !ok {
		return nil, gethrpc.ErrNotificationsUnsupported
	}
	queue := make(chan T, buffer)
	var dropped atomic.Uint64
	cancel := attach(func(v T) {
		select {
		case queue <- v:
		default:
			dropped.Add(1)
		}
	})
	if !a.tr.add() {
		cancel()
		return nil, &Error{Code: CodeInternal, Message: "server is closing"}
	}
	sub := notifier.CreateSubscription()
	notify := func(v any) error { return notifier.Notify(sub.ID, v) }
	go func() {
		defer a.tr.done()
		defer cancel()
		for {
			select {
			case v := <-queue:
				if n := dropped.Swap(0); n > 0 {
					a.log.Warn("rpc: subscriber too slow, notifications dropped", "subscription", sub.ID, "name", name, "dropped", n)
				}
				if err := send(notify, v); err != nil {
					return // the connection is closed, and sub.Err with it
				}
			case <-sub.Err():
				return
			}
		}
	}()
	return sub, nil
}
