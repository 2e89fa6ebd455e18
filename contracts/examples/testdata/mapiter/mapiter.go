//go:build wasip1

// Command mapiter is a test contract whose results depend on everything a
// Go runtime could make differ between nodes: the iteration order of
// maps (randomised by Go), time.Now, crypto/rand and math/rand, goroutine
// scheduling, and the garbage collector. The node must make all of them
// the same everywhere.
package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	mrand "math/rand/v2"
	"runtime"
	"strconv"
	"time"

	"github.com/noded/noded/contracts/sdk"
)

// seen is built at initialisation: its iteration order is part of the
// snapshot every call starts from.
var seen = func() map[string]int {
	m := map[string]int{}
	for i := range 100 {
		m["k"+strconv.Itoa(i)] = i
	}
	return m
}()

// mix takes words, counts them in a map and writes, in the map's
// iteration order, what it saw, with the time and random numbers.
//
//go:wasmexport mix
func mix() {
	defer sdk.Recover()
	run(true)
}

// maps is mix without the time: for nodes whose blocks have different
// times (independent dev chains).
//
//go:wasmexport maps
func maps() {
	defer sdk.Recover()
	run(false)
}

func run(withTime bool) {
	counts := map[string]int{}
	word := []byte{}
	for _, c := range append(sdk.Input(), ' ') {
		if c == ' ' {
			if len(word) > 0 {
				counts[string(word)]++
			}
			word = word[:0]
			continue
		}
		word = append(word, c)
	}
	h := sha256.New()
	order := ""
	for w, n := range counts {
		order += w + "=" + strconv.Itoa(n) + ","
		h.Write([]byte(w))
	}
	for k := range seen {
		h.Write([]byte(k))
	}
	r := make([]byte, 8)
	rand.Read(r)
	ch := make(chan int, 4)
	for i := range 4 {
		go func() { ch <- i * int(r[i]) }()
	}
	sum := 0
	for range 4 {
		sum += <-ch
	}
	runtime.GC()
	now := int64(0)
	if withTime {
		now = time.Now().UnixNano()
	}
	out := order + "|" + strconv.FormatInt(now, 10) + "|" + hex.EncodeToString(r) +
		"|" + strconv.Itoa(mrand.IntN(1000000)) + "|" + strconv.Itoa(sum) + "|" + hex.EncodeToString(h.Sum(nil))
	sdk.Set(sdk.Key("mix", []byte(strconv.FormatUint(sdk.BlockHeight(), 10))), []byte(out))
	sdk.ReturnString(out)
}

func main() {}
