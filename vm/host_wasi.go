package vm

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// The WASI preview 1 functions (import module wasi_snapshot_preview1)
// that the standard Go toolchain's GOOS=wasip1 runtime imports. The VM
// answers them itself, deterministically, so that a contract built with
// `GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared` runs unchanged:
//
//   - random_get: bytes of a SHA-256 counter stream whose seed comes from
//     the call (wasiSeed), the same on every node;
//   - clock_time_get: the block's time (realtime and monotonic alike), in
//     nanoseconds, plus what poll_oneoff has slept in this call;
//   - poll_oneoff: sleeping advances that virtual clock; waiting on a
//     file descriptor fails with EBADF;
//   - fd_write to 1 and 2: the call's debug log, line by line;
//   - fd_prestat_get, fd_fdstat_get: EBADF (no preopened directories, no
//     files); args and environ: empty; sched_yield: nothing to do;
//   - proc_exit and every other function: the call traps with a message
//     naming it.
//
// The start function and _initialize (Go's package initialisation) see
// the init environment instead: time 0 and a seed from the code's hash.
// Their result is the module's snapshot, which must not depend on the
// transaction that happened to make the instance.
//
// Every function charges host_call_base, plus host_call_per_byte per
// byte copied (random_get also sha256_per_byte), like the ABI's.

// WASI error numbers (errno) the VM returns.
const (
	wasiESuccess = 0
	wasiEBADF    = 8
	wasiEINVAL   = 28
	wasiENOSYS   = 52
)

// Bounds on WASI arguments; beyond them a call fails (host error).
const (
	maxWasiIovecs   = 1024
	maxWasiWrite    = 64 << 10 // bytes per fd_write
	maxWasiRandom   = 64 << 10 // bytes per random_get
	maxWasiPollSubs = 64
	maxFatalLine    = 200 // bytes of Go's fatal error message kept for the trap's
)

// wasiFuncs lists the WASI functions, in a fixed order after ABI v1. The
// signatures are preview 1's; validation accepts an import only with the
// exact signature.
func wasiFuncs() []hostFn {
	fn := func(name string, params, results []ValueType, call func(*hostCall, []uint64) (uint64, *ExecError)) hostFn {
		if call == nil {
			call = wasiUnavailable
		}
		f := hostFn{name: name, params: params, results: results, call: call, module: wasiModule}
		if len(results) > 0 {
			f.failed = wasiENOSYS
		}
		return f
	}
	sig := func(types ...ValueType) []ValueType { return types }
	const I, L = I32, I64
	return []hostFn{
		// Answered.
		fn("args_get", sig(I, I), i32, wasiNothing),
		fn("args_sizes_get", sig(I, I), i32, wasiZeroSizes),
		fn("environ_get", sig(I, I), i32, wasiNothing),
		fn("environ_sizes_get", sig(I, I), i32, wasiZeroSizes),
		fn("clock_time_get", sig(I, L, I), i32, wasiClockTimeGet),
		fn("fd_write", sig(I, I, I, I), i32, wasiFdWrite),
		fn("fd_prestat_get", sig(I, I), i32, wasiBadFD),
		fn("fd_fdstat_get", sig(I, I), i32, wasiBadFD),
		fn("poll_oneoff", sig(I, I, I, I), i32, wasiPollOneoff),
		fn("random_get", sig(I, I), i32, wasiRandomGet),
		fn("sched_yield", none, i32, wasiNothing),
		fn("proc_exit", sig(I), none, wasiProcExit),
		// Importable, but a call traps.
		fn("clock_res_get", sig(I, I), i32, nil),
		fn("fd_advise", sig(I, L, L, I), i32, nil),
		fn("fd_allocate", sig(I, L, L), i32, nil),
		fn("fd_close", sig(I), i32, nil),
		fn("fd_datasync", sig(I), i32, nil),
		fn("fd_fdstat_set_flags", sig(I, I), i32, nil),
		fn("fd_fdstat_set_rights", sig(I, L, L), i32, nil),
		fn("fd_filestat_get", sig(I, I), i32, nil),
		fn("fd_filestat_set_size", sig(I, L), i32, nil),
		fn("fd_filestat_set_times", sig(I, L, L, I), i32, nil),
		fn("fd_pread", sig(I, I, I, L, I), i32, nil),
		fn("fd_prestat_dir_name", sig(I, I, I), i32, nil),
		fn("fd_pwrite", sig(I, I, I, L, I), i32, nil),
		fn("fd_read", sig(I, I, I, I), i32, nil),
		fn("fd_readdir", sig(I, I, I, L, I), i32, nil),
		fn("fd_renumber", sig(I, I), i32, nil),
		fn("fd_seek", sig(I, L, I, I), i32, nil),
		fn("fd_sync", sig(I), i32, nil),
		fn("fd_tell", sig(I, I), i32, nil),
		fn("path_create_directory", sig(I, I, I), i32, nil),
		fn("path_filestat_get", sig(I, I, I, I, I), i32, nil),
		fn("path_filestat_set_times", sig(I, I, I, I, L, L, I), i32, nil),
		fn("path_link", sig(I, I, I, I, I, I, I), i32, nil),
		fn("path_open", sig(I, I, I, I, I, L, L, I, I), i32, nil),
		fn("path_readlink", sig(I, I, I, I, I, I), i32, nil),
		fn("path_remove_directory", sig(I, I, I), i32, nil),
		fn("path_rename", sig(I, I, I, I, I, I), i32, nil),
		fn("path_symlink", sig(I, I, I, I, I), i32, nil),
		fn("path_unlink_file", sig(I, I, I), i32, nil),
		fn("proc_raise", sig(I), i32, nil),
		fn("sock_accept", sig(I, I, I), i32, nil),
		fn("sock_recv", sig(I, I, I, I, I, I), i32, nil),
		fn("sock_send", sig(I, I, I, I, I), i32, nil),
		fn("sock_shutdown", sig(I, I), i32, nil),
	}
}

