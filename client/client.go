package client

import (
	"context"
	"fmt"
	"net/url"

	gethrpc "github.com/ethereum/go-ethereum/rpc"
)

// Client talks to one node. It is safe for concurrent use.
type Client struct {
	c   *gethrpc.Client
	url string
}

// Dial connects to the node at rawURL: http:// or https:// for HTTP,
// ws:// or wss:// for WebSocket (which subscriptions need). HTTP does not
// connect until the first call, so a node that is down shows up then.
func Dial(ctx context.Context, rawURL string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: node URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return nil, fmt.Errorf("client: node URL %q: scheme must be http, https, ws or wss", rawURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: node URL %q has no host", rawURL)
	}
	c, err := gethrpc.DialContext(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", rawURL, err)
	}
	return &Client{c: c, url: rawURL}, nil
}

// URL returns the node URL the client was dialled with.
func (c *Client) URL() string { return c.url }

// Close closes the connection. Calls in flight return errors, and
// subscriptions end.
func (c *Client) Close() { c.c.Close() }

// Call calls any method: result must be a pointer to what the result
// decodes into, or nil. Errors are converted as by the typed methods.
func (c *Client) Call(ctx context.Context, result any, method string, args ...any) error {
	return convertError(c.c.CallContext(ctx, result, method, args...))
}

// lookup calls a method whose result is an object or null; null is
// ErrNotFound.
func lookup[T any](ctx context.Context, c *Client, what string, method string, args ...any) (*T, error) {
	var v *T
	if err := c.Call(ctx, &v, method, args...); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return v, nil
}
