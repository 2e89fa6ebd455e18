// Package client is a typed Go client for a noded node's JSON-RPC API
// (docs/rpc.md), over HTTP or WebSocket. The noded CLI uses it, and so can
// any Go program.
//
// Order of calls:
//
//	c, err := client.Dial(ctx, "http://127.0.0.1:8545") // or ws://
//	defer c.Close()
//	chainID, err := c.ChainID(ctx)
//	nonce, err := c.NextNonce(ctx, sender)
//	tx := client.NewTransfer(chainID, nonce, to, amount, 1)
//	tx.Sign(key)
//	res, err := c.SendTx(ctx, tx)
//	rcpt, err := c.WaitReceipt(ctx, res.Hash, time.Second)
//
// Contracts: NewDeploy and NewCall build the transactions (the deploy's
// address is types.ContractAddress(sender, nonce)); EstimateGas with
// EstimateArgsOf(tx) gives the gas limit they need; ContractCall runs a
// read-only call; Code, Storage, Events and SubscribeEvents read what
// contracts keep and emit; GasSchedule and VMInfo describe the VM.
//
// Results are the JSON objects of package rpc (rpc.RPCBlock, rpc.RPCTx,
// rpc.RPCReceipt, ...), which decode exactly what the server sends and
// encode back to the same JSON.
//
// Errors. A lookup that finds nothing (the server answers null) returns an
// error matching ErrNotFound. An error answer from the node is an
// *rpc.Error carrying the code, the server's message and the reason; for
// the refusal codes it unwraps to the sentinel the server mapped from, so
//
//	if errors.Is(err, chain.ErrNonceTooLow) { ... }
//
// works on the client as it does in the node. Transport failures (node
// down, HTTP status errors) are returned as they are.
package client
