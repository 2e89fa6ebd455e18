package main

// The contract commands that read and commit nothing: query, code,
// storage, events.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/spf13/cobra"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/crypto"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// queryOutput is the --json form of a query.
type queryOutput struct {
	Contract types.Address `json:"contract"`
	Method   string        `json:"method"`
	*rpc.RPCCallResult
}

func newContractQueryCmd() *cobra.Command {
	var (
		input       inputFlags
		from, block string
		value, gas  string
		asJSON      bool
	)
	cmd := &cobra.Command{
		Use:   "query ADDR METHOD",
		Short: "Run a contract method without a transaction",
		Long: `Run METHOD of the contract at ADDR against the node's state (contract_call) and
print its return data, gas used and events. Nothing is committed and no
key is needed; changes the method makes are discarded. Exits non-zero,
with the reason, if the call fails (a revert, out of gas, no such
method). --from sets the caller the contract sees (default the zero
address), --block runs it against the state after an earlier block.`,
		Example: `  noded contract query 0x2adb...96c0 get
  noded contract query 0x2adb...96c0 balance_of --input-json '{"owner":"0x5b1f...c3"}' --json
  noded contract query 0x2adb...96c0 get --block 12 --from alice`,
		Args: exactArgs(2, "ADDR and METHOD"),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := resolveAddress("contract", args[0])
			if err != nil {
				return err
			}
			in, err := input.bytes("input")
			if err != nil {
				return err
			}
			at, err := parseBlock("--block", block)
			if err != nil {
				return err
			}
			ca := rpc.CallArgs{To: to, Method: args[1], Input: in}
			if from != "" {
				a, err := resolveAddress("--from", from)
				if err != nil {
					return err
				}
				ca.From = &a
			}
			if value != "" {
				v, err := parseAmount("--value", value)
				if err != nil {
					return err
				}
				hv := hexutil.U256(v)
				ca.Value = &hv
			}
			if gas != "" {
				g, err := parseUint("--gas", gas)
				if err != nil {
					return err
				}
				hg := hexutil.Uint64(g)
				ca.Gas = &hg
			}
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			r, err := n.ContractCall(ctx, ca, at)
			if err != nil {
				return refused(n, "the node refused the query", err)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if err := printJSON(w, queryOutput{Contract: to, Method: ca.Method, RPCCallResult: r}); err != nil {
					return err
				}
			} else {
				printCallResult(w, r)
			}
			if r.Error != "" {
				return fmt.Errorf("query %s of %s failed: %s", ca.Method, to, oneLine(r.Error))
			}
			return nil
		},
	}
	input.add(cmd, "input", "the method's input")
	cmd.Flags().StringVar(&from, "from", "", "the caller the contract sees: an 0x address or a key name (default the zero address)")
	cmd.Flags().StringVar(&block, "block", "latest", "run against the state after this block: a height, or latest, finalized or earliest")
	cmd.Flags().StringVar(&value, "value", "", "amount the caller moves to the contract for the call, in base units")
	cmd.Flags().StringVar(&gas, "gas", "", fmt.Sprintf("gas the call may use (default and at most %d)", chain.MaxTxGas))
	addJSONFlag(cmd, &asJSON)
	return cmd
}

// codeOutput is the --json form of a contract's code.
type codeOutput struct {
	Address  types.Address `json:"address"`
	Size     int           `json:"size"`
	CodeHash types.Hash    `json:"codeHash"`
	Code     hexutil.Bytes `json:"code"`
}

