package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/spf13/cobra"

	"github.com/noded/noded/client"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

func init() { register(newTxCmd) }

// receiptPoll is how often --wait asks the node for the receipt.
const receiptPoll = 100 * time.Millisecond

func newTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Sign, send and look up transactions",
		Long: `Sign transactions with keys from the keystore, send them to a node, and look up
transactions and receipts.

Amounts and numbers are decimal or 0x-hex; amounts are in base units.
Addresses are 0x-hex, and wherever one is expected the name of a key in
the keystore works too.`,
		Example: `  noded tx transfer --from dev0 --to alice --amount 1000 --wait
  noded tx sign --from alice --to 0x5b1f...c3 --amount 0x10 --nonce 0 --chain-id noded-dev > tx.hex
  noded tx send - < tx.hex
  noded tx get 0x9a3e...01
  noded tx receipt 0x9a3e...01 --json`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.AddCommand(newTxTransferCmd(), newTxSignCmd(), newTxSendCmd(), newTxGetCmd(), newTxReceiptCmd())
	return cmd
}

// transferFlags are the flags of tx transfer and tx sign.
type transferFlags struct {
	from, to, amount string
	gasPrice, gas    string
	nonce, chainID   string
	offline          bool
	wait             bool
	timeout          time.Duration
	asJSON           bool
}

func (f *transferFlags) add(cmd *cobra.Command, send bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "name or address of the sending key in the keystore (required)")
	fl.StringVar(&f.to, "to", "", "recipient: an 0x address or a key name (required)")
	fl.StringVar(&f.amount, "amount", "", "amount in base units, decimal or 0x-hex (required)")
	fl.StringVar(&f.gasPrice, "gas-price", "1", "gas price")
	fl.StringVar(&f.gas, "gas", "", "gas limit (default: the intrinsic cost of a transfer)")
	nonceHelp := "nonce (default: the next free nonce of the sender, from the node's state and mempool)"
	chainHelp := "chain id (default: the node's)"
	if !send {
		nonceHelp, chainHelp = "nonce (required)", "chain id (required)"
	}
	fl.StringVar(&f.nonce, "nonce", "", nonceHelp)
	fl.StringVar(&f.chainID, "chain-id", "", chainHelp)
	if send {
		fl.BoolVar(&f.offline, "offline", false, "sign only and print the raw transaction as 0x-hex, like tx sign (needs --nonce and --chain-id)")
		fl.BoolVar(&f.wait, "wait", false, "wait for the receipt and print it; fail if the transaction fails")
		fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "how long --wait waits")
	}
	for _, name := range []string{"from", "to", "amount"} {
		cmd.MarkFlagRequired(name)
	}
	addJSONFlag(cmd, &f.asJSON)
}

func newTxTransferCmd() *cobra.Command {
	var f transferFlags
	cmd := &cobra.Command{
		Use:   "transfer --from NAME --to ADDR --amount N",
		Short: "Sign a transfer with a keystore key and send it",
		Long: `Sign a transfer with a key from the keystore and send it to the node at --rpc.

Unless given, the chain id comes from the node and the nonce is the
sender's next free one: the account's nonce, or one past the highest nonce
the sender has in the node's mempool, whichever is larger. The gas limit
defaults to what a transfer costs.

Prints the transaction hash and what the mempool did with it: accepted,
queued (with the nonces that must come first) or replaced. With --wait it
then waits for the receipt, prints it (status, block, index, gas used, fee,
error) and exits non-zero if the transaction failed.

With --offline nothing is sent: the signed transaction is printed as 0x-hex
(see "noded tx sign"), and --nonce and --chain-id must be given.`,
		Example: `  noded tx transfer --from dev0 --to 0x5b1f...c3 --amount 1000000
  noded tx transfer --from alice --to bob --amount 0xff --gas-price 2 --wait
  noded tx transfer --from alice --to bob --amount 5 --offline --nonce 3 --chain-id noded-dev`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.offline {
				return signOffline(cmd, &f)
			}
			return sendTransfer(cmd, &f)
		},
	}
	f.add(cmd, true)
	return cmd
}

