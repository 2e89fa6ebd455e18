package vm

// Test contracts in WAT. Memory layout conventions: scratch from 1024.

// counterWAT keeps a counter under "count": init sets it to the 8-byte
// input, increment adds one, emits "incremented" and returns the new
// value, get returns it.
const counterWAT = `(module
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "storage_read" (func $sr (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $sw (param i32 i32 i32 i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (import "env" "emit_event" (func $ev (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "count")
  (data (i32.const 16) "incremented")
  (func (export "init")
    (i64.store (i32.const 32) (i64.const 0))
    (if (i32.eq (call $input_size) (i32.const 8)) (then (call $input_read (i32.const 32))))
    (call $sw (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)))
  (func (export "increment")
    (drop (call $sr (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)))
    (i64.store (i32.const 32) (i64.add (i64.load (i32.const 32)) (i64.const 1)))
    (call $sw (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8))
    (call $ev (i32.const 16) (i32.const 11) (i32.const 32) (i32.const 8))
    (call $ret (i32.const 32) (i32.const 8)))
  (func (export "get")
    (drop (call $sr (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)))
    (call $ret (i32.const 32) (i32.const 8))))`

// kvWAT is a key/value store. set: input is a 1-byte key length, the
// key, then the value. get: input is the key; returns the value or
// reverts with "not found". del: input is the key.
const kvWAT = `(module
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "storage_read" (func $sr (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $sw (param i32 i32 i32 i32)))
  (import "env" "storage_delete" (func $sd (param i32 i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "not found")
  (func (export "set") (local $n i32) (local $k i32)
    (local.set $n (call $input_size))
    (call $input_read (i32.const 1024))
    (local.set $k (i32.load8_u (i32.const 1024)))
    (call $sw (i32.const 1025) (local.get $k)
      (i32.add (i32.const 1025) (local.get $k))
      (i32.sub (local.get $n) (i32.add (local.get $k) (i32.const 1)))))
  (func (export "get") (local $n i32) (local $v i32)
    (local.set $n (call $input_size))
    (call $input_read (i32.const 1024))
    (local.set $v (call $sr (i32.const 1024) (local.get $n) (i32.const 4096) (i32.const 65536)))
    (if (i32.lt_s (local.get $v) (i32.const 0))
      (then (call $revert (i32.const 0) (i32.const 9)) (return)))
    (call $ret (i32.const 4096) (local.get $v)))
  (func (export "del")
    (call $input_read (i32.const 1024))
    (call $sd (i32.const 1024) (call $input_size))))`

// scribbleWAT increments the byte at 100 of its memory and returns it: a
// fresh memory in every call returns 1. It also increments a mutable
// global and returns it at 101.
const scribbleWAT = `(module
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "run")
    (i32.store8 (i32.const 100) (i32.add (i32.load8_u (i32.const 100)) (i32.const 1)))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store8 (i32.const 101) (global.get $g))
    (call $ret (i32.const 100) (i32.const 2))))`