// wasiState is what the WASI functions keep for one frame: its virtual
// clock and random stream, and its unfinished output line.
type wasiState struct {
	ready   bool
	seed    [32]byte
	sleep   uint64 // nanoseconds slept by poll_oneoff
	block   uint64 // next block of the random stream
	rand    []byte // unread bytes of the last block
	line    []byte // output not yet ended by a newline
	errLine []byte // standard error not yet ended by a newline
	fatal   string // the first line of standard error that begins "panic: " or "fatal error: "
}

// wasi returns the frame's WASI state, seeding it on first use.
func (c *hostCall) wasi() *wasiState {
	w := &c.f.wasi
	if !w.ready {
		w.ready = true
		w.seed = wasiSeed(c.ex.env, c.f)
	}
	return w
}

// wasiSeed is the seed of a frame's random stream. In the start function
// and _initialize: SHA-256("noded/wasi/init/v1" || code hash), so every
// instance of a module initialises alike. In a call: SHA-256(
// "noded/wasi/call/v1" || transaction hash || block height || contract
// address || sequence), where sequence numbers the calls of the
// transaction from 0 in the order they start. A query has the zero
// transaction hash; an estimate, the hash of the transaction it runs.
func wasiSeed(env *Env, f *frame) [32]byte {
	h := sha256.New()
	if f.start {
		h.Write([]byte("noded/wasi/init/v1"))
		h.Write(f.mod.hash[:])
	} else {
		h.Write([]byte("noded/wasi/call/v1"))
		h.Write(env.TxHash[:])
		h.Write(binary.BigEndian.AppendUint64(nil, env.BlockHeight))
		h.Write(f.self[:])
		h.Write(binary.BigEndian.AppendUint64(nil, f.seq))
	}
	var s [32]byte
	h.Sum(s[:0])
	return s
}

// now is the frame's virtual time in nanoseconds: the block's time, or 1
// in the init environment (Go's runtime refuses a clock at 0), plus what
// it slept.
func (c *hostCall) now() uint64 {
	base := uint64(1)
	if !c.f.start {
		base = max(satMul(c.ex.env.BlockTime, 1_000_000), 1)
	}
	return satAdd(base, c.wasi().sleep)
}

// putU32 and putU64 write little-endian values into memory.
func (c *hostCall) putU32(what string, ptr uint64, v uint32) *ExecError {
	return c.write(what, ptr, binary.LittleEndian.AppendUint32(nil, v))
}

func (c *hostCall) putU64(what string, ptr uint64, v uint64) *ExecError {
	return c.write(what, ptr, binary.LittleEndian.AppendUint64(nil, v))
}

func wasiUnavailable(c *hostCall, _ []uint64) (uint64, *ExecError) {
	return 0, &ExecError{Kind: KindTrap, Message: wasiModule + "." + c.name + " is not available to contracts"}
}

func wasiNothing(c *hostCall, _ []uint64) (uint64, *ExecError) {
	if err := c.charge(0, 0, 0); err != nil {
		return 0, err
	}
	return wasiESuccess, nil
}