func newTxSignCmd() *cobra.Command {
	var f transferFlags
	cmd := &cobra.Command{
		Use:   "sign --from NAME --to ADDR --amount N --nonce N --chain-id ID",
		Short: "Sign a transfer without sending it",
		Long: `Sign a transfer with a key from the keystore and print the signed transaction
in its canonical encoding as 0x-hex, without contacting a node. Send it later
with "noded tx send".

Because no node is asked, --nonce and --chain-id are required.`,
		Example: `  noded tx sign --from alice --to bob --amount 1000 --nonce 0 --chain-id noded-dev
  noded tx sign --from alice --to bob --amount 1 --nonce 7 --chain-id noded-dev | noded tx send -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return signOffline(cmd, &f)
		},
	}
	f.add(cmd, false)
	return cmd
}

// buildTransfer makes and signs the transfer the flags describe. It asks n
// for the chain id and the nonce when they are not given; n is nil offline.
func buildTransfer(ctx context.Context, f *transferFlags, n *nodeConn) (*types.Tx, error) {
	if n == nil {
		var missing []string
		if f.nonce == "" {
			missing = append(missing, "--nonce")
		}
		if f.chainID == "" {
			missing = append(missing, "--chain-id")
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("signing offline needs %s: there is no node to ask", strings.Join(missing, " and "))
		}
	}
	amount, err := parseAmount("--amount", f.amount)
	if err != nil {
		return nil, err
	}
	to, err := resolveAddress("--to", f.to)
	if err != nil {
		return nil, err
	}
	price, err := parseUint("--gas-price", f.gasPrice)
	if err != nil {
		return nil, err
	}
	var gas, nonce uint64
	if f.gas != "" {
		if gas, err = parseUint("--gas", f.gas); err != nil {
			return nil, err
		}
	}
	if f.nonce != "" {
		if nonce, err = parseUint("--nonce", f.nonce); err != nil {
			return nil, err
		}
	}
	ks, err := openKeystore()
	if err != nil {
		return nil, err
	}
	key, err := ks.Resolve(f.from)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	chainID := f.chainID
	if chainID == "" {
		if chainID, err = n.ChainID(ctx); err != nil {
			return nil, n.explain(err)
		}
	}
	if f.nonce == "" {
		if nonce, err = n.NextNonce(ctx, key.Address); err != nil {
			return nil, n.explain(err)
		}
	}
	tx := client.NewTransfer(chainID, nonce, to, amount, price)
	if f.gas != "" {
		tx.GasLimit = gas
	}
	tx.Sign(key.Private)
	if err := tx.CheckBasic(); err != nil {
		return nil, err
	}
	return tx, nil
}

// signedOutput is the --json form of a signed, unsent transaction.
type signedOutput struct {
	Hash types.Hash    `json:"hash"`
	Raw  hexutil.Bytes `json:"raw"`
}

func signOffline(cmd *cobra.Command, f *transferFlags) error {
	tx, err := buildTransfer(cmd.Context(), f, nil)
	if err != nil {
		return err
	}
	if f.asJSON {
		return printJSON(cmd.OutOrStdout(), signedOutput{Hash: tx.Hash(), Raw: tx.Encode()})
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), hexutil.Encode(tx.Encode()))
	return err
}

func sendTransfer(cmd *cobra.Command, f *transferFlags) error {
	ctx, n, done, err := connect(cmd)
	if err != nil {
		return err
	}
	defer done()
	tx, err := buildTransfer(ctx, f, n)
	if err != nil {
		return err
	}
	res, err := n.SendTx(ctx, tx)
	return finishSend(cmd, ctx, n, tx, res, err, f.wait, f.timeout, f.asJSON)
}

func newTxSendCmd() *cobra.Command {
	var (
		wait    bool
		timeout time.Duration
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "send RAWHEX|-",
		Short: "Send a signed transaction",
		Long: `Send a signed transaction, given in its canonical encoding as 0x-hex (as
"noded tx sign" prints it), to the node at --rpc. With "-" the transaction
is read from standard input.

Prints the hash and what the mempool did with it; with --wait, the receipt.`,
		Example: `  noded tx send 0x01000000096e6f6465642d646576...
  noded tx sign --from alice --to bob --amount 1 --nonce 0 --chain-id noded-dev | noded tx send - --wait`,
		Args: exactArgs(1, "RAWHEX or -"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s := args[0]
			if s == "-" {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && err != io.EOF {
					return fmt.Errorf("read the transaction from standard input: %w", err)
				}
				s = line
			}
			raw, err := hexutil.Decode(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("the transaction must be 0x-hex: %v", err)
			}
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			res, err := n.SendRawTx(ctx, raw)
			tx, _ := types.DecodeTx(raw) // only to show sender and nonce; the node judges
			return finishSend(cmd, ctx, n, tx, res, err, wait, timeout, asJSON)
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the receipt and print it; fail if the transaction fails")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long --wait waits")
	addJSONFlag(cmd, &asJSON)
	return cmd
}

// sendOutput is the --json form of a sent transaction.
type sendOutput struct {
	*rpc.SendTxResult
	Receipt *rpc.RPCReceipt `json:"receipt,omitempty"`
}

// finishSend reports the outcome of sending tx (nil if it could not be
// decoded) and, with wait, waits for its receipt.
func finishSend(cmd *cobra.Command, ctx context.Context, n *nodeConn, tx *types.Tx, res client.SendResult, err error,
	wait bool, timeout time.Duration, asJSON bool) error {
	if err != nil {
		var re *rpc.Error
		if errors.As(err, &re) {
			return fmt.Errorf("the node refused the transaction: %s", oneLine(re.Message))
		}
		return n.explain(err)
	}
	w := cmd.OutOrStdout()
	out := sendOutput{SendTxResult: rpc.NewSendTxResult(res.Hash, rpc.SendResult{Status: res.Status, Missing: res.Missing})}
	if !asJSON {
		tw := newTable(w)
		fmt.Fprintf(tw, "hash:\t%s\n", res.Hash)
		if tx != nil {
			fmt.Fprintf(tw, "from:\t%s\n", tx.Sender())
			fmt.Fprintf(tw, "nonce:\t%d\n", tx.Nonce)
		}
		fmt.Fprintf(tw, "status:\t%s\n", res.Status)
		if len(res.Missing) > 0 {
			fmt.Fprintf(tw, "missing nonces:\t%s\n", joinUints(res.Missing))
		}
		tw.Flush()
	}
	if wait {
		r, err := waitReceipt(ctx, n, res.Hash, timeout)
		if err != nil {
			if asJSON {
				printJSON(w, out)
			}
			return err
		}
		out.Receipt = r
		if !asJSON {
			fmt.Fprintln(w, "receipt:")
			printReceipt(w, "  ", r)
		}
	}
	if asJSON {
		if err := printJSON(w, out); err != nil {
			return err
		}
	}
	if out.Receipt != nil {
		return receiptFailed(out.Receipt)
	}
	return nil
}

// waitReceipt waits up to timeout for the receipt of hash.
func waitReceipt(ctx context.Context, n *nodeConn, hash types.Hash, timeout time.Duration) (*rpc.RPCReceipt, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := n.WaitReceipt(ctx, hash, receiptPoll)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("no receipt for %s after %s; it may still be included (see noded tx receipt)", hash, timeout)
	}
	if err != nil {
		return nil, n.explain(err)
	}
	return r, nil
}

func newTxGetCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "get HASH",
		Short: "Show a transaction",
		Long: `Show a transaction, pending in the mempool or included in a block, by its
hash. Fails if the node does not know it.`,
		Example: `  noded tx get 0x9a3e...01
  noded tx get 0x9a3e...01 --json`,
		Args: exactArgs(1, "HASH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := types.ParseHash(args[0])
			if err != nil {
				return err
			}
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			tx, err := n.Tx(ctx, hash)
			if err != nil {
				return n.explain(err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), tx)
			}
			printTx(cmd.OutOrStdout(), "", tx)
			return nil
		},
	}
	addJSONFlag(cmd, &asJSON)
	return cmd
}

func newTxReceiptCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "receipt HASH",
		Short: "Show the receipt of an included transaction",
		Long: `Show the receipt of a transaction that is in a block: status, block, index,
gas used, fee, events and, for a failed transaction, the error. Fails if
the transaction is unknown or still pending.`,
		Example: `  noded tx receipt 0x9a3e...01
  noded tx receipt 0x9a3e...01 --json`,
		Args: exactArgs(1, "HASH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := types.ParseHash(args[0])
			if err != nil {
				return err
			}
			ctx, n, done, err := connect(cmd)
			if err != nil {
				return err
			}
			defer done()
			r, err := n.Receipt(ctx, hash)
			if errors.Is(err, client.ErrNotFound) {
				return fmt.Errorf("no receipt for %s: the transaction is unknown or not yet in a block", hash)
			}
			if err != nil {
				return n.explain(err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), r)
			}
			printReceipt(cmd.OutOrStdout(), "", r)
			return nil
		},
	}
	addJSONFlag(cmd, &asJSON)
	return cmd
}

// printTx writes a transaction as text, indented by indent.
func printTx(w io.Writer, indent string, tx *rpc.RPCTx) {
	tw := newTable(w)
	fmt.Fprintf(tw, "%shash:\t%s\n", indent, tx.Hash)
	if tx.Pending || tx.BlockNumber == nil {
		fmt.Fprintf(tw, "%sstatus:\tpending\n", indent)
	} else {
		fmt.Fprintf(tw, "%sblock:\t%d (%s)\n", indent, uint64(*tx.BlockNumber), tx.BlockHash)
		fmt.Fprintf(tw, "%sindex:\t%d\n", indent, uint64(*tx.Index))
	}
	fmt.Fprintf(tw, "%skind:\t%s\n", indent, tx.Kind)
	fmt.Fprintf(tw, "%schain id:\t%s\n", indent, tx.ChainID)
	fmt.Fprintf(tw, "%sfrom:\t%s\n", indent, tx.From)
	if tx.To != nil {
		fmt.Fprintf(tw, "%sto:\t%s\n", indent, tx.To)
	}
	fmt.Fprintf(tw, "%svalue:\t%s\n", indent, decimal(tx.Value))
	fmt.Fprintf(tw, "%snonce:\t%d\n", indent, uint64(tx.Nonce))
	fmt.Fprintf(tw, "%sgas limit:\t%d\n", indent, uint64(tx.Gas))
	fmt.Fprintf(tw, "%sgas price:\t%d\n", indent, uint64(tx.GasPrice))
	if tx.Method != "" {
		fmt.Fprintf(tw, "%smethod:\t%s\n", indent, tx.Method)
	}
	if len(tx.Input) > 0 {
		fmt.Fprintf(tw, "%sinput:\t%d bytes\n", indent, len(tx.Input))
	}
	if len(tx.Code) > 0 {
		fmt.Fprintf(tw, "%scode:\t%d bytes\n", indent, len(tx.Code))
	}
	tw.Flush()
}
