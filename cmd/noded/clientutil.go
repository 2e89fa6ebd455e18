package main

// Helpers shared by the client commands (keys, tx, account, status, block,
// contract): the keystore, the connection to the node, parsing arguments and
// printing.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/spf13/cobra"

	"github.com/noded/noded/client"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// openKeystore opens <home>/keystore, creating it if missing.
func openKeystore() (*keystore.Store, error) {
	return keystore.Open(keystore.Dir(global.home))
}

// nodeURL returns --rpc as a URL: HOST:PORT means http://HOST:PORT.
func nodeURL() string {
	if strings.Contains(global.rpc, "://") {
		return global.rpc
	}
	return "http://" + global.rpc
}

// nodeConn is a connection to the node at --rpc that explains failures to
// reach it.
type nodeConn struct {
	*client.Client
}

// dialNode connects to the node at --rpc. Close it when done.
func dialNode(ctx context.Context) (*nodeConn, error) {
	c, err := client.Dial(ctx, nodeURL())
	if err != nil {
		return nil, fmt.Errorf("--rpc: %w", err)
	}
	return &nodeConn{c}, nil
}

// explain adds a hint to errors that mean the node is not there.
func (n *nodeConn) explain(err error) error {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) {
		return fmt.Errorf("cannot reach the node at %s (is it running? see --rpc): %w", n.URL(), err)
	}
	return err
}

// exactArgs is cobra.ExactArgs with a reason that names the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s: want %s, got %d arguments (see --help)", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

// runGroup runs a command that only groups subcommands: without
// arguments it prints its help; with an unknown subcommand it fails.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return fmt.Errorf("unknown command %q for %q (see %s --help)", args[0], cmd.CommandPath(), cmd.CommandPath())
}

// parseUint parses a decimal or 0x-hex 64-bit number.
func parseUint(what, s string) (uint64, error) {
	var (
		v   uint64
		err error
	)
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		v, err = strconv.ParseUint(h, 16, 64)
	} else {
		v, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a decimal or 0x-hex number", what, s)
	}
	return v, nil
}

// parseAmount parses a decimal or 0x-hex amount of base units.
func parseAmount(what, s string) (types.Amount, error) {
	a, err := types.ParseAmount(s)
	if err != nil {
		return a, fmt.Errorf("%s: %q is not a decimal or 0x-hex amount", what, s)
	}
	return a, nil
}

// resolveAddress reads an 0x address, or the name of a key in the
// keystore.
func resolveAddress(what, s string) (types.Address, error) {
	a, perr := types.ParseAddress(s)
	if perr == nil {
		return a, nil
	}
	if keystore.ValidName(s) == nil {
		ks, err := openKeystore()
		if err != nil {
			return a, err
		}
		k, err := ks.Get(s)
		if err == nil {
			return k.Address, nil
		}
		if !errors.Is(err, keystore.ErrNotFound) {
			return a, fmt.Errorf("%s: %w", what, err)
		}
	}
	if strings.HasPrefix(s, "0x") {
		return a, fmt.Errorf("%s: %w", what, perr)
	}
	return a, fmt.Errorf("%s: %q is neither an 0x address nor a key name in %s", what, s, keystore.Dir(global.home))
}

// parseBlock reads a block height (decimal or 0x-hex) or a tag: latest,
// finalized or earliest.
func parseBlock(what, s string) (rpc.BlockNumber, error) {
	switch s {
	case "latest":
		return rpc.LatestBlock, nil
	case "finalized":
		return rpc.FinalizedBlock, nil
	case "earliest":
		return rpc.EarliestBlock, nil
	}
	n, err := parseUint(what, s)
	if err != nil || n > 1<<62 {
		return 0, fmt.Errorf("%s: %q is not a block height or one of latest, finalized, earliest", what, s)
	}
	return rpc.BlockAt(n), nil
}

// addJSONFlag adds --json to a command that prints an object.
func addJSONFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "json", false, "print JSON instead of text")
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newTable returns a writer that aligns tab-separated columns.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

// decimal formats a 256-bit quantity from the node in decimal.
func decimal(u hexutil.U256) string { return (*types.Amount)(&u).Dec() }

// printReceipt writes a receipt as text, indented by indent.
func printReceipt(w io.Writer, indent string, r *rpc.RPCReceipt) {
	tw := newTable(w)
	fmt.Fprintf(tw, "%sstatus:\t%s\n", indent, r.Status)
	fmt.Fprintf(tw, "%sblock:\t%d (%s)\n", indent, uint64(r.BlockNumber), r.BlockHash)
	fmt.Fprintf(tw, "%sindex:\t%d\n", indent, uint64(r.Index))
	fmt.Fprintf(tw, "%sgas used:\t%d\n", indent, uint64(r.GasUsed))
	fmt.Fprintf(tw, "%sfee:\t%s\n", indent, decimal(r.Fee))
	if r.ContractAddress != nil {
		fmt.Fprintf(tw, "%scontract:\t%s\n", indent, r.ContractAddress)
	}
	if len(r.ReturnData) > 0 {
		fmt.Fprintf(tw, "%sreturn data:\t%s%s\n", indent, r.ReturnData, readings(r.ReturnData))
	}
	for _, ev := range r.Events {
		fmt.Fprintf(tw, "%sevent:\t%s %s %s%s\n", indent, ev.Address, ev.Topic, ev.Data, readings(ev.Data))
	}
	if r.Error != "" {
		fmt.Fprintf(tw, "%serror:\t%s\n", indent, r.Error)
	}
	tw.Flush()
}

// readings returns what contract bytes (return data, event data, storage
// values) read as, for people: " (text ...)" when they are printable UTF-8,
// " (json ...)" when they are JSON, " (uint64 ...)" when they are 8 bytes
// (a little-endian integer, as the example contracts use); else "".
func readings(b []byte) string {
	var out []string
	if json.Valid(b) && len(b) > 0 && b[0] != '"' {
		var buf bytes.Buffer
		if json.Compact(&buf, b) == nil {
			out = append(out, "json "+buf.String())
		}
	} else if printable(b) {
		out = append(out, fmt.Sprintf("text %q", b))
	}
	if len(b) == 8 {
		out = append(out, fmt.Sprintf("uint64 %d", binary.LittleEndian.Uint64(b)))
	}
	if len(out) == 0 {
		return ""
	}
	return " (" + strings.Join(out, ", ") + ")"
}

// printable reports whether b is non-empty UTF-8 text without control
// characters other than tabs and newlines.
func printable(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return false
		}
	}
	return true
}

// receiptFailed is the error of a command that waited for a transaction
// that was included but failed.
func receiptFailed(r *rpc.RPCReceipt) error {
	if r.Status == rpc.ReceiptStatusSuccess {
		return nil
	}
	reason := r.Error
	if reason == "" {
		reason = "no reason given"
	}
	return fmt.Errorf("transaction %s failed in block %d: %s", r.TransactionHash, uint64(r.BlockNumber), oneLine(reason))
}

// oneLine keeps a message from the node on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// commandContext is the command's context, cancelled by Ctrl-C.
// connect dials the node at --rpc under a context that Ctrl-C cancels;
// done closes the connection and releases the context.
func connect(cmd *cobra.Command) (ctx context.Context, n *nodeConn, done func(), err error) {
	ctx, stop := commandContext(cmd)
	if n, err = dialNode(ctx); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return ctx, n, func() { n.Close(); stop() }, nil
}

func commandContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt)
}

func joinUints(v []uint64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