// wasiZeroSizes answers args_sizes_get and environ_sizes_get: no
// arguments, no environment.
func wasiZeroSizes(c *hostCall, a []uint64) (uint64, *ExecError) {
	if err := c.charge(0, c.bytePrice(), 8); err != nil {
		return 0, err
	}
	if err := c.putU32("count", a[0], 0); err != nil {
		return 0, err
	}
	return wasiESuccess, c.putU32("size", a[1], 0)
}

func wasiBadFD(c *hostCall, _ []uint64) (uint64, *ExecError) {
	if err := c.charge(0, 0, 0); err != nil {
		return 0, err
	}
	return wasiEBADF, nil
}

// wasiClockTimeGet answers the realtime (0) and monotonic (1) clocks with
// the virtual time; the CPU-time clocks are refused (EINVAL).
func wasiClockTimeGet(c *hostCall, a []uint64) (uint64, *ExecError) {
	if err := c.charge(0, c.bytePrice(), 8); err != nil {
		return 0, err
	}
	if id := uint32(a[0]); id > 1 {
		return wasiEINVAL, nil
	}
	return wasiESuccess, c.putU64("time", a[2], c.now())
}

func wasiRandomGet(c *hostCall, a []uint64) (uint64, *ExecError) {
	n, err := c.length("buffer", a[1])
	if err != nil {
		return 0, err
	}
	s := &c.ex.v.opts.Schedule
	if err := c.charge(0, satAdd(c.bytePrice(), s.Sha256PerByte), n); err != nil {
		return 0, err
	}
	if n > maxWasiRandom {
		return 0, hostError(c.name, "%d bytes exceed %d", n, maxWasiRandom)
	}
	out, err := c.region("buffer", a[0], n)
	if err != nil {
		return 0, err
	}
	w := c.wasi()
	for len(out) > 0 {
		if len(w.rand) == 0 {
			var in [40]byte
			copy(in[:], w.seed[:])
			binary.BigEndian.PutUint64(in[32:], w.block)
			w.block++
			sum := sha256.Sum256(in[:])
			w.rand = sum[:]
		}
		k := copy(out, w.rand)
		out, w.rand = out[k:], w.rand[k:]
	}
	return wasiESuccess, nil
}

