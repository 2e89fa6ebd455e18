//go:build cgo

package vm

/*
#include <stdint.h>

// wasm.h's wasm_val_t, declared here without wasm.h: a kind byte, then an
// 8-byte union.
typedef struct vm_val {
	uint8_t kind;
	union { int32_t i32; int64_t i64; float f32; double f64; void *ref; } of;
} vm_val;

// The two functions of libwasmer (linked in by wasmer-go) that read and
// write a global.
extern void wasm_global_get(const void *global, vm_val *out);
extern void wasm_global_set(void *global, const vm_val *value);

static int64_t vm_global_get(void *g) {
	vm_val v;
	wasm_global_get(g, &v);
	switch (v.kind) {
	case 0: return (int64_t)(uint32_t)v.of.i32;
	case 2: { union { float f; uint32_t u; } c; c.f = v.of.f32; return (int64_t)c.u; }
	default: return v.of.i64; // i64, and f64 by its bits
	}
}

static void vm_global_set(void *g, uint8_t kind, int64_t bits) {
	vm_val v;
	v.kind = kind;
	switch (kind) {
	case 0: v.of.i32 = (int32_t)(uint32_t)bits; break;
	case 2: { union { float f; uint32_t u; } c; c.u = (uint32_t)bits; v.of.f32 = c.f; break; }
	default: v.of.i64 = bits; // i64, and f64 by its bits
	}
	wasm_global_set(g, &v);
}
*/
import "C"

import (
	"math"
	"reflect"
	"runtime"
	"unsafe"

	"github.com/wasmerio/wasmer-go/wasmer"
)

// global reads and writes a wasm global as a bit pattern. wasmer-go's
// Global.Set asks the global for its type first (allocating a type with a
// finalizer) and boxes the value: ~1-2 us, and the VM touches the meter's
// globals on every host call and every global on every restore. So when
// wasmer-go's layout is the expected one, global calls libwasmer directly
// through the global's native pointer; otherwise it uses wasmer-go.
type global struct {
	g    *wasmer.Global // keeps the native global alive
	p    unsafe.Pointer // *wasm_global_t, or nil: use g
	kind wasmer.ValueKind
}

func newGlobal(g *wasmer.Global, kind wasmer.ValueKind) global {
	gl := global{g: g, kind: kind}
	if f, ok := field(g, "_inner", reflect.Pointer); ok {
		gl.p = *(*unsafe.Pointer)(f)
	}
	return gl
}

// bits returns the global's value: an i32 zero-extended, an i64, a
// float's IEEE bits.
func (gl *global) bits() uint64 {
	if gl.p != nil {
		v := C.vm_global_get(gl.p)
		runtime.KeepAlive(gl.g)
		return uint64(v)
	}
	v, _ := gl.g.Get()
	switch v := v.(type) {
	case int32:
		return uint64(uint32(v))
	case int64:
		return uint64(v)
	case float32:
		return uint64(math.Float32bits(v))
	case float64:
		return math.Float64bits(v)
	}
	return 0
}

// set writes the global from its bits.
func (gl *global) set(b uint64) {
	if gl.p != nil {
		C.vm_global_set(gl.p, C.uint8_t(gl.kind), C.int64_t(int64(b)))
		runtime.KeepAlive(gl.g)
		return
	}
	var v any
	switch gl.kind {
	case wasmer.I32:
		v = int32(uint32(b))
	case wasmer.I64:
		v = int64(b)
	case wasmer.F32:
		v = math.Float32frombits(uint32(b))
	case wasmer.F64:
		v = math.Float64frombits(b)
	}
	_ = gl.g.Set(v, gl.kind)
}
