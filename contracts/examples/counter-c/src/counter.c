// The counter example in C, to show that the host ABI is language-neutral:
// the same methods, storage, events and revert as counter-wat. Build it
// with Debian's clang and lld (apt-get install clang lld):
//
//   clang --target=wasm32 -O2 -nostdlib -fno-builtin -Wl,--no-entry -Wl,--strip-all \
//     -o counter.wasm src/counter.c
//
// (what build.sh runs). No libc: the few helpers it needs are below.

typedef unsigned long long u64;
typedef int i32;

#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("input_size") i32 input_size(void);
IMPORT("input_read") void input_read(void *ptr);
IMPORT("storage_read") i32 storage_read(const void *key, i32 klen, void *val, i32 vcap);
IMPORT("storage_write") void storage_write(const void *key, i32 klen, const void *val, i32 vlen);
IMPORT("return_data") void return_data(const void *ptr, i32 len);
IMPORT("revert") void revert(const void *ptr, i32 len);
IMPORT("emit_event") void emit_event(const void *topic, i32 tlen, const void *data, i32 dlen);

static const char KEY[] = "count";
static const char INCREMENTED[] = "incremented";
static const char DECREMENTED[] = "decremented";
static const char ERR_ZERO[] = "counter is already zero";

#define LEN(s) ((i32)sizeof(s) - 1)

// The count is 8 bytes, a little-endian integer (wasm is little-endian).
static u64 load(void) {
	u64 n = 0;
	storage_read(KEY, LEN(KEY), &n, sizeof n);
	return n;
}

static void store(u64 n) { storage_write(KEY, LEN(KEY), &n, sizeof n); }

// init sets the count to the 8-byte input, if any, else 0.
EXPORT("init") void init(void) {
	u64 n = 0;
	if (input_size() == sizeof n) input_read(&n);
	store(n);
}

EXPORT("increment") void increment(void) {
	u64 n = load() + 1;
	store(n);
	emit_event(INCREMENTED, LEN(INCREMENTED), &n, sizeof n);
	return_data(&n, sizeof n);
}

EXPORT("decrement") void decrement(void) {
	u64 n = load();
	if (n == 0) {
		revert(ERR_ZERO, LEN(ERR_ZERO));
		return;
	}
	n--;
	store(n);
	emit_event(DECREMENTED, LEN(DECREMENTED), &n, sizeof n);
	return_data(&n, sizeof n);
}

EXPORT("get") void get(void) {
	u64 n = load();
	return_data(&n, sizeof n);
}
