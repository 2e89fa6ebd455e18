// Package rpc serves noded's JSON-RPC 2.0 API over HTTP and WebSocket on one
// port. The wire format, methods, error codes and limits are specified in
// docs/rpc.md; this package implements that document and nothing else.
//
// The framing (requests, batches, notifications, subscriptions, the standard
// error codes) is go-ethereum's rpc package. This package adds the noded
// methods, which it answers through a Backend that the node implements, the
// mapping of refusal errors to codes, the limits, and the routing of one port
// between POST requests, WebSocket upgrades, GET /health and whatever the node
// mounts with Handle (metrics, pprof).
//
// Order of calls:
//
//	s, err := rpc.NewServer(backend, cfg, log) // cfg zero values take defaults
//	s.Handle("/metrics", metricsHandler)       // optional, before serving
//	err = s.Start()                            // or: go s.Serve(ln)
//	addr := s.Addr()
//	...
//	err = s.Close(ctx)                         // waits for what Start/Serve began
//
// The contract methods (contract_call, tx_estimateGas, state_getCode,
// state_getStorage, chain_getEvents, the "events" subscription, vm_*) are
// served through the ContractBackend part of Backend; their parameters
// (CallArgs, EstimateArgs, EventQueryArgs, EventFilter) decode strictly.
//
// The JSON objects (RPCBlock, RPCTx, RPCReceipt, ...), the BlockNumber
// parameter, the error codes and the Refusal table are exported so that the
// Go client can decode what the server sends and map an error code back to
// the sentinel error it stands for.
package rpc
