package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/noded/noded/types"
)

// wsClient is a raw WebSocket JSON-RPC client.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

func dialWS(t testing.TB, s *Server) *wsClient {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+s.Addr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t: t, conn: conn}
}

func (c *wsClient) send(id int, method string, params ...any) {
	c.t.Helper()
	if params == nil {
		params = []any{}
	}
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		c.t.Fatal(err)
	}
}

// wsMessage is a response or a notification.
type wsMessage struct {
	response
	Method string `json:"method"`
	Params struct {
		Subscription string          `json:"subscription"`
		Result       json.RawMessage `json:"result"`
	} `json:"params"`
}

// next reads the next message, waiting at most 10 s.
func (c *wsClient) next() wsMessage {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := c.conn.ReadMessage()
	if err != nil {
		c.t.Fatal(err)
	}
	var m wsMessage
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("%s: %v", b, err)
	}
	return m
}

// wait receives from ch or fails after 10 s.
func wait[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestWebSocketCalls(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	c := dialWS(t, s)
	c.send(1, "chain_id")
	if m := c.next(); string(m.ID) != "1" || string(m.Result) != `"noded-test"` {
		t.Errorf("chain_id over ws: %+v", m)
	}
	c.send(2, "dev_mine", "0x0")
	if m := c.next(); m.Error == nil || m.Error.Code != CodeInvalidParams {
		t.Errorf("bad params over ws: %+v", m)
	}
}

func TestNewHeadsSubscription(t *testing.T) {
	f := newFake()
	f.subscribe, f.unsubbed = make(chan int, 1), make(chan int, 1)
	s := startServer(t, f, Config{})
	c := dialWS(t, s)

	c.send(1, "chain_subscribe", "newHeads")
	m := c.next()
	var subID string
	if m.Error != nil || json.Unmarshal(m.Result, &subID) != nil || subID == "" {
		t.Fatalf("subscribe: %+v", m)
	}
	wait(t, f.subscribe, "SubscribeHeads")

	heads := []types.Header{f.blocks[1].Header, f.blocks[2].Header}
	for _, h := range heads {
		f.pushHead(h)
	}
	for _, h := range heads {
		n := c.next()
		if n.Method != "chain_subscription" || n.Params.Subscription != subID {
			t.Fatalf("notification %+v", n)
		}
		want, _ := json.Marshal(NewRPCHeader(&h))
		jsonEqual(t, fmt.Sprintf("head %d", h.Height), n.Params.Result, string(want))
		if strings.Contains(string(n.Params.Result), "transactions") {
			t.Errorf("header carries transactions: %s", n.Params.Result)
		}
		got := decode[RPCBlock](t, n.Params.Result)
		if got.Hash != h.Hash() || got.Transactions != nil {
			t.Errorf("decoded header %+v", got)
		}
	}

	c.send(2, "chain_unsubscribe", subID)
	if m := c.next(); string(m.ID) != "2" || string(m.Result) != "true" {
		t.Fatalf("unsubscribe: %+v", m)
	}
	wait(t, f.unsubbed, "the backend subscription to be cancelled")
	if n := f.subCount(); n != 0 {
		t.Fatalf("%d backend subscriptions left", n)
	}
	f.pushHead(f.blocks[2].Header)
	// Nothing more is sent for the subscription: the next message is the
	// answer to the next call.
	c.send(3, "chain_blockNumber")
	if m := c.next(); string(m.ID) != "3" || m.Method != "" {
		t.Errorf("after unsubscribe: %+v", m)
	}
	c.send(4, "chain_unsubscribe", subID)
	if m := c.next(); m.Error == nil {
		t.Errorf("second unsubscribe: %+v", m)
	}
	c.send(5, "chain_subscribe", "pendingTxs")
	if m := c.next(); m.Error == nil || m.Error.Code != CodeMethodNotFound {
		t.Errorf("unknown subscription: %+v", m)
	}
}

// Closing the connection, or the server, ends the subscriptions.
func TestSubscriptionEndsWithConnection(t *testing.T) {
	f := newFake()
	f.subscribe, f.unsubbed = make(chan int, 2), make(chan int, 2)
	s := startServer(t, f, Config{})

	c := dialWS(t, s)
	c.send(1, "chain_subscribe", "newHeads")
	if m := c.next(); m.Error != nil {
		t.Fatal(m.Error.Message)
	}
	wait(t, f.subscribe, "SubscribeHeads")
	c.conn.Close()
	wait(t, f.unsubbed, "the subscription to end with its connection")

	c2 := dialWS(t, s)
	c2.send(1, "chain_subscribe", "newHeads")
	if m := c2.next(); m.Error != nil {
		t.Fatal(m.Error.Message)
	}
	wait(t, f.subscribe, "SubscribeHeads")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Close waited for the subscription's goroutine, which cancels it.
	select {
	case <-f.unsubbed:
	default:
		t.Fatal("Close returned before the subscription ended")
	}
	if f.subCount() != 0 {
		t.Fatal("backend subscription left after Close")
	}
	c2.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := c2.conn.ReadMessage(); err == nil {
		t.Error("connection open after Close")
	}
}

func TestWebSocketReadLimit(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{WSReadLimit: 1024})
	c := dialWS(t, s)
	c.send(1, "tx_send", "0x"+strings.Repeat("00", 600))
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, b, err := c.conn.ReadMessage(); err == nil {
		t.Errorf("message over the limit answered: %s", b)
	}
	c2 := dialWS(t, s)
	c2.send(1, "chain_id")
	if m := c2.next(); string(m.Result) != `"noded-test"` {
		t.Errorf("after an oversized message: %+v", m)
	}
}

func TestWebSocketOrigins(t *testing.T) {
	f := newFake()
	s := startServer(t, f, Config{})
	url := "ws://" + s.Addr().String() + "/"
	for origin, ok := range map[string]bool{"http://localhost": true, "http://evil.example": false} {
		conn, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {origin}})
		if ok != (err == nil) {
			t.Errorf("origin %s: err %v", origin, err)
		}
		if err == nil {
			conn.Close()
		} else if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %s: response %v", origin, resp)
		}
	}
}
