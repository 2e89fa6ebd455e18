// Package loadgen is the engine of "noded bench load": a load generator
// that measures what a user of a node sees when it is busy.
//
// Run takes a Config and goes through these phases, in order:
//
//  1. connect: dial every node URL, check that they serve one chain, and
//     read each node's resident memory at idle from its /metrics;
//  2. fund: derive Config.Accounts fresh keys and fund them from
//     Config.Funder with transfers sent in JSON-RPC batches (so a dev
//     node includes them in as few blocks as it can), deploying the
//     workload's contract in the same batches; wait until every node has
//     them;
//  3. sign: sign the run's transactions ahead of time on every core, so
//     that signing does not compete with the node during the run;
//  4. send: workers send tx_send calls (one per HTTP request, or batches
//     of Config.Batch) at Config.Rate transactions per second (open loop:
//     a schedule fixes when each request is due, and latency counts from
//     that time, so a slow node cannot hide its queueing by slowing the
//     generator down) or, with Config.Max, as fast as the nodes answer.
//     Each account belongs to one worker, which sends its nonces in order
//     to one node; accounts spread over the workers and the workers over
//     the URLs;
//  5. drain: wait up to Config.Drain for what was accepted to be included.
//
// Inclusion is seen on the first URL: a WebSocket subscription to newHeads,
// and for each new block its transaction hashes (chain_getBlockByNumber),
// which is far cheaper for the node than asking for receipts; without
// WebSocket it polls the head. The confirmation latency of a transaction
// runs from its submission (its scheduled time in rate mode) to the arrival
// of the head that includes it. Latencies are kept as exact samples, so the
// percentiles are exact.
//
// While it runs, a progress line a second goes to Config.Progress. Run
// returns a Report, which encodes as JSON (the --out file of the CLI) and
// prints as text (WriteText).
package loadgen
