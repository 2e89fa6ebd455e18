package types

import (
	"testing"

	"github.com/noded/noded/crypto"
)

func TestEncodedSizeMatchesEncoding(t *testing.T) {
	k, err := crypto.NewKeyFromSeed(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range []*Tx{
		{ChainID: "c", Kind: TxTransfer, GasLimit: 1},
		{ChainID: "chain-x", Nonce: 9, Kind: TxDeploy, Amount: NewAmount(1 << 40), GasLimit: 5, Code: []byte{0, 97, 115, 109}, Input: []byte("init")},
		{ChainID: "c", Kind: TxCall, Method: "increment", Input: make([]byte, 300), GasLimit: 7, GasPrice: 3},
	} {
		tx.Sign(k)
		if got, want := tx.EncodedSize(), len(tx.Encode()); got != want {
			t.Errorf("%v: EncodedSize %d, encoding is %d bytes", tx.Kind, got, want)
		}
	}
}
