;; Bulk memory for the conformance vectors (bulk.json): memory.fill,
;; memory.copy (overlapping both ways), memory.init and data.drop on a
;; passive segment, their per-word gas and their traps. A module with a
;; passive segment gets a fresh instance for every call.
(module
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 2)
  (data $hello "hello, bulk memory")
  (data (i32.const 0) "0123456789abcdef")

  (func (export "fill")
    (memory.fill (i32.const 100) (i32.const 0x41) (i32.const 20))
    (memory.fill (i32.const 110) (i32.const 0x142) (i32.const 0))
    (call $ret (i32.const 96) (i32.const 28)))
  (func (export "fill_big") ;; 128 KiB less a little: its gas is per 8-byte word
    (memory.fill (i32.const 8) (i32.const 7) (i32.const 131000))
    (call $ret (i32.const 130990) (i32.const 20)))
  (func (export "copy_forward")
    (memory.copy (i32.const 4) (i32.const 0) (i32.const 10))
    (call $ret (i32.const 0) (i32.const 16)))
  (func (export "copy_backward")
    (memory.copy (i32.const 0) (i32.const 4) (i32.const 10))
    (call $ret (i32.const 0) (i32.const 16)))
  (func (export "copy_big")
    (memory.copy (i32.const 65536) (i32.const 0) (i32.const 65536))
    (call $ret (i32.const 65536) (i32.const 16)))
  (func (export "meminit")
    (memory.init $hello (i32.const 200) (i32.const 7) (i32.const 11))
    (call $ret (i32.const 200) (i32.const 11)))
  (func (export "drop_then_init_empty") ;; a dropped segment has length 0
    (data.drop $hello)
    (memory.init $hello (i32.const 200) (i32.const 0) (i32.const 0))
    (call $ret (i32.const 200) (i32.const 4)))
  (func (export "drop_then_init") ;; traps
    (data.drop $hello)
    (memory.init $hello (i32.const 200) (i32.const 0) (i32.const 1)))
  (func (export "init_oob") (memory.init $hello (i32.const 0) (i32.const 10) (i32.const 9)))
  (func (export "fill_oob") (memory.fill (i32.const 131060) (i32.const 1) (i32.const 13)))
  (func (export "copy_oob") (memory.copy (i32.const 131000) (i32.const 0) (i32.const 1000)))
  (func (export "copy_huge") ;; the gas of 2^32-1 bytes is charged first: out of gas
    (memory.copy (i32.const 0) (i32.const 0) (i32.const -1)))
  ;; fill n bytes (input: 4 bytes) at 1000
  (func (export "fill_n")
    (call $input_read (i32.const 0))
    (memory.fill (i32.const 1000) (i32.const 0x5a) (i32.load (i32.const 0)))
    (call $ret (i32.const 996) (i32.const 8))))