// wasiFdWrite writes to standard output or error, which go to the call's
// debug log line by line; other descriptors are EBADF.
func wasiFdWrite(c *hostCall, a []uint64) (uint64, *ExecError) {
	fd := uint32(a[0])
	n, err := c.length("iovec", a[2])
	if err != nil {
		return 0, err
	}
	if err := c.charge(0, c.bytePrice(), 8*n); err != nil {
		return 0, err
	}
	if n > maxWasiIovecs {
		return 0, hostError(c.name, "%d iovecs exceed %d", n, maxWasiIovecs)
	}
	iovs, err := c.region("iovec", a[1], 8*n)
	if err != nil {
		return 0, err
	}
	var data []byte
	for i := uint64(0); i < n; i++ {
		ptr := uint64(binary.LittleEndian.Uint32(iovs[8*i:]))
		size := uint64(binary.LittleEndian.Uint32(iovs[8*i+4:]))
		if err := c.chargeMore(c.bytePrice(), size, 0, 0); err != nil {
			return 0, err
		}
		if uint64(len(data))+size > maxWasiWrite {
			return 0, hostError(c.name, "more than %d bytes", maxWasiWrite)
		}
		b, err := c.region("buffer", ptr, size)
		if err != nil {
			return 0, err
		}
		data = append(data, b...)
	}
	if fd != 1 && fd != 2 {
		return wasiEBADF, nil
	}
	w := c.wasi()
	if fd == 2 && w.fatal == "" {
		w.scanFatal(data)
	}
	w.line = append(w.line, data...)
	for {
		i := indexByte(w.line, '\n')
		if i < 0 {
			break
		}
		c.ex.log(c.f, w.line[:i])
		w.line = w.line[i+1:]
	}
	if len(w.line) > MaxDebugLogLen {
		c.ex.log(c.f, w.line)
		w.line = nil
	}
	return wasiESuccess, c.putU32("count", a[3], uint32(len(data)))
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// log adds a debug message of f's contract, cut to MaxDebugLogLen.
func (ex *execution) log(f *frame, msg []byte) {
	if len(ex.logs) >= maxLogs {
		return
	}
	if len(msg) > MaxDebugLogLen {
		msg = msg[:MaxDebugLogLen]
	}
	ex.logs = append(ex.logs, f.self.String()+": "+string(msg))
}

// flushOutput logs what f wrote without a final newline.
func (ex *execution) flushOutput(f *frame) {
	if len(f.wasi.line) > 0 {
		ex.log(f, f.wasi.line)
		f.wasi.line = nil
	}
}

// Sizes of poll_oneoff's records.
const (
	wasiSubscriptionSize = 48
	wasiEventSize        = 32
)

// wasiPollOneoff waits for subscriptions. A clock subscription is met by
// advancing the virtual clock to the earliest deadline: every clock
// subscription due by then fires. A file descriptor subscription fails
// at once with EBADF, and then the clock does not move.
func wasiPollOneoff(c *hostCall, a []uint64) (uint64, *ExecError) {
	n, err := c.length("subscription", a[2])
	if err != nil {
		return 0, err
	}
	if err := c.charge(0, c.bytePrice(), n*(wasiSubscriptionSize+wasiEventSize)+4); err != nil {
		return 0, err
	}
	if n == 0 {
		return wasiEINVAL, nil
	}
	if n > maxWasiPollSubs {
		return 0, hostError(c.name, "%d subscriptions exceed %d", n, maxWasiPollSubs)
	}
	subs, err := c.read("subscriptions", a[0], n*wasiSubscriptionSize)
	if err != nil {
		return 0, err
	}
	if _, err := c.region("events", a[1], n*wasiEventSize); err != nil {
		return 0, err
	}
	type event struct {
		userdata uint64
		errno    uint16
		kind     uint8
	}
	var fdEvents, clockEvents []event
	now := c.now()
	deadlines := make([]uint64, n)
	earliest := ^uint64(0)
	for i := uint64(0); i < n; i++ {
		s := subs[i*wasiSubscriptionSize:]
		ud, tag := binary.LittleEndian.Uint64(s), s[8]
		switch tag {
		case 0: // clock
			timeout := binary.LittleEndian.Uint64(s[24:])
			d := satAdd(now, timeout)
			if binary.LittleEndian.Uint16(s[40:])&1 != 0 { // absolute time
				d = max(now, timeout)
			}
			deadlines[i] = d
			earliest = min(earliest, d)
		case 1, 2: // fd_read, fd_write
			fdEvents = append(fdEvents, event{ud, wasiEBADF, tag})
		default:
			return wasiEINVAL, nil
		}
	}
	events := fdEvents
	if len(events) == 0 {
		c.wasi().sleep += earliest - now
		for i := uint64(0); i < n; i++ {
			if deadlines[i] <= earliest {
				clockEvents = append(clockEvents, event{binary.LittleEndian.Uint64(subs[i*wasiSubscriptionSize:]), 0, 0})
			}
		}
		events = clockEvents
	}
	out := make([]byte, len(events)*wasiEventSize)
	for i, e := range events {
		r := out[i*wasiEventSize:]
		binary.LittleEndian.PutUint64(r, e.userdata)
		binary.LittleEndian.PutUint16(r[8:], e.errno)
		r[10] = e.kind
	}
	if err := c.write("events", a[1], out); err != nil {
		return 0, err
	}
	return wasiESuccess, c.putU32("count", a[3], uint32(len(events)))
}

// scanFatal looks for the line in which Go's runtime reports an
// unrecovered panic or a fatal error, "panic: ..." or "fatal error: ...",
// among what is written to standard error. The runtime then traps
// (unreachable) or exits, and the line goes into the trap's message.
func (w *wasiState) scanFatal(data []byte) {
	w.errLine = append(w.errLine, data...)
	for w.fatal == "" {
		i := indexByte(w.errLine, '\n')
		if i < 0 {
			if len(w.errLine) > maxFatalLine {
				w.errLine = w.errLine[:0] // a line too long to be the one
			}
			return
		}
		line := w.errLine[:i]
		if hasPrefix(line, "panic: ") || hasPrefix(line, "fatal error: ") {
			if len(line) > maxFatalLine {
				line = line[:maxFatalLine]
			}
			if utf8.Valid(line) {
				w.fatal = string(line)
			} else {
				w.fatal = revertMessage(line)
			}
		}
		w.errLine = w.errLine[i+1:]
	}
	w.errLine = nil
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// wasiProcExit ends the call with a trap. Go's runtime exits this way
// after a fatal error when it runs as a program.
func wasiProcExit(c *hostCall, a []uint64) (uint64, *ExecError) {
	if err := c.charge(0, 0, 0); err != nil {
		return 0, err
	}
	msg := "the contract exited with code " + strconv.FormatUint(uint64(uint32(a[0])), 10)
	if f := c.f.wasi.fatal; f != "" {
		msg += " after " + f
	}
	return 0, &ExecError{Kind: KindTrap, Message: msg}
}
