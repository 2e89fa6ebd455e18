//go:build !wasip1

package sdk

import (
	"errors"
	"strings"
	"testing"
)

func TestAddress(t *testing.T) {
	s := "0x2adba941c4f049fb96b0c07f00ad45333b8a96c0"
	a, err := ParseAddress(s)
	if err != nil || a.String() != s || a.IsZero() {
		t.Fatalf("%v %v", a, err)
	}
	if b, err := ParseAddress(strings.ToUpper(s[2:])); err == nil {
		t.Fatalf("no 0x accepted: %v", b)
	}
	if b, err := ParseAddress("0X" + strings.ToUpper(s[2:])); err != nil || b != a {
		t.Fatalf("upper case: %v %v", b, err)
	}
	for _, bad := range []string{"", "0x", s + "0", s[:41], "0x2adba941c4f049fb96b0c07f00ad45333b8a96cg"} {
		if _, err := ParseAddress(bad); !errors.Is(err, ErrBadAddress) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestAmount(t *testing.T) {
	max := "115792089237316195423570985008687907853269984665640564039457584007913129639935" // 2^256-1
	a, err := ParseAmount(max)
	if err != nil || a.String() != max {
		t.Fatalf("max: %v %v", a, err)
	}
	if _, ok := a.Add(NewAmount(1)); ok {
		t.Fatal("2^256 did not overflow")
	}
	if _, err := ParseAmount(max[:len(max)-1] + "6"); err == nil {
		t.Fatal("2^256 parsed")
	}
	for _, bad := range []string{"", "-1", "1.5", "1e3", " 1", "0x10"} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	x, _ := ParseAmount("18446744073709551616") // 2^64
	y, ok := x.Sub(NewAmount(1))
	if v, fits := y.Uint64(); !ok || !fits || v != 1<<64-1 {
		t.Fatalf("2^64-1 = %v %v", y, ok)
	}
	if _, fits := x.Uint64(); fits {
		t.Fatal("2^64 fits a uint64")
	}
	if _, ok := NewAmount(1).Sub(NewAmount(2)); ok {
		t.Fatal("1-2 did not underflow")
	}
	if p, ok := x.MulUint64(1000); !ok || p.String() != "18446744073709551616000" {
		t.Fatalf("mul %v %v", p, ok)
	}
	b := x.Bytes32()
	if AmountFromBytes32(b) != x || b[23] != 1 {
		t.Fatalf("bytes32 %x", b)
	}
	if NewAmount(3).Cmp(NewAmount(4)) != -1 || !NewAmount(3).Lt(x) || x.Cmp(x) != 0 || (Amount{}).String() != "0" {
		t.Fatal("compare")
	}
}

func TestJSONRead(t *testing.T) {
	o, err := ParseJSON([]byte(` {"to":"0x2adba941c4f049fb96b0c07f00ad45333b8a96c0", "amount": 1000, "big":"1000000000000000000000",
		"name":"caf\u00e9 \"q\" \ud83d\ude00\n", "ok":true, "nested":{"a":[1,{"b":null}]}, "neg": -1.5e3} `))
	if err != nil {
		t.Fatal(err)
	}
	if o.Address("to").String() != "0x2adba941c4f049fb96b0c07f00ad45333b8a96c0" || o.Uint64("amount") != 1000 ||
		o.Amount("big").String() != "1000000000000000000000" || o.String("name") != "café \"q\" 😀\n" || !o.Bool("ok") {
		t.Fatal("getters")
	}
	if !o.Has("nested") || o.Has("missing") || len(o.Fields()) != 7 || o.Object("nested").Has("a") != true {
		t.Fatal("fields")
	}
	reverts := func(f func()) (msg string) {
		defer func() { msg = string(recover().(RevertPanic)) }()
		f()
		return ""
	}
	for want, f := range map[string]func(){
		`input: missing field "x"`:                                    func() { o.String("x") },
		`input: field "amount": want string`:                          func() { o.String("amount") },
		`input: field "neg": want a non-negative integer`:             func() { o.Amount("neg") },
		`input: field "name": want an address (0x and 40 hex digits)`: func() { o.Address("name") },
		`input: field "big": above 2^64-1`:                            func() { o.Uint64("big") },
	} {
		if got := reverts(f); got != want {
			t.Errorf("revert %q, want %q", got, want)
		}
	}
	for _, bad := range []string{``, `[]`, `{`, `{"a":}`, `{"a":1,}`, `{"a":1} x`, `{"a":01}`, `{"a":"\x01"}`, `{"a":1,"a":2}`,
		`{"a":tru}`, strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)} {
		if _, err := ParseJSON([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestJSONWrite(t *testing.T) {
	a, _ := ParseAddress("0x2adba941c4f049fb96b0c07f00ad45333b8a96c0")
	w := NewJSON().String("s", "a\"b\\c\n\x01é").Uint64("n", 42).Amount("amt", NewAmount(7)).Address("to", a).Bool("t", true).
		Object("o", NewJSON()).Raw("r", []byte(`[1,2]`))
	want := `{"s":"a\"b\\c\n\u0001é","n":42,"amt":"7","to":"0x2adba941c4f049fb96b0c07f00ad45333b8a96c0","t":true,"o":{},"r":[1,2]}`
	if got := string(w.Bytes()); got != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
	o, err := ParseJSON(w.Bytes())
	if err != nil || o.String("s") != "a\"b\\c\n\x01é" || o.Amount("amt") != NewAmount(7) {
		t.Fatalf("round trip: %v", err)
	}
	if string(NewJSON().Bytes()) != "{}" {
		t.Fatal("empty object")
	}
}

func TestKeyAndPanicMessage(t *testing.T) {
	var a Address
	a[19] = 1
	if k := Key("balance", a[:]); k != "balance/"+string(a[:]) {
		t.Fatalf("%q", k)
	}
	if k := Key("allowance", []byte("x"), []byte("y")); k != "allowance/x/y" {
		t.Fatalf("%q", k)
	}
	if panicMessage("boom") != "boom" || panicMessage(errors.New("e")) != "e" || panicMessage(42) != "panic" {
		t.Fatal("panic messages")
	}
	defer func() {
		if r := recover(); r != RevertPanic("no") {
			t.Fatalf("Require: %v", r)
		}
	}()
	Require(true, "yes")
	Require(false, "no")
}
