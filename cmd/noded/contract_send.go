package main

// noded contract deploy and noded contract call: contract transactions
// signed with a keystore key, sent, and followed to their receipt.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/noded/noded/chain"
	"github.com/noded/noded/client"
	"github.com/noded/noded/internal/keystore"
	"github.com/noded/noded/rpc"
	"github.com/noded/noded/types"
)

// gasMargin is what the default gas limit adds to the estimate, in
// percent: the state may change between the estimate and the block.
const gasMargin = 20

// sendFlags are the flags of the contract transactions.
type sendFlags struct {
	from     string
	value    string
	gas      string
	gasPrice string
	timeout  time.Duration
	asJSON   bool
}

func (f *sendFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "name or address of the sending key in the keystore (required)")
	fl.StringVar(&f.value, "value", "0", "amount moved to the contract, in base units")
	fl.StringVar(&f.gas, "gas", "", fmt.Sprintf("gas limit (default: the node's estimate + %d%%, at most %d)", gasMargin, chain.MaxTxGas))
	fl.StringVar(&f.gasPrice, "gas-price", "1", "gas price")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "how long to wait for the receipt")
	cmd.MarkFlagRequired("from")
	addJSONFlag(cmd, &f.asJSON)
}

// contractTx is a contract transaction being prepared: its node, key and
// fields, filled in by prepare.
type contractTx struct {
	n   *nodeConn
	key keystore.Key
	tx  *types.Tx
	est *rpc.RPCEstimate // nil when --gas was given
}

