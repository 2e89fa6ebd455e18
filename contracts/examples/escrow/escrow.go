//go:build wasip1

// Command escrow holds tokens of a token contract (the token example) and
// releases them on a condition: the beneficiary pays the deal's price in
// the chain's coin, not before a given time. The swap is atomic: the
// escrow sends the coins to the depositor and calls the token to send the
// tokens to the beneficiary, and if that call fails (the token is paused,
// say), the whole release is undone, the coins sent with it included.
//
// Methods, input and output in JSON:
//
//	init     {"token"}: the token contract
//	open     {"beneficiary", "amount", "price", "notBefore"}: the caller, who
//	         approved the escrow for amount, deposits the tokens (token
//	         transferFrom); price in base units of the coin (default 0),
//	         notBefore in unix milliseconds (default 0) -> {"id"}; event Opened
//	release  {"id"}, by the beneficiary, sending exactly the price as the
//	         call's value; event Released
//	cancel   {"id"}, by the depositor: the tokens go back; event Cancelled
//	get      {"id"} -> the deal
//	token    -> {"token"}
package main

import "github.com/noded/noded/contracts/sdk"

const (
	keyToken  = "token"
	keyNextID = "next"
)

func dealKey(id uint64) string {
	return sdk.Key("deal", []byte{byte(id >> 56), byte(id >> 48), byte(id >> 40), byte(id >> 32), byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)})
}

// deal is an escrow's record, stored as JSON.
type deal struct {
	id          uint64
	depositor   sdk.Address
	beneficiary sdk.Address
	amount      sdk.Amount
	price       sdk.Amount
	notBefore   uint64
	state       string // "open", "released", "cancelled"
}

func (d *deal) json() *sdk.JSONWriter {
	return sdk.NewJSON().Uint64("id", d.id).Address("depositor", d.depositor).Address("beneficiary", d.beneficiary).
		Amount("amount", d.amount).Amount("price", d.price).Uint64("notBefore", d.notBefore).String("state", d.state)
}

func (d *deal) save() { sdk.Set(dealKey(d.id), d.json().Bytes()) }

func load(id uint64) *deal {
	b, ok := sdk.Get(dealKey(id))
	if !ok {
		sdk.Revert("no such deal")
	}
	o, err := sdk.ParseJSON(b)
	if err != nil {
		sdk.Revert("corrupt deal")
	}
	return &deal{id: id, depositor: o.Address("depositor"), beneficiary: o.Address("beneficiary"), amount: o.Amount("amount"),
		price: o.Amount("price"), notBefore: o.Uint64("notBefore"), state: o.String("state")}
}

func token() sdk.Address {
	t, ok := sdk.GetAddress(keyToken)
	sdk.Require(ok, "no token set")
	return t
}

// callToken calls a method of the token contract; its failure reverts
// this call, with the token's reason.
func callToken(method string, in *sdk.JSONWriter) {
	if _, err := sdk.Call(token(), method, in.Bytes()); err != nil {
		sdk.Revert("token " + method + " failed: " + err.Error())
	}
}

//go:wasmexport init
func initialize() {
	defer sdk.Recover()
	sdk.SetAddress(keyToken, sdk.InputJSON().Address("token"))
}

//go:wasmexport token
func tokenAddress() {
	defer sdk.Recover()
	sdk.ReturnJSON(sdk.NewJSON().Address("token", token()))
}

//go:wasmexport open
func open() {
	defer sdk.Recover()
	in := sdk.InputJSON()
	sdk.Require(sdk.Value().IsZero(), "open takes no coins")
	d := &deal{id: sdk.GetUint64(keyNextID), depositor: sdk.Caller(), beneficiary: in.Address("beneficiary"),
		amount: in.Amount("amount"), state: "open"}
	if in.Has("price") {
		d.price = in.Amount("price")
	}
	if in.Has("notBefore") {
		d.notBefore = in.Uint64("notBefore")
	}
	sdk.Require(!d.amount.IsZero(), "amount must be positive")
	sdk.SetUint64(keyNextID, d.id+1)
	d.save()
	callToken("transferFrom", sdk.NewJSON().Address("from", d.depositor).Address("to", sdk.Self()).Amount("amount", d.amount))
	sdk.EmitJSON("Opened", d.json())
	sdk.ReturnJSON(sdk.NewJSON().Uint64("id", d.id))
}

//go:wasmexport release
func release() {
	defer sdk.Recover()
	d := load(sdk.InputJSON().Uint64("id"))
	sdk.Require(d.state == "open", "deal is "+d.state)
	sdk.Require(sdk.Caller() == d.beneficiary, "only the beneficiary may release")
	sdk.Require(sdk.BlockTime() >= d.notBefore, "too early to release")
	sdk.Require(sdk.Value() == d.price, "send exactly the price, "+d.price.String())
	d.state = "released"
	d.save()
	if !d.price.IsZero() {
		if err := sdk.Transfer(d.depositor, d.price); err != nil {
			sdk.Revert(err.Error())
		}
	}
	callToken("transfer", sdk.NewJSON().Address("to", d.beneficiary).Amount("amount", d.amount))
	sdk.EmitJSON("Released", d.json())
}

//go:wasmexport cancel
func cancel() {
	defer sdk.Recover()
	d := load(sdk.InputJSON().Uint64("id"))
	sdk.Require(d.state == "open", "deal is "+d.state)
	sdk.Require(sdk.Caller() == d.depositor, "only the depositor may cancel")
	d.state = "cancelled"
	d.save()
	callToken("transfer", sdk.NewJSON().Address("to", d.depositor).Amount("amount", d.amount))
	sdk.EmitJSON("Cancelled", d.json())
}

//go:wasmexport get
func get() {
	defer sdk.Recover()
	sdk.ReturnJSON(load(sdk.InputJSON().Uint64("id")).json())
}

func main() {}
