;; A counter: the example contract of noded's README.
;;
;; Storage: one entry, key "count", value the count as 8 bytes
;; (little-endian unsigned). Inputs and return values use the same form.
;;
;;   init       runs once, at deploy: sets the count to the 8-byte input,
;;              or to 0 without input; other input reverts.
;;   increment  adds one, emits "incremented" with the new count, returns it.
;;   decrement  subtracts one, emits "decremented" with the new count and
;;              returns it; at zero it reverts with "counter is already zero".
;;   get        returns the count.
;;
;; Build: wat2wasm counter.wat, or let the test in this folder do it
;; (go test ./contracts/examples/counter-wat -update).
(module
  ;; Host ABI v1 (docs/abi.md), module "env".
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "env" "return_data" (func $return_data (param i32 i32)))
  (import "env" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))

  (memory (export "memory") 1)
  ;; Memory: constants, and the count at 32..40.
  (data (i32.const 0) "count")                                 ;; 5 bytes
  (data (i32.const 16) "incremented")                          ;; 11 bytes
  (data (i32.const 48) "decremented")                          ;; 11 bytes
  (data (i32.const 64) "counter is already zero")              ;; 23 bytes
  (data (i32.const 96) "init input must be 8 bytes or none")   ;; 34 bytes

  ;; $load reads the count into memory and returns it (0 if absent).
  (func $load (result i64)
    (i64.store (i32.const 32) (i64.const 0))
    (drop (call $storage_read (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)))
    (i64.load (i32.const 32)))

  ;; $save stores v as the count and leaves it in memory at 32.
  (func $save (param $v i64)
    (i64.store (i32.const 32) (local.get $v))
    (call $storage_write (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)))

  (func (export "init")
    (local $n i32)
    (local.set $n (call $input_size))
    (i64.store (i32.const 32) (i64.const 0))
    (if (i32.eq (local.get $n) (i32.const 8))
      (then (call $input_read (i32.const 32)))
      (else
        (if (i32.ne (local.get $n) (i32.const 0))
          (then (call $revert (i32.const 96) (i32.const 34))))))
    (call $save (i64.load (i32.const 32))))

  (func (export "increment")
    (call $save (i64.add (call $load) (i64.const 1)))
    (call $emit_event (i32.const 16) (i32.const 11) (i32.const 32) (i32.const 8))
    (call $return_data (i32.const 32) (i32.const 8)))

  (func (export "decrement")
    (local $v i64)
    (local.set $v (call $load))
    (if (i64.eqz (local.get $v))
      (then (call $revert (i32.const 64) (i32.const 23))))
    (call $save (i64.sub (local.get $v) (i64.const 1)))
    (call $emit_event (i32.const 48) (i32.const 11) (i32.const 32) (i32.const 8))
    (call $return_data (i32.const 32) (i32.const 8)))

  (func (export "get")
    (drop (call $load))
    (call $return_data (i32.const 32) (i32.const 8))))