func newContractCodeCmd() *cobra.Command {
	var (
		block, out string
		asJSON     bool
	)
	cmd := &cobra.Command{
		Use:   "code ADDR",
		Short: "Print a contract's code",
		Long: `Print the WebAssembly code of the contract at ADDR as 0x-hex, or write it to a
file with --out. Exits non-zero if there is no contract at ADDR.`,
		Example: `  noded contract code 0x2adb...96c0
  noded contract code 0x2adb...96c0 --out counter.wasm
  noded contract code 0x2adb...96c0 --json`,
		Args: exactArgs(1, "ADDR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress("contract", args[0])
			if err != nil {
				return err
			}
			at, err := parseBlock("--block", block)
			if err != nil {
				return err
			}
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			code, err := n.Code(ctx, addr, at)
			if err != nil {
				return refused(n, "reading the code", err)
			}
			if code == nil {
				return fmt.Errorf("no contract at %s (block %s)", addr, block)
			}
			w := cmd.OutOrStdout()
			switch {
			case out != "":
				if err := os.WriteFile(out, code, 0o644); err != nil {
					return err
				}
				_, err = fmt.Fprintf(w, "wrote %d bytes to %s\n", len(code), out)
				return err
			case asJSON:
				return printJSON(w, codeOutput{Address: addr, Size: len(code), CodeHash: types.Hash(crypto.Sum256(code)), Code: code})
			}
			_, err = fmt.Fprintln(w, hexutil.Encode(code))
			return err
		},
	}
	cmd.Flags().StringVar(&block, "block", "latest", "block height, or latest, finalized or earliest")
	cmd.Flags().StringVar(&out, "out", "", "write the code, as binary, to this file")
	addJSONFlag(cmd, &asJSON)
	return cmd
}

// storageOutput is the --json form of a storage value.
type storageOutput struct {
	Address types.Address  `json:"address"`
	Key     hexutil.Bytes  `json:"key"`
	Value   *hexutil.Bytes `json:"value"` // null when absent
}

