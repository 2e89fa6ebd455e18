;; Adversarial contract for the conformance vectors (adversarial.json):
;; traps of every kind, out of gas in code and in host calls, deep
;; recursion, memory growth, host functions misused, failing and nested
;; calls. Every method takes no parameters; input and output go through
;; the host ABI (docs/abi.md).
;;
;; Memory (2 pages): 0-255 constants, 200 a byte the start function sets,
;; 1024 the input, 4096 a sub-call's data, 8192 scratch, 12288 a zero
;; amount, 12320 an amount of 5.
(module
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (import "env" "storage_read" (func $sr (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $sw (param i32 i32 i32 i32)))
  (import "env" "storage_delete" (func $sd (param i32 i32)))
  (import "env" "caller" (func $caller (param i32)))
  (import "env" "self_address" (func $self (param i32)))
  (import "env" "value" (func $value (param i32)))
  (import "env" "block_height" (func $height (result i64)))
  (import "env" "block_time" (func $time (result i64)))
  (import "env" "balance" (func $balance (param i32 i32)))
  (import "env" "transfer" (func $transfer (param i32 i32) (result i32)))
  (import "env" "emit_event" (func $ev (param i32 i32 i32 i32)))
  (import "env" "call_contract" (func $call (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (import "env" "return_data_size" (func $rds (result i32)))
  (import "env" "return_data_read" (func $rdr (param i32)))
  (import "env" "sha256" (func $sha (param i32 i32 i32)))
  (import "env" "debug_log" (func $log (param i32 i32)))
  (import "env" "gas_left" (func $gas_left (result i64)))

  (memory (export "memory") 2)
  (data (i32.const 0) "a")
  (data (i32.const 1) "b")
  (data (i32.const 2) "c")
  (data (i32.const 3) "boom")
  (data (i32.const 7) "recurse")
  (data (i32.const 16) "\ff\fe")
  (data (i32.const 32) "w")
  (data (i32.const 48) "topic")
  (data (i32.const 12351) "\05")

  (type $i2i (func (param i32) (result i32)))
  (type $void (func))
  (table 3 funcref)
  (elem (i32.const 0) $ident $void)

  (func $ident (param i32) (result i32) (local.get 0))
  (func $void)

  ;; The start function runs at deploy (charged) and in every fresh
  ;; instance (uncharged).
  (func $start (i32.store8 (i32.const 200) (i32.add (i32.load8_u (i32.const 200)) (i32.const 42))))
  (start $start)
  (func (export "started") (call $ret (i32.const 200) (i32.const 1)))

  (func $read_input (result i32)
    (call $input_read (i32.const 1024))
    (call $input_size))

  ;; Calls the method named by the input on this contract with gas;
  ;; returns [code][the sub-call's data].
  (func $sub (param $gas i64) (local $code i32) (local $n i32)
    (local.set $n (call $read_input))
    (call $self (i32.const 8192))
    (local.set $code (call $call (i32.const 8192) (i32.const 1024) (local.get $n)
      (i32.const 0) (i32.const 0) (i32.const 12288) (local.get $gas)))
    (call $return_code_and_data (local.get $code)))
  (func $return_code_and_data (param $code i32) (local $n i32)
    (i32.store8 (i32.const 4095) (local.get $code))
    (local.set $n (call $rds))
    (call $rdr (i32.const 4096))
    (call $ret (i32.const 4095) (i32.add (local.get $n) (i32.const 1))))
  (func $one (i32.store8 (i32.const 8300) (i32.const 1)))

  ;; Traps.
  (func (export "unreachable") unreachable)
  (func (export "div0_i32") (drop (i32.div_s (i32.const 1) (i32.const 0))))
  (func (export "rem0_i64") (drop (i64.rem_u (i64.const 1) (i64.const 0))))
  (func (export "overflow_i32") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "overflow_i64") (drop (i64.div_s (i64.const 0x8000000000000000) (i64.const -1))))
  (func (export "rem_min_i32") ;; not a trap: 0
    (i32.store (i32.const 8192) (i32.rem_s (i32.const 0x80000000) (i32.const -1)))
    (call $ret (i32.const 8192) (i32.const 4)))
  (func (export "trunc_nan") (drop (i32.trunc_f64_s (f64.const nan))))
  (func (export "trunc_big") (drop (i32.trunc_f64_s (f64.const 3e9))))
  (func (export "oob_load") (drop (i32.load (i32.const 0x7fffffff))))
  (func (export "oob_load_offset") (drop (i64.load offset=131065 (i32.const 0))))
  (func (export "oob_store_edge") (i64.store (i32.const 131068) (i64.const -1)))
  (func (export "oob_fill") (memory.fill (i32.const 131000) (i32.const 0) (i32.const 1000)))
  (func (export "oob_copy") (memory.copy (i32.const 0) (i32.const 130000) (i32.const 2000)))
  (func (export "undefined_elem") (drop (call_indirect (type $i2i) (i32.const 1) (i32.const 7))))
  (func (export "null_elem") (drop (call_indirect (type $i2i) (i32.const 1) (i32.const 2))))
  (func (export "bad_sig") (call_indirect (type $void) (i32.const 0)))
  (func (export "good_indirect")
    (i32.store (i32.const 8192) (call_indirect (type $i2i) (i32.const 77) (i32.const 0)))
    (call_indirect (type $void) (i32.const 1))
    (call $ret (i32.const 8192) (i32.const 4)))

  ;; Out of gas.
  (func (export "loop") (loop $l (br $l)))
  (func (export "loop_mem") (local $i i32)
    (loop $l
      (i32.store (i32.and (local.get $i) (i32.const 0xfffc)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l)))
  (func (export "storage_loop") (loop $l
    (drop (call $sr (i32.const 0) (i32.const 1) (i32.const 8192) (i32.const 8)))
    (br $l)))
  (func (export "gas_loop") ;; host calls only
    (loop $l (br_if $l (i64.gt_u (call $gas_left) (i64.const 0)))))

  ;; The stack.
  (func $rec (export "recursion") (call $rec))
  (func $ping (export "mutual") (call $pong))
  (func $pong (call $ping))
  (func $fat (export "recursion_locals")
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 63 (i64.const 1))
    (call $fat))
  (func $down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "recursion_1000")
    (i32.store (i32.const 8192) (call $down (i32.const 1000)))
    (call $ret (i32.const 8192) (i32.const 4)))

  ;; Memory growth.
  (func (export "grow_bomb")
    (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (i32.store (i32.const 8192) (memory.size))
    (call $ret (i32.const 8192) (i32.const 4)))
  (func (export "grow_huge") (drop (memory.grow (i32.const 65535))))
  (func (export "grow_past_max") ;; -1, not a trap
    (i32.store (i32.const 8192) (memory.grow (i32.const 255)))
    (call $ret (i32.const 8192) (i32.const 4)))
  (func (export "grow_once") ;; a fresh memory every call: returns 1
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.const 100) (i32.add (i32.load8_u (i32.const 100)) (i32.const 1)))
    (i32.store8 (i32.const 140000) (i32.const 9))
    (call $ret (i32.const 100) (i32.const 1)))
  (func (export "grow_then_trap")
    (drop (memory.grow (i32.const 3)))
    (i32.store (i32.const 300000) (i32.const 1))
    unreachable)

  ;; Host functions misused.
  (func (export "key_oob") (drop (call $sr (i32.const 131070) (i32.const 4) (i32.const 0) (i32.const 0))))
  (func (export "value_oob") (drop (call $sr (i32.const 0) (i32.const 1) (i32.const 131000) (i32.const 1000))))
  (func (export "neg_len") (call $sw (i32.const 0) (i32.const -1) (i32.const 0) (i32.const 0)))
  (func (export "neg_ptr") (call $sw (i32.const -5) (i32.const 3) (i32.const 0) (i32.const 0)))
  (func (export "big_key") (call $sw (i32.const 0) (i32.const 257) (i32.const 0) (i32.const 1)))
  (func (export "big_value") (call $sw (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 65537)))
  (func (export "big_topic") (call $ev (i32.const 0) (i32.const 65) (i32.const 0) (i32.const 0)))
  (func (export "bad_topic") (call $ev (i32.const 16) (i32.const 2) (i32.const 0) (i32.const 0)))
  (func (export "big_event_data") (call $ev (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 65537)))
  (func (export "many_events") (local $i i32)
    (loop $l
      (call $ev (i32.const 48) (i32.const 5) (i32.const 0) (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.le_u (local.get $i) (i32.const 1024)))))
  (func (export "big_return") (call $ret (i32.const 0) (i32.const 65537)))
  (func (export "input_oob") (call $input_read (i32.const 131070)))
  (func (export "hash_oob") (call $sha (i32.const 0) (i32.const 4) (i32.const 131060)))
  (func (export "big_log") (call $log (i32.const 0) (i32.const 1025)))
  (func (export "call_bad_addr") (drop (call $call (i32.const 131070) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const -1))))
  (func (export "host_after_failure") ;; the failed call's later host calls are refused
    (call $sw (i32.const 0) (i32.const 257) (i32.const 0) (i32.const 1))
    (call $sw (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)))
  (func (export "revert_after_return")
    (call $ret (i32.const 3) (i32.const 4))
    (call $revert (i32.const 0) (i32.const 1)))

  ;; Storage, events, the environment.
  (func (export "write") ;; key "w" = the input
    (call $sw (i32.const 32) (i32.const 1) (i32.const 1024) (call $read_input)))
  (func (export "read") (local $n i32)
    (local.set $n (call $sr (i32.const 32) (i32.const 1) (i32.const 8192) (i32.const 1024)))
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (call $revert (i32.const 3) (i32.const 4)) (return)))
    (call $ret (i32.const 8192) (local.get $n)))
  (func (export "delete") (call $sd (i32.const 32) (i32.const 1)))
  (func (export "event") (call $ev (i32.const 48) (i32.const 5) (i32.const 1024) (call $read_input)))
  (func (export "env")
    (call $caller (i32.const 2048))
    (call $self (i32.const 2068))
    (call $value (i32.const 2088))
    (i64.store (i32.const 2120) (call $height))
    (i64.store (i32.const 2128) (call $time))
    (call $ret (i32.const 2048) (i32.const 88)))
  (func (export "gas")
    (i64.store (i32.const 8192) (call $gas_left))
    (call $ret (i32.const 8192) (i32.const 8)))
  (func (export "hash")
    (call $sha (i32.const 1024) (call $read_input) (i32.const 8192))
    (call $ret (i32.const 8192) (i32.const 32)))
  (func (export "log") (call $log (i32.const 1024) (call $read_input)))
  (func (export "balance_self")
    (call $self (i32.const 8192))
    (call $balance (i32.const 8192) (i32.const 8224))
    (call $ret (i32.const 8224) (i32.const 32)))
  (func (export "pay5") ;; sends 5 to the caller; returns the code
    (call $caller (i32.const 8192))
    (i32.store8 (i32.const 8300) (call $transfer (i32.const 8192) (i32.const 12320)))
    (call $ret (i32.const 8300) (i32.const 1)))

  ;; Failures that undo, and calls between contracts.
  (func (export "write_trap")
    (call $one)
    (call $sw (i32.const 1) (i32.const 1) (i32.const 8300) (i32.const 1))
    (call $ev (i32.const 48) (i32.const 5) (i32.const 0) (i32.const 0))
    unreachable)
  (func (export "write_revert")
    (call $one)
    (call $sw (i32.const 1) (i32.const 1) (i32.const 8300) (i32.const 1))
    (call $ev (i32.const 48) (i32.const 5) (i32.const 0) (i32.const 0))
    (call $revert (i32.const 3) (i32.const 4)))
  (func (export "write_b")
    (call $one)
    (call $sw (i32.const 1) (i32.const 1) (i32.const 8300) (i32.const 1))
    (call $ev (i32.const 48) (i32.const 5) (i32.const 1) (i32.const 1)))
  (func (export "sub") (call $sub (i64.const -1)))
  (func (export "sub_5000") (call $sub (i64.const 5000)))
  (func (export "write_then_sub") ;; writes "a", calls the input's method, writes "c"
    (call $one)
    (call $sw (i32.const 0) (i32.const 1) (i32.const 8300) (i32.const 1))
    (call $sub (i64.const -1))
    (call $sw (i32.const 2) (i32.const 1) (i32.const 8300) (i32.const 1)))
  ;; calls itself until the depth limit; returns [innermost code][levels]
  (func (export "recurse") (local $code i32)
    (call $self (i32.const 2048))
    (local.set $code (call $call (i32.const 2048) (i32.const 7) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 12288) (i64.const -1)))
    (if (local.get $code)
      (then
        (i32.store8 (i32.const 4096) (local.get $code))
        (i32.store8 (i32.const 4097) (i32.const 0))
        (call $ret (i32.const 4096) (i32.const 2))
        (return)))
    (call $rdr (i32.const 4096))
    (i32.store8 (i32.const 4097) (i32.add (i32.load8_u (i32.const 4097)) (i32.const 1)))
    (call $ret (i32.const 4096) (i32.const 2)))

  (func (export "with_param") (param i32)))