// prepare resolves the flags, asks the node for the chain id and nonce,
// and lets build make the unsigned transaction (gas limit 0).
func (f *sendFlags) prepare(ctx context.Context, build func(chainID string, nonce uint64, value types.Amount, price uint64) *types.Tx) (*contractTx, error) {
	value, err := parseAmount("--value", f.value)
	if err != nil {
		return nil, err
	}
	price, err := parseUint("--gas-price", f.gasPrice)
	if err != nil {
		return nil, err
	}
	var gas uint64
	if f.gas != "" {
		if gas, err = parseUint("--gas", f.gas); err != nil {
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
	n, err := dialNode(ctx)
	if err != nil {
		return nil, err
	}
	ct := &contractTx{n: n, key: key}
	chainID, err := n.ChainID(ctx)
	if err == nil {
		var nonce uint64
		if nonce, err = n.NextNonce(ctx, key.Address); err == nil {
			ct.tx = build(chainID, nonce, value, price)
			ct.tx.GasLimit = gas
		}
	}
	if err != nil {
		n.Close()
		return nil, n.explain(err)
	}
	return ct, nil
}

// estimate sets the gas limit from the node's estimate, unless one was
// given, and refuses a transaction the estimate says will fail.
func (ct *contractTx) estimate(ctx context.Context, what string) error {
	if ct.tx.GasLimit != 0 {
		return nil
	}
	ct.tx.Sign(ct.key.Private) // the estimate needs the sender
	est, err := ct.n.EstimateGas(ctx, client.EstimateArgsOf(ct.tx))
	if err != nil {
		return refused(ct.n, "estimating the gas", err)
	}
	switch {
	case est.Warning != "":
		return fmt.Errorf("the %s cannot succeed: %s", what, oneLine(est.Warning))
	case est.Status != rpc.ReceiptStatusSuccess:
		return fmt.Errorf("the %s would fail: %s (estimated against the head state; give --gas to send it anyway)", what, oneLine(est.Error))
	}
	ct.est = est
	gas := uint64(est.Gas)
	ct.tx.GasLimit = min(gas+gas*gasMargin/100, chain.MaxTxGas)
	return nil
}

// send signs and sends the transaction, and returns its hash.
func (ct *contractTx) send(ctx context.Context) (types.Hash, error) {
	ct.tx.Sign(ct.key.Private)
	res, err := ct.n.SendTx(ctx, ct.tx)
	if err != nil {
		return types.Hash{}, refused(ct.n, "the node refused the transaction", err)
	}
	return res.Hash, nil
}

// contractOutput is the --json form of a contract transaction.
type contractOutput struct {
	Hash            types.Hash       `json:"hash"`
	From            types.Address    `json:"from"`
	Nonce           uint64           `json:"nonce"`
	GasLimit        uint64           `json:"gasLimit"`
	Estimate        *rpc.RPCEstimate `json:"estimate,omitempty"`
	ContractAddress *types.Address   `json:"contractAddress,omitempty"`
	Receipt         *rpc.RPCReceipt  `json:"receipt,omitempty"`
}

func (ct *contractTx) output(hash types.Hash) *contractOutput {
	return &contractOutput{Hash: hash, From: ct.key.Address, Nonce: ct.tx.Nonce, GasLimit: ct.tx.GasLimit, Estimate: ct.est}
}

// printSent writes what was sent, as text.
func (ct *contractTx) printSent(w io.Writer, hash types.Hash) {
	tw := newTable(w)
	fmt.Fprintf(tw, "hash:\t%s\n", hash)
	fmt.Fprintf(tw, "from:\t%s\n", ct.key.Address)
	fmt.Fprintf(tw, "nonce:\t%d\n", ct.tx.Nonce)
	if ct.est != nil {
		fmt.Fprintf(tw, "gas estimate:\t%d\n", uint64(ct.est.Gas))
		fmt.Fprintf(tw, "gas limit:\t%d (estimate + %d%%)\n", ct.tx.GasLimit, gasMargin)
	} else {
		fmt.Fprintf(tw, "gas limit:\t%d\n", ct.tx.GasLimit)
	}
	tw.Flush()
}

func newContractDeployCmd() *cobra.Command {
	var (
		f      sendFlags
		initIn inputFlags
	)
	cmd := &cobra.Command{
		Use:   "deploy FILE.wasm --from NAME",
		Short: "Deploy a contract and wait for its address",
		Long: `Deploy the WebAssembly module in FILE ("-" reads standard input) with a key
from the keystore, wait for the receipt, and print the new contract's
address, the gas used and the transaction hash. The contract's init export,
if it has one, runs with the init input. Exits non-zero, with the reason,
if the deploy fails.

Without --gas, the gas limit is the node's estimate (tx_estimateGas) plus
20%; a deploy the estimate says will fail is not sent.`,
		Example: `  noded contract deploy contracts/examples/counter-wat/counter.wasm --from dev0
  noded contract deploy counter.wasm --from alice --init-hex 0x2a00000000000000 --json
  noded contract deploy token.wasm --from alice --init-json '{"supply":1000}' --gas 5000000 --gas-price 2`,
		Args: exactArgs(1, "FILE.wasm"),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := readCode(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			input, err := initIn.bytes("init")
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			ct, err := f.prepare(ctx, func(chainID string, nonce uint64, value types.Amount, price uint64) *types.Tx {
				return client.NewDeploy(chainID, nonce, code, input, value, 0, price)
			})
			if err != nil {
				return err
			}
			defer ct.n.Close()
			return runContractTx(cmd, ctx, ct, &f, true, "deploy")
		},
	}
	f.add(cmd)
	initIn.add(cmd, "init", "input of the init export")
	return cmd
}

// readCode reads a contract's code from a file, or standard input for "-".
func readCode(stdin io.Reader, path string) ([]byte, error) {
	var (
		code []byte
		err  error
	)
	if path == "-" {
		code, err = io.ReadAll(io.LimitReader(stdin, types.MaxCodeSize+1))
	} else {
		code, err = os.ReadFile(path)
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("read the contract: %w", err)
	case len(code) > types.MaxCodeSize:
		return nil, fmt.Errorf("%s: the contract is over %d bytes, the most a deploy may carry", path, types.MaxCodeSize)
	case !bytes.HasPrefix(code, []byte("\x00asm")):
		return nil, fmt.Errorf("%s is not a WebAssembly binary (no \\0asm header); compile .wat text first, with wat2wasm", path)
	}
	return code, nil
}

func newContractCallCmd() *cobra.Command {
	var (
		f      sendFlags
		input  inputFlags
		noWait bool
	)
	cmd := &cobra.Command{
		Use:   "call ADDR METHOD --from NAME",
		Short: "Call a contract method in a transaction",
		Long: `Call METHOD of the contract at ADDR in a transaction signed with a key from the
keystore, wait for the receipt and print it: status, gas used, return data,
events and, for a failed call, the full reason. Exits non-zero if the call
fails. With --no-wait it prints the transaction hash and returns.

Without --gas, the gas limit is the node's estimate plus 20%; a call the
estimate says will fail is not sent. To read without a transaction, use
"noded contract query".`,
		Example: `  noded contract call 0x2adb...96c0 increment --from dev0
  noded contract call 0x2adb...96c0 add --from alice --input-hex 0x0500000000000000 --json
  noded contract call 0x2adb...96c0 transfer --from alice --input-json '{"to":"bob","amount":5}' --no-wait`,
		Args: exactArgs(2, "ADDR and METHOD"),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := resolveAddress("contract", args[0])
			if err != nil {
				return err
			}
			method := args[1]
			if len(method) > types.MaxMethodLen {
				return fmt.Errorf("method name of %d bytes; at most %d", len(method), types.MaxMethodLen)
			}
			in, err := input.bytes("input")
			if err != nil {
				return err
			}
			ctx, stop := commandContext(cmd)
			defer stop()
			ct, err := f.prepare(ctx, func(chainID string, nonce uint64, value types.Amount, price uint64) *types.Tx {
				return client.NewCall(chainID, nonce, to, method, in, value, 0, price)
			})
			if err != nil {
				return err
			}
			defer ct.n.Close()
			return runContractTx(cmd, ctx, ct, &f, !noWait, "call")
		},
	}
	f.add(cmd)
	input.add(cmd, "input", "the method's input")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "print the transaction hash and return without waiting for the receipt")
	return cmd
}

// runContractTx estimates, sends and, with wait, follows a prepared
// contract transaction to its receipt, and prints the outcome.
func runContractTx(cmd *cobra.Command, ctx context.Context, ct *contractTx, f *sendFlags, wait bool, what string) error {
	if err := ct.estimate(ctx, what); err != nil {
		return err
	}
	hash, err := ct.send(ctx)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	out := ct.output(hash)
	if !f.asJSON {
		ct.printSent(w, hash)
	}
	if !wait {
		if f.asJSON {
			return printJSON(w, out)
		}
		return nil
	}
	r, err := waitReceipt(ctx, ct.n, hash, f.timeout)
	if err != nil {
		if f.asJSON {
			printJSON(w, out)
		}
		return err
	}
	out.Receipt, out.ContractAddress = r, r.ContractAddress
	if f.asJSON {
		if err := printJSON(w, out); err != nil {
			return err
		}
	} else {
		if r.ContractAddress != nil {
			fmt.Fprintf(w, "contract address: %s\n", r.ContractAddress)
		}
		fmt.Fprintln(w, "receipt:")
		printReceipt(w, "  ", r)
	}
	if err := receiptFailed(r); err != nil {
		return fmt.Errorf("%s failed: %w", what, err)
	}
	return nil
}
