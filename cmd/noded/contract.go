package main

// The contract command group and what its subcommands share: contract
// input from flags, the printing of call results and events.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/spf13/cobra"

	"github.com/noded/noded/rpc"
)

func init() { register(newContractCmd) }

func newContractCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Deploy, call and inspect WebAssembly contracts",
		Long: `Deploy WebAssembly contracts and call them with keys from the keystore, run
read-only queries, and read contract code, storage and events from the node
at --rpc.

A contract method takes input bytes and returns bytes: give input as 0x-hex
(--input-hex) or as JSON text (--input-json), which the contract receives as
its UTF-8 bytes. Return data, event data and storage values are printed as
0x-hex and, where they read as such, as text, JSON or a little-endian
uint64.

Transactions (deploy, call) take their chain id from the node, the sender's
next free nonce, and by default a gas limit of the node's estimate plus 20%.`,
		Example: `  noded contract new mycounter && noded contract build mycounter
  noded contract deploy contracts/examples/counter-wat/counter.wasm --from dev0 --init-hex 0x2900000000000000
  noded contract call 0x2adb...96c0 increment --from dev0
  noded contract query 0x2adb...96c0 get
  noded contract storage 0x2adb...96c0 --key-string count
  noded contract events --address 0x2adb...96c0 --topic incremented`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.AddCommand(newContractDeployCmd(), newContractCallCmd(), newContractQueryCmd(),
		newContractCodeCmd(), newContractStorageCmd(), newContractEventsCmd(),
		newContractNewCmd(), newContractBuildCmd())
	return cmd
}

// inputFlags are the two ways of giving a contract's input.
type inputFlags struct {
	hex, json string
}

// add adds --<prefix>-hex and --<prefix>-json.
func (f *inputFlags) add(cmd *cobra.Command, prefix, what string) {
	cmd.Flags().StringVar(&f.hex, prefix+"-hex", "", what+" as 0x-hex bytes")
	cmd.Flags().StringVar(&f.json, prefix+"-json", "", what+" as JSON text, passed to the contract as its bytes")
	cmd.MarkFlagsMutuallyExclusive(prefix+"-hex", prefix+"-json")
}

// bytes returns the input the flags give; none is empty input.
func (f *inputFlags) bytes(prefix string) ([]byte, error) {
	switch {
	case f.hex != "":
		b, err := hexutil.Decode(f.hex)
		if err != nil {
			return nil, fmt.Errorf("--%s-hex: %v (want 0x followed by an even number of hex digits)", prefix, err)
		}
		return b, nil
	case f.json != "":
		if !json.Valid([]byte(f.json)) {
			return nil, fmt.Errorf("--%s-json: not valid JSON", prefix)
		}
		return []byte(f.json), nil
	}
	return nil, nil
}

// printCallResult writes the outcome of a query as text.
func printCallResult(w io.Writer, r *rpc.RPCCallResult) {
	tw := newTable(w)
	if r.Error == "" {
		fmt.Fprintf(tw, "status:\tsuccess\n")
	} else {
		fmt.Fprintf(tw, "status:\tfailed\n")
	}
	fmt.Fprintf(tw, "gas used:\t%d\n", uint64(r.GasUsed))
	fmt.Fprintf(tw, "return data:\t%s%s\n", r.ReturnData, readings(r.ReturnData))
	for _, ev := range r.Events {
		fmt.Fprintf(tw, "event:\t%s %s %s%s\n", ev.Address, ev.Topic, ev.Data, readings(ev.Data))
	}
	if r.Error != "" {
		fmt.Fprintf(tw, "error:\t%s\n", r.Error)
	}
	tw.Flush()
}

// printEventLogs writes events as a table, one a line.
func printEventLogs(w io.Writer, logs []rpc.RPCEventLog) error {
	if len(logs) == 0 {
		_, err := fmt.Fprintln(w, "no events")
		return err
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "BLOCK\tTX\tINDEX\tCONTRACT\tTOPIC\tDATA")
	for _, l := range logs {
		fmt.Fprintf(tw, "%d\t%s\t%d.%d\t%s\t%s\t%s%s\n", uint64(l.BlockNumber), l.TxHash, uint64(l.TxIndex), uint64(l.EventIndex),
			l.Address, l.Topic, l.Data, readings(l.Data))
	}
	return tw.Flush()
}

// refused explains an error answer of the node in one line.
func refused(n *nodeConn, what string, err error) error {
	var re *rpc.Error
	if errors.As(err, &re) {
		return fmt.Errorf("%s: %s", what, oneLine(re.Message))
	}
	return n.explain(err)
}
