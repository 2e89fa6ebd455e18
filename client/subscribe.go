package client

import (
	"context"

	"github.com/noded/noded/rpc"
)

// Subscription is a running subscription. Err delivers the error that
// ended it (nil after Unsubscribe) and is closed then; Unsubscribe ends it
// and may be called more than once.
type Subscription interface {
	Unsubscribe()
	Err() <-chan error
}

// SubscribeNewHeads delivers the header (an rpc.RPCBlock without
// transactions) of every new head block to ch until the subscription ends
// (chain_subscribe "newHeads"). It needs a WebSocket connection (a ws://
// URL); over HTTP it fails with an error matching
// go-ethereum's rpc.ErrNotificationsUnsupported. The client buffers
// notifications if ch is slow, up to a limit past which it drops the
// connection; read ch promptly.
func (c *Client) SubscribeNewHeads(ctx context.Context, ch chan<- *rpc.RPCBlock) (Subscription, error) {
	sub, err := c.c.Subscribe(ctx, "chain", ch, "newHeads")
	if err != nil {
		return nil, convertError(err)
	}
	return sub, nil
}
