package vm

import (
	"runtime"
	"testing"
	"time"
)

func settle() {
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
	}
}

func TestZZLeak(t *testing.T) {
	for _, w := range []uint32{65536, 8192, 1024} {
		s := DefaultSchedule()
		s.Instructions.MaxStackWeight = w
		e := newTestEnv(t, Options{Schedule: s})
		e.deploy(harness, wat(t, harnessWAT), nil)
		settle()
		before := rss(t)
		start := time.Now()
		var r Result
		for i := 0; i < 300; i++ {
			r = e.callGas(harness, "recursion", nil, MaxGas)
		}
		d := time.Since(start) / 300
		settle()
		t.Logf("weight %d: %8v/call  RSS +%d KiB/call gas %d %v", w, d, (rss(t)-before)/300/1024, r.GasUsed, r.Err)
	}
}