func newContractStorageCmd() *cobra.Command {
	var (
		keyString, block string
		asJSON           bool
	)
	cmd := &cobra.Command{
		Use:   "storage ADDR [KEY]",
		Short: "Print a value of a contract's storage",
		Long: `Print the value at KEY in the storage of the contract at ADDR. KEY is 0x-hex,
or give it as text with --key-string. A key without a value prints
"value: none" (null with --json); that is not an error.`,
		Example: `  noded contract storage 0x2adb...96c0 --key-string count
  noded contract storage 0x2adb...96c0 0x636f756e74 --json
  noded contract storage 0x2adb...96c0 --key-string count --block 3`,
		Args: func(cmd *cobra.Command, args []string) error {
			if keyString != "" {
				return exactArgs(1, "ADDR (the key is --key-string)")(cmd, args)
			}
			return exactArgs(2, "ADDR and KEY (or --key-string)")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress("contract", args[0])
			if err != nil {
				return err
			}
			key := []byte(keyString)
			if keyString == "" {
				if key, err = hexutil.Decode(args[1]); err != nil {
					return fmt.Errorf("KEY: %v (give 0x-hex, or the key as text with --key-string)", err)
				}
			}
			if len(key) > chain.MaxStorageKeyLen {
				return fmt.Errorf("the key is %d bytes; at most %d", len(key), chain.MaxStorageKeyLen)
			}
			at, err := parseBlock("--block", block)
			if err != nil {
				return err
			}
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			v, err := n.Storage(ctx, addr, key, at)
			if err != nil {
				return refused(n, "reading the storage", err)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				o := storageOutput{Address: addr, Key: key}
				if v != nil {
					hv := hexutil.Bytes(v)
					o.Value = &hv
				}
				return printJSON(w, o)
			}
			tw := newTable(w)
			fmt.Fprintf(tw, "key:\t%s%s\n", hexutil.Bytes(key), readings(key))
			if v == nil {
				fmt.Fprintf(tw, "value:\tnone\n")
			} else {
				fmt.Fprintf(tw, "value:\t%s%s\n", hexutil.Bytes(v), readings(v))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&keyString, "key-string", "", "the key as text (its UTF-8 bytes), instead of KEY")
	cmd.Flags().StringVar(&block, "block", "latest", "block height, or latest, finalized or earliest")
	addJSONFlag(cmd, &asJSON)
	return cmd
}

func newContractEventsCmd() *cobra.Command {
	var (
		fromBlock, toBlock, address, topic string
		asJSON, follow                     bool
	)
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List the events contracts emitted",
		Long: fmt.Sprintf(`List the events of a range of blocks (chain_getEvents), optionally only those
of one contract (--address) or one topic (--topic). The range defaults to
the last %d blocks up to --to-block (default latest); the node answers at
most %d blocks and %d events per call.

With --follow it prints, instead, the events of new blocks as they arrive
(over a WebSocket connection to the --rpc port), until Ctrl-C; with --json,
one JSON object a line.`, rpc.MaxEventBlocks, rpc.MaxEventBlocks, rpc.MaxEventResults),
		Example: `  noded contract events
  noded contract events --address 0x2adb...96c0 --topic incremented
  noded contract events --from-block 0 --to-block 500 --json
  noded contract events --follow --address 0x2adb...96c0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q := rpc.EventQueryArgs{}
			var err error
			if q.ToBlock, err = parseBlock("--to-block", toBlock); err != nil {
				return err
			}
			if fromBlock != "" {
				if q.FromBlock, err = parseBlock("--from-block", fromBlock); err != nil {
					return err
				}
			}
			if address != "" {
				a, err := resolveAddress("--address", address)
				if err != nil {
					return err
				}
				q.Address = &a
			}
			if cmd.Flags().Changed("topic") {
				q.Topic = &topic
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			if follow {
				if cmd.Flags().Changed("from-block") || cmd.Flags().Changed("to-block") {
					return errors.New("--follow prints the events of new blocks: it takes no --from-block or --to-block")
				}
				return followEvents(cmd, ctx, rpc.EventFilter{Address: q.Address, Topic: q.Topic}, asJSON)
			}
			n, err := dialNode(ctx)
			if err != nil {
				return err
			}
			defer n.Close()
			if fromBlock == "" {
				// The last MaxEventBlocks blocks up to --to-block.
				to := uint64(q.ToBlock)
				if q.ToBlock < 0 {
					blk, err := n.BlockByNumber(ctx, q.ToBlock, false)
					if errors.Is(err, rpc.ErrNotFound) {
						return fmt.Errorf("--to-block %s: no such block", toBlock)
					}
					if err != nil {
						return n.explain(err)
					}
					to = uint64(blk.Number)
				}
				q.FromBlock = rpc.BlockAt(to - min(to, rpc.MaxEventBlocks-1))
			}
			logs, err := n.Events(ctx, q)
			if err != nil {
				return refused(n, "the node refused the query", err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), logs)
			}
			return printEventLogs(cmd.OutOrStdout(), logs)
		},
	}
	cmd.Flags().StringVar(&fromBlock, "from-block", "", fmt.Sprintf("first block (default: %d blocks before --to-block)", rpc.MaxEventBlocks-1))
	cmd.Flags().StringVar(&toBlock, "to-block", "latest", "last block: a height, or latest, finalized or earliest")
	cmd.Flags().StringVar(&address, "address", "", "only events of this contract")
	cmd.Flags().StringVar(&topic, "topic", "", "only events with this topic")
	cmd.Flags().BoolVar(&follow, "follow", false, "print the events of new blocks as they arrive, until Ctrl-C")
	addJSONFlag(cmd, &asJSON)
	return cmd
}

// followEvents prints the events of new blocks that pass f until ctx is
// done (Ctrl-C), which is not an error.
func followEvents(cmd *cobra.Command, ctx context.Context, f rpc.EventFilter, asJSON bool) error {
	url := nodeURL()
	if rest, ok := strings.CutPrefix(url, "http"); ok {
		url = "ws" + rest // http://h:p -> ws://h:p, https -> wss
	}
	c, err := client.Dial(ctx, url)
	if err != nil {
		return fmt.Errorf("--rpc: %w", err)
	}
	defer c.Close()
	n := &nodeConn{c}
	evs := make(chan *rpc.RPCEventLog, 256)
	sub, err := c.SubscribeEvents(ctx, f, evs)
	if err != nil {
		return refused(n, "subscribing to events", err)
	}
	defer sub.Unsubscribe()
	fmt.Fprintln(cmd.ErrOrStderr(), "waiting for the events of new blocks (Ctrl-C stops)")
	w := cmd.OutOrStdout()
	for {
		select {
		case ev := <-evs:
			if asJSON {
				b, err := json.Marshal(ev)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%s\n", b)
			} else {
				fmt.Fprintf(w, "block %d  tx %s  %d.%d  %s  %s  %s%s\n", uint64(ev.BlockNumber), ev.TxHash, uint64(ev.TxIndex),
					uint64(ev.EventIndex), ev.Address, ev.Topic, ev.Data, readings(ev.Data))
			}
		case err := <-sub.Err():
			if ctx.Err() != nil {
				return nil
			}
			return n.explain(fmt.Errorf("the event subscription ended: %w", err))
		case <-ctx.Done():
			return nil
		}
	}
}
