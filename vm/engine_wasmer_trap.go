//go:build cgo

package vm

/*
#include <stddef.h>

// The two functions of libwasmer (linked in by wasmer-go) that free what
// a trap's trace holds; declared here without wasmer.h.
typedef struct vm_frame_vec { size_t size; void **data; } vm_frame_vec;
extern void wasm_frame_vec_delete(vm_frame_vec *v);
extern void wasm_frame_delete(void *frame);
*/
import "C"

import (
	"reflect"
	"runtime"
	"unsafe"

	"github.com/wasmerio/wasmer-go/wasmer"
)

// releaseTrap frees what wasmer-go v1.0.4 leaks with every trap, measured
// at about 100 bytes per wasm frame on the stack (1.4 MB for a stack
// overflow at the default stack weight):
//
//   - the trap's Trace and its Frames point at each other, and the Trace
//     has a finalizer: the collector never finalizes an object in a cycle
//     with a finalizer, so the native trace is never freed. The finalizer
//     could not run anyway: it passes cgo a pointer into a Go object that
//     holds Go pointers, which panics under the default cgocheck;
//   - the origin frame is owned by nobody and never freed.
//
// releaseTrap frees both natively, removes the Trace's finalizer and
// breaks the cycle. It touches wasmer-go's unexported fields; if their
// layout is not the expected one it does nothing (and the leak returns).
func releaseTrap(te *wasmer.TrapError) {
	frames := te.Trace()
	var trace *wasmer.Trace
	for _, f := range frames {
		owner, ok := field(f, "_ownedBy", reflect.Interface)
		if !ok {
			return
		}
		if trace == nil {
			trace, _ = (*(*any)(owner)).(*wasmer.Trace)
		}
		*(*any)(owner) = nil
	}
	if trace != nil {
		if vec, ok := field(trace, "_inner", reflect.Struct); ok {
			runtime.SetFinalizer(trace, nil)
			v := *(*C.vm_frame_vec)(vec)
			*(*C.vm_frame_vec)(vec) = C.vm_frame_vec{}
			C.wasm_frame_vec_delete(&v)
		}
	}
	if o := te.Origin(); o != nil {
		if inner, ok := field(o, "_inner", reflect.Pointer); ok {
			p := *(*unsafe.Pointer)(inner)
			*(*unsafe.Pointer)(inner) = nil
			if p != nil {
				C.wasm_frame_delete(p)
			}
		}
	}
	runtime.KeepAlive(te)
}

// field returns the address of the unexported field name of the struct
// *p, if it exists with the given kind.
func field(p any, name string, kind reflect.Kind) (unsafe.Pointer, bool) {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	f := v.Elem().FieldByName(name)
	if !f.IsValid() || f.Kind() != kind {
		return nil, false
	}
	if kind == reflect.Struct && f.Type().Size() != unsafe.Sizeof(C.vm_frame_vec{}) {
		return nil, false
	}
	return unsafe.Pointer(f.UnsafeAddr()), true
}
