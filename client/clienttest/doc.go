// Package clienttest runs noded's real JSON-RPC server (package rpc) over a
// small in-memory fake chain, for tests of the Go client and of the CLI's
// client commands.
//
// The fake Backend keeps accounts, blocks, receipts and a pool of pending
// transactions in memory. It checks transactions the way a node refuses
// them (signature, chain id, nonce, gas limit, funds, duplicates) and
// returns the same sentinel errors, so a test sees the refusal codes a real
// node would send. Blocks are made only when the test asks (Mine), or after
// every accepted transaction when AutoMine is set; nothing reads the clock.
//
// It runs no contracts: contract_call and the estimates of deploys and
// calls are refused as by a node without a contract engine. It serves the
// code and storage a test sets (SetCode, SetStorage) and the events that
// Options.Events attaches to transfers.
//
//	b := clienttest.NewBackend(clienttest.Options{Funded: []types.Address{addr}})
//	url := clienttest.Serve(t, b)         // http://127.0.0.1:port; ws:// works too
//	c, err := client.Dial(ctx, url)
package clienttest
