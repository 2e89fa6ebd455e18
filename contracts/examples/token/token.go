//go:build wasip1

// Command token is a fungible token contract in standard Go, in the
// manner of ERC-20: balances, transfers, allowances, minting by the
// owner, and pausing (which the escrow example's tests use to make a
// transfer fail).
//
// Methods, input and output in JSON; amounts are decimal strings (or
// JSON numbers below 2^53), addresses 0x-hex:
//
//	init          {"name", "symbol", "decimals", "supply"}: the deployer is the owner and gets the supply
//	info          -> {"name", "symbol", "decimals", "totalSupply", "owner", "paused"}
//	name, symbol, decimals, totalSupply -> {"name": ...} and so on
//	balanceOf     {"owner"} -> {"balance"}
//	allowance     {"owner", "spender"} -> {"allowance"}
//	transfer      {"to", "amount"}: from the caller; event Transfer {"from", "to", "amount"}
//	approve       {"spender", "amount"}: sets the caller's allowance; event Approval {"owner", "spender", "amount"}
//	transferFrom  {"from", "to", "amount"}: spends the caller's allowance; event Transfer
//	mint          {"to", "amount"}: owner only; event Transfer from the zero address
//	pause, unpause: owner only; transfers fail while paused
package main

import "github.com/noded/noded/contracts/sdk"

// Storage keys.
const (
	keyName     = "name"
	keySymbol   = "symbol"
	keyDecimals = "decimals"
	keySupply   = "supply"
	keyOwner    = "owner"
	keyPaused   = "paused"
)

func balanceKey(a sdk.Address) string { return sdk.Key("balance", a[:]) }
func allowanceKey(owner, spender sdk.Address) string {
	return sdk.Key("allowance", owner[:], spender[:])
}

//go:wasmexport init
func initialize() {
	defer sdk.Recover()
	in := sdk.InputJSON()
	sdk.SetString(keyName, in.String("name"))
	sdk.SetString(keySymbol, in.String("symbol"))
	decimals := uint64(18)
	if in.Has("decimals") {
		decimals = in.Uint64("decimals")
		sdk.Require(decimals <= 36, "decimals: at most 36")
	}
	sdk.SetUint64(keyDecimals, decimals)
	owner := sdk.Caller()
	sdk.SetAddress(keyOwner, owner)
	if in.Has("supply") {
		mintTo(owner, in.Amount("supply"))
	}
}

func onlyOwner() {
	owner, _ := sdk.GetAddress(keyOwner)
	sdk.Require(sdk.Caller() == owner, "only the owner may do this")
}

//go:wasmexport info
func info() {
	defer sdk.Recover()
	owner, _ := sdk.GetAddress(keyOwner)
	sdk.ReturnJSON(sdk.NewJSON().
		String("name", sdk.GetString(keyName)).
		String("symbol", sdk.GetString(keySymbol)).
		Uint64("decimals", sdk.GetUint64(keyDecimals)).
		Amount("totalSupply", sdk.GetAmount(keySupply)).
		Address("owner", owner).
		Bool("paused", sdk.Has(keyPaused)))
}

//go:wasmexport name
func name() {
	defer sdk.Recover()
	sdk.ReturnJSON(sdk.NewJSON().String("name", sdk.GetString(keyName)))
}

//go:wasmexport symbol
func symbol() {
	defer sdk.Recover()
	sdk.ReturnJSON(sdk.NewJSON().String("symbol", sdk.GetString(keySymbol)))
}

//go:wasmexport decimals
func decimals() {
	defer sdk.Recover()
	sdk.ReturnJSON(sdk.NewJSON().Uint64("decimals", sdk.GetUint64(keyDecimals)))
}

//go:wasmexport totalSupply
func totalSupply() {
	defer sdk.Recover()
	sdk.ReturnJSON(sdk.NewJSON().Amount("totalSupply", sdk.GetAmount(keySupply)))
}

//go:wasmexport balanceOf
func balanceOf() {
	defer sdk.Recover()
	owner := sdk.InputJSON().Address("owner")
	sdk.ReturnJSON(sdk.NewJSON().Amount("balance", sdk.GetAmount(balanceKey(owner))))
}

//go:wasmexport allowance
func allowance() {
	defer sdk.Recover()
	in := sdk.InputJSON()
	a := sdk.GetAmount(allowanceKey(in.Address("owner"), in.Address("spender")))
	sdk.ReturnJSON(sdk.NewJSON().Amount("allowance", a))
}

//go:wasmexport transfer
func transfer() {
	defer sdk.Recover()
	in := sdk.InputJSON()
	move(sdk.Caller(), in.Address("to"), in.Amount("amount"))
}

//go:wasmexport approve
func approve() {
	defer sdk.Recover()
	in := sdk.InputJSON()
	owner, spender, amount := sdk.Caller(), in.Address("spender"), in.Amount("amount")
	sdk.SetAmount(allowanceKey(owner, spender), amount)
	sdk.EmitJSON("Approval", sdk.NewJSON().Address("owner", owner).Address("spender", spender).Amount("amount", amount))
}

//go:wasmexport transferFrom
func transferFrom() {
	defer sdk.Recover()
	in := sdk.InputJSON()
	from, to, amount := in.Address("from"), in.Address("to"), in.Amount("amount")
	key := allowanceKey(from, sdk.Caller())
	left, ok := sdk.GetAmount(key).Sub(amount)
	sdk.Require(ok, "transfer amount exceeds allowance")
	sdk.SetAmount(key, left)
	move(from, to, amount)
}

//go:wasmexport mint
func mint() {
	defer sdk.Recover()
	onlyOwner()
	in := sdk.InputJSON()
	mintTo(in.Address("to"), in.Amount("amount"))
}

//go:wasmexport pause
func pause() { defer sdk.Recover(); onlyOwner(); sdk.Set(keyPaused, []byte{1}) }

//go:wasmexport unpause
func unpause() { defer sdk.Recover(); onlyOwner(); sdk.Delete(keyPaused) }

func mintTo(to sdk.Address, amount sdk.Amount) {
	supply, ok := sdk.GetAmount(keySupply).Add(amount)
	sdk.Require(ok, "total supply overflows")
	sdk.SetAmount(keySupply, supply)
	bal, _ := sdk.GetAmount(balanceKey(to)).Add(amount) // at most the supply
	sdk.SetAmount(balanceKey(to), bal)
	sdk.EmitJSON("Transfer", sdk.NewJSON().Address("from", sdk.Address{}).Address("to", to).Amount("amount", amount))
}

// move transfers amount from one holder to another.
func move(from, to sdk.Address, amount sdk.Amount) {
	sdk.Require(!sdk.Has(keyPaused), "token is paused")
	sdk.Require(!to.IsZero(), "transfer to the zero address")
	fromBal, ok := sdk.GetAmount(balanceKey(from)).Sub(amount)
	sdk.Require(ok, "transfer amount exceeds balance")
	sdk.SetAmount(balanceKey(from), fromBal)
	toBal, _ := sdk.GetAmount(balanceKey(to)).Add(amount) // at most the supply
	sdk.SetAmount(balanceKey(to), toBal)
	sdk.EmitJSON("Transfer", sdk.NewJSON().Address("from", from).Address("to", to).Amount("amount", amount))
}

func main() {}
