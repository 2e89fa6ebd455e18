package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/noded/noded/internal/keystore"
)

func init() { register(newKeysCmd) }

// unencryptedWarning is printed whenever a key is written.
const unencryptedWarning = `The key is stored UNENCRYPTED: anyone who can read the file controls the
account. Use it for development chains only.`

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the account keys in the keystore",
		Long: `Manage the ed25519 account keys kept in <home>/keystore, one file per key.

Keys are stored unencrypted (mode 0600, folder 0700): the keystore is a tool
for development chains and devnets, not a wallet. Commands that sign, such as
"noded tx transfer --from NAME", find keys here by name or by address.`,
		Example: `  noded keys new alice
  noded keys list
  noded keys show alice
  noded keys import bob --seed 0x<64 hex digits>`,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.AddCommand(newKeysNewCmd(), newKeysListCmd(), newKeysShowCmd(), newKeysImportCmd())
	return cmd
}

func newKeysNewCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "new NAME",
		Short: "Create a new key",
		Long: `Create a new random ed25519 key and store it under NAME in the keystore.

NAME is 1-64 characters from a-z, A-Z, 0-9, '_', '.' and '-'. The command
fails if NAME is taken. The key is stored unencrypted.`,
		Example: `  noded keys new alice
  noded --home /tmp/devnet keys new validator1`,
		Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := openKeystore()
			if err != nil {
				return err
			}
			k, err := ks.New(args[0], rand.Reader)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), keyJSON(k, false))
			}
			w := cmd.OutOrStdout()
			printKey(w, ks, k, false)
			fmt.Fprintf(w, "\n%s\n", unencryptedWarning)
			return nil
		},
	}
	addJSONFlag(cmd, &asJSON)
	return cmd
}

func newKeysListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the keys in the keystore",
		Long:  `List the names and addresses of the keys in the keystore, sorted by name.`,
		Example: `  noded keys list
  noded keys list --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := openKeystore()
			if err != nil {
				return err
			}
			keys, err := ks.List()
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]keyOutput, 0, len(keys))
				for _, k := range keys {
					out = append(out, keyJSON(k, false))
				}
				return printJSON(cmd.OutOrStdout(), out)
			}
			w := cmd.OutOrStdout()
			if len(keys) == 0 {
				fmt.Fprintf(w, "no keys in %s\n", ks.Dir())
				return nil
			}
			tw := newTable(w)
			fmt.Fprintln(tw, "NAME\tADDRESS")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\n", k.Name, k.Address)
			}
			return tw.Flush()
		},
	}
	addJSONFlag(cmd, &asJSON)
	return cmd
}

func newKeysShowCmd() *cobra.Command {
	var (
		asJSON  bool
		private bool
	)
	cmd := &cobra.Command{
		Use:   "show NAME|ADDRESS",
		Short: "Show a key's address and public key",
		Long: `Show the address, public key and file of a stored key, found by name or by
address. The private seed is printed only with --private.`,
		Example: `  noded keys show alice
  noded keys show 0x5b1f...c3 --json
  noded keys show alice --private`,
		Args: exactArgs(1, "NAME|ADDRESS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := openKeystore()
			if err != nil {
				return err
			}
			k, err := ks.Resolve(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), keyJSON(k, private))
			}
			printKey(cmd.OutOrStdout(), ks, k, private)
			return nil
		},
	}
	cmd.Flags().BoolVar(&private, "private", false, "also print the private seed (anyone who sees it controls the account)")
	addJSONFlag(cmd, &asJSON)
	return cmd
}

func newKeysImportCmd() *cobra.Command {
	var (
		asJSON bool
		seed   string
	)
	cmd := &cobra.Command{
		Use:   "import NAME --seed 0xSEED",
		Short: "Store an existing key under a name",
		Long: `Store an existing ed25519 key, given by its 32-byte seed in 0x-hex, under NAME.

With --seed - the seed is read from the first line of standard input, which
keeps it out of the shell history. Importing the key NAME already holds does
nothing; a different key under NAME is refused. The key is stored unencrypted.`,
		Example: `  noded keys import bob --seed 0x9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
  cat bob.seed | noded keys import bob --seed -`,
		Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if seed == "-" {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && err != io.EOF {
					return fmt.Errorf("read seed from standard input: %w", err)
				}
				seed = strings.TrimSpace(line)
			}
			priv, err := keystore.ParseSeed(seed)
			if err != nil {
				return fmt.Errorf("--seed: %w", err)
			}
			ks, err := openKeystore()
			if err != nil {
				return err
			}
			k, err := ks.Import(args[0], priv)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), keyJSON(k, false))
			}
			w := cmd.OutOrStdout()
			printKey(w, ks, k, false)
			fmt.Fprintf(w, "\n%s\n", unencryptedWarning)
			return nil
		},
	}
	cmd.Flags().StringVar(&seed, "seed", "", `the key's 32-byte seed as 0x-hex, or "-" to read it from standard input (required)`)
	cmd.MarkFlagRequired("seed")
	addJSONFlag(cmd, &asJSON)
	return cmd
}

// keyOutput is the --json form of a key.
type keyOutput struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	PublicKey string `json:"publicKey"`
	Seed      string `json:"seed,omitempty"`
}

func keyJSON(k keystore.Key, private bool) keyOutput {
	out := keyOutput{Name: k.Name, Address: k.Address.String(), PublicKey: k.PublicKey.String()}
	if private {
		out.Seed = fmt.Sprintf("0x%x", k.Private.Seed())
	}
	return out
}

func printKey(w io.Writer, ks *keystore.Store, k keystore.Key, private bool) {
	tw := newTable(w)
	fmt.Fprintf(tw, "name:\t%s\n", k.Name)
	fmt.Fprintf(tw, "address:\t%s\n", k.Address)
	fmt.Fprintf(tw, "public key:\t%s\n", k.PublicKey)
	fmt.Fprintf(tw, "file:\t%s\n", ks.Path(k.Name))
	if private {
		fmt.Fprintf(tw, "seed:\t0x%x\n", k.Private.Seed())
	}
	tw.Flush()
}
