// Code generated from the WebAssembly specification's opcode tables; DO NOT EDIT.

package wasm

// The opcodes this package accepts. A 0xFC-prefixed opcode with sub-opcode
// s is numbered 0x100+s so that all fit one small table.
const (
	OpUnreachable       Opcode = 0x00  // unreachable
	OpNop               Opcode = 0x01  // nop
	OpBlock             Opcode = 0x02  // block
	OpLoop              Opcode = 0x03  // loop
	OpIf                Opcode = 0x04  // if
	OpElse              Opcode = 0x05  // else
	OpEnd               Opcode = 0x0b  // end
	OpBr                Opcode = 0x0c  // br
	OpBrIf              Opcode = 0x0d  // br_if
	OpBrTable           Opcode = 0x0e  // br_table
	OpReturn            Opcode = 0x0f  // return
	OpCall              Opcode = 0x10  // call
	OpCallIndirect      Opcode = 0x11  // call_indirect
	OpDrop              Opcode = 0x1a  // drop
	OpSelect            Opcode = 0x1b  // select
	OpLocalGet          Opcode = 0x20  // local.get
	OpLocalSet          Opcode = 0x21  // local.set
	OpLocalTee          Opcode = 0x22  // local.tee
	OpGlobalGet         Opcode = 0x23  // global.get
	OpGlobalSet         Opcode = 0x24  // global.set
	OpI32Load           Opcode = 0x28  // i32.load
	OpI64Load           Opcode = 0x29  // i64.load
	OpF32Load           Opcode = 0x2a  // f32.load
	OpF64Load           Opcode = 0x2b  // f64.load
	OpI32Load8S         Opcode = 0x2c  // i32.load8_s
	OpI32Load8U         Opcode = 0x2d  // i32.load8_u
	OpI32Load16S        Opcode = 0x2e  // i32.load16_s
	OpI32Load16U        Opcode = 0x2f  // i32.load16_u
	OpI64Load8S         Opcode = 0x30  // i64.load8_s
	OpI64Load8U         Opcode = 0x31  // i64.load8_u
	OpI64Load16S        Opcode = 0x32  // i64.load16_s
	OpI64Load16U        Opcode = 0x33  // i64.load16_u
	OpI64Load32S        Opcode = 0x34  // i64.load32_s
	OpI64Load32U        Opcode = 0x35  // i64.load32_u
	OpI32Store          Opcode = 0x36  // i32.store
	OpI64Store          Opcode = 0x37  // i64.store
	OpF32Store          Opcode = 0x38  // f32.store
	OpF64Store          Opcode = 0x39  // f64.store
	OpI32Store8         Opcode = 0x3a  // i32.store8
	OpI32Store16        Opcode = 0x3b  // i32.store16
	OpI64Store8         Opcode = 0x3c  // i64.store8
	OpI64Store16        Opcode = 0x3d  // i64.store16
	OpI64Store32        Opcode = 0x3e  // i64.store32
	OpMemorySize        Opcode = 0x3f  // memory.size
	OpMemoryGrow        Opcode = 0x40  // memory.grow
	OpI32Const          Opcode = 0x41  // i32.const
	OpI64Const          Opcode = 0x42  // i64.const
	OpF32Const          Opcode = 0x43  // f32.const
	OpF64Const          Opcode = 0x44  // f64.const
	OpI32Eqz            Opcode = 0x45  // i32.eqz
	OpI32Eq             Opcode = 0x46  // i32.eq
	OpI32Ne             Opcode = 0x47  // i32.ne
	OpI32LtS            Opcode = 0x48  // i32.lt_s
	OpI32LtU            Opcode = 0x49  // i32.lt_u
	OpI32GtS            Opcode = 0x4a  // i32.gt_s
	OpI32GtU            Opcode = 0x4b  // i32.gt_u
	OpI32LeS            Opcode = 0x4c  // i32.le_s
	OpI32LeU            Opcode = 0x4d  // i32.le_u
	OpI32GeS            Opcode = 0x4e  // i32.ge_s
	OpI32GeU            Opcode = 0x4f  // i32.ge_u
	OpI64Eqz            Opcode = 0x50  // i64.eqz
	OpI64Eq             Opcode = 0x51  // i64.eq
	OpI64Ne             Opcode = 0x52  // i64.ne
	OpI64LtS            Opcode = 0x53  // i64.lt_s
	OpI64LtU            Opcode = 0x54  // i64.lt_u
	OpI64GtS            Opcode = 0x55  // i64.gt_s
	OpI64GtU            Opcode = 0x56  // i64.gt_u
	OpI64LeS            Opcode = 0x57  // i64.le_s
	OpI64LeU            Opcode = 0x58  // i64.le_u
	OpI64GeS            Opcode = 0x59  // i64.ge_s
	OpI64GeU            Opcode = 0x5a  // i64.ge_u
	OpF32Eq             Opcode = 0x5b  // f32.eq
	OpF32Ne             Opcode = 0x5c  // f32.ne
	OpF32Lt             Opcode = 0x5d  // f32.lt
	OpF32Gt             Opcode = 0x5e  // f32.gt
	OpF32Le             Opcode = 0x5f  // f32.le
	OpF32Ge             Opcode = 0x60  // f32.ge
	OpF64Eq             Opcode = 0x61  // f64.eq
	OpF64Ne             Opcode = 0x62  // f64.ne
	OpF64Lt             Opcode = 0x63  // f64.lt
	OpF64Gt             Opcode = 0x64  // f64.gt
	OpF64Le             Opcode = 0x65  // f64.le
	OpF64Ge             Opcode = 0x66  // f64.ge
	OpI32Clz            Opcode = 0x67  // i32.clz
	OpI32Ctz            Opcode = 0x68  // i32.ctz
	OpI32Popcnt         Opcode = 0x69  // i32.popcnt
	OpI32Add            Opcode = 0x6a  // i32.add
	OpI32Sub            Opcode = 0x6b  // i32.sub
	OpI32Mul            Opcode = 0x6c  // i32.mul
	OpI32DivS           Opcode = 0x6d  // i32.div_s
	OpI32DivU           Opcode = 0x6e  // i32.div_u
	OpI32RemS           Opcode = 0x6f  // i32.rem_s
	OpI32RemU           Opcode = 0x70  // i32.rem_u
	OpI32And            Opcode = 0x71  // i32.and
	OpI32Or             Opcode = 0x72  // i32.or
	OpI32Xor            Opcode = 0x73  // i32.xor
	OpI32Shl            Opcode = 0x74  // i32.shl
	OpI32ShrS           Opcode = 0x75  // i32.shr_s
	OpI32ShrU           Opcode = 0x76  // i32.shr_u
	OpI32Rotl           Opcode = 0x77  // i32.rotl
	OpI32Rotr           Opcode = 0x78  // i32.rotr
	OpI64Clz            Opcode = 0x79  // i64.clz
	OpI64Ctz            Opcode = 0x7a  // i64.ctz
	OpI64Popcnt         Opcode = 0x7b  // i64.popcnt
	OpI64Add            Opcode = 0x7c  // i64.add
	OpI64Sub            Opcode = 0x7d  // i64.sub
	OpI64Mul            Opcode = 0x7e  // i64.mul
	OpI64DivS           Opcode = 0x7f  // i64.div_s
	OpI64DivU           Opcode = 0x80  // i64.div_u
	OpI64RemS           Opcode = 0x81  // i64.rem_s
	OpI64RemU           Opcode = 0x82  // i64.rem_u
	OpI64And            Opcode = 0x83  // i64.and
	OpI64Or             Opcode = 0x84  // i64.or
	OpI64Xor            Opcode = 0x85  // i64.xor
	OpI64Shl            Opcode = 0x86  // i64.shl
	OpI64ShrS           Opcode = 0x87  // i64.shr_s
	OpI64ShrU           Opcode = 0x88  // i64.shr_u
	OpI64Rotl           Opcode = 0x89  // i64.rotl
	OpI64Rotr           Opcode = 0x8a  // i64.rotr
	OpF32Abs            Opcode = 0x8b  // f32.abs
	OpF32Neg            Opcode = 0x8c  // f32.neg
	OpF32Ceil           Opcode = 0x8d  // f32.ceil
	OpF32Floor          Opcode = 0x8e  // f32.floor
	OpF32Trunc          Opcode = 0x8f  // f32.trunc
	OpF32Nearest        Opcode = 0x90  // f32.nearest
	OpF32Sqrt           Opcode = 0x91  // f32.sqrt
	OpF32Add            Opcode = 0x92  // f32.add
	OpF32Sub            Opcode = 0x93  // f32.sub
	OpF32Mul            Opcode = 0x94  // f32.mul
	OpF32Div            Opcode = 0x95  // f32.div
	OpF32Min            Opcode = 0x96  // f32.min
	OpF32Max            Opcode = 0x97  // f32.max
	OpF32Copysign       Opcode = 0x98  // f32.copysign
	OpF64Abs            Opcode = 0x99  // f64.abs
	OpF64Neg            Opcode = 0x9a  // f64.neg
	OpF64Ceil           Opcode = 0x9b  // f64.ceil
	OpF64Floor          Opcode = 0x9c  // f64.floor
	OpF64Trunc          Opcode = 0x9d  // f64.trunc
	OpF64Nearest        Opcode = 0x9e  // f64.nearest
	OpF64Sqrt           Opcode = 0x9f  // f64.sqrt
	OpF64Add            Opcode = 0xa0  // f64.add
	OpF64Sub            Opcode = 0xa1  // f64.sub
	OpF64Mul            Opcode = 0xa2  // f64.mul
	OpF64Div            Opcode = 0xa3  // f64.div
	OpF64Min            Opcode = 0xa4  // f64.min
	OpF64Max            Opcode = 0xa5  // f64.max
	OpF64Copysign       Opcode = 0xa6  // f64.copysign
	OpI32WrapI64        Opcode = 0xa7  // i32.wrap_i64
	OpI32TruncF32S      Opcode = 0xa8  // i32.trunc_f32_s
	OpI32TruncF32U      Opcode = 0xa9  // i32.trunc_f32_u
	OpI32TruncF64S      Opcode = 0xaa  // i32.trunc_f64_s
	OpI32TruncF64U      Opcode = 0xab  // i32.trunc_f64_u
	OpI64ExtendI32S     Opcode = 0xac  // i64.extend_i32_s
	OpI64ExtendI32U     Opcode = 0xad  // i64.extend_i32_u
	OpI64TruncF32S      Opcode = 0xae  // i64.trunc_f32_s
	OpI64TruncF32U      Opcode = 0xaf  // i64.trunc_f32_u
	OpI64TruncF64S      Opcode = 0xb0  // i64.trunc_f64_s
	OpI64TruncF64U      Opcode = 0xb1  // i64.trunc_f64_u
	OpF32ConvertI32S    Opcode = 0xb2  // f32.convert_i32_s
	OpF32ConvertI32U    Opcode = 0xb3  // f32.convert_i32_u
	OpF32ConvertI64S    Opcode = 0xb4  // f32.convert_i64_s
	OpF32ConvertI64U    Opcode = 0xb5  // f32.convert_i64_u
	OpF32DemoteF64      Opcode = 0xb6  // f32.demote_f64
	OpF64ConvertI32S    Opcode = 0xb7  // f64.convert_i32_s
	OpF64ConvertI32U    Opcode = 0xb8  // f64.convert_i32_u
	OpF64ConvertI64S    Opcode = 0xb9  // f64.convert_i64_s
	OpF64ConvertI64U    Opcode = 0xba  // f64.convert_i64_u
	OpF64PromoteF32     Opcode = 0xbb  // f64.promote_f32
	OpI32ReinterpretF32 Opcode = 0xbc  // i32.reinterpret_f32
	OpI64ReinterpretF64 Opcode = 0xbd  // i64.reinterpret_f64
	OpF32ReinterpretI32 Opcode = 0xbe  // f32.reinterpret_i32
	OpF64ReinterpretI64 Opcode = 0xbf  // f64.reinterpret_i64
	OpI32Extend8S       Opcode = 0xc0  // i32.extend8_s
	OpI32Extend16S      Opcode = 0xc1  // i32.extend16_s
	OpI64Extend8S       Opcode = 0xc2  // i64.extend8_s
	OpI64Extend16S      Opcode = 0xc3  // i64.extend16_s
	OpI64Extend32S      Opcode = 0xc4  // i64.extend32_s
	OpI32TruncSatF32S   Opcode = 0x100 // i32.trunc_sat_f32_s
	OpI32TruncSatF32U   Opcode = 0x101 // i32.trunc_sat_f32_u
	OpI32TruncSatF64S   Opcode = 0x102 // i32.trunc_sat_f64_s
	OpI32TruncSatF64U   Opcode = 0x103 // i32.trunc_sat_f64_u
	OpI64TruncSatF32S   Opcode = 0x104 // i64.trunc_sat_f32_s
	OpI64TruncSatF32U   Opcode = 0x105 // i64.trunc_sat_f32_u
	OpI64TruncSatF64S   Opcode = 0x106 // i64.trunc_sat_f64_s
	OpI64TruncSatF64U   Opcode = 0x107 // i64.trunc_sat_f64_u
	OpMemoryInit        Opcode = 0x108 // memory.init
	OpDataDrop          Opcode = 0x109 // data.drop
	OpMemoryCopy        Opcode = 0x10a // memory.copy
	OpMemoryFill        Opcode = 0x10b // memory.fill
)

var opTable = [NumOpcodes]opInfo{
	OpUnreachable:       {name: "unreachable", imm: immNone, pop: 0, push: 0},
	OpNop:               {name: "nop", imm: immNone, pop: 0, push: 0},
	OpBlock:             {name: "block", imm: immBlock, pop: 0, push: 0},
	OpLoop:              {name: "loop", imm: immBlock, pop: 0, push: 0},
	OpIf:                {name: "if", imm: immBlock, pop: 1, push: 0},
	OpElse:              {name: "else", imm: immNone, pop: 0, push: 0},
	OpEnd:               {name: "end", imm: immNone, pop: 0, push: 0},
	OpBr:                {name: "br", imm: immLabel, pop: 0, push: 0},
	OpBrIf:              {name: "br_if", imm: immLabel, pop: 1, push: 0},
	OpBrTable:           {name: "br_table", imm: immBrTable, pop: 1, push: 0},
	OpReturn:            {name: "return", imm: immNone, pop: 0, push: 0},
	OpCall:              {name: "call", imm: immFunc, pop: 0, push: 0},
	OpCallIndirect:      {name: "call_indirect", imm: immCallIndirect, pop: 1, push: 0},
	OpDrop:              {name: "drop", imm: immNone, pop: 1, push: 0},
	OpSelect:            {name: "select", imm: immNone, pop: 3, push: 1},
	OpLocalGet:          {name: "local.get", imm: immLocal, pop: 0, push: 1},
	OpLocalSet:          {name: "local.set", imm: immLocal, pop: 1, push: 0},
	OpLocalTee:          {name: "local.tee", imm: immLocal, pop: 1, push: 1},
	OpGlobalGet:         {name: "global.get", imm: immGlobal, pop: 0, push: 1},
	OpGlobalSet:         {name: "global.set", imm: immGlobal, pop: 1, push: 0},
	OpI32Load:           {name: "i32.load", imm: immMemarg, pop: 1, push: 1},
	OpI64Load:           {name: "i64.load", imm: immMemarg, pop: 1, push: 1},
	OpF32Load:           {name: "f32.load", imm: immMemarg, pop: 1, push: 1},
	OpF64Load:           {name: "f64.load", imm: immMemarg, pop: 1, push: 1},
	OpI32Load8S:         {name: "i32.load8_s", imm: immMemarg, pop: 1, push: 1},
	OpI32Load8U:         {name: "i32.load8_u", imm: immMemarg, pop: 1, push: 1},
	OpI32Load16S:        {name: "i32.load16_s", imm: immMemarg, pop: 1, push: 1},
	OpI32Load16U:        {name: "i32.load16_u", imm: immMemarg, pop: 1, push: 1},
	OpI64Load8S:         {name: "i64.load8_s", imm: immMemarg, pop: 1, push: 1},
	OpI64Load8U:         {name: "i64.load8_u", imm: immMemarg, pop: 1, push: 1},
	OpI64Load16S:        {name: "i64.load16_s", imm: immMemarg, pop: 1, push: 1},
	OpI64Load16U:        {name: "i64.load16_u", imm: immMemarg, pop: 1, push: 1},
	OpI64Load32S:        {name: "i64.load32_s", imm: immMemarg, pop: 1, push: 1},
	OpI64Load32U:        {name: "i64.load32_u", imm: immMemarg, pop: 1, push: 1},
	OpI32Store:          {name: "i32.store", imm: immMemarg, pop: 2, push: 0},
	OpI64Store:          {name: "i64.store", imm: immMemarg, pop: 2, push: 0},
	OpF32Store:          {name: "f32.store", imm: immMemarg, pop: 2, push: 0},
	OpF64Store:          {name: "f64.store", imm: immMemarg, pop: 2, push: 0},
	OpI32Store8:         {name: "i32.store8", imm: immMemarg, pop: 2, push: 0},
	OpI32Store16:        {name: "i32.store16", imm: immMemarg, pop: 2, push: 0},
	OpI64Store8:         {name: "i64.store8", imm: immMemarg, pop: 2, push: 0},
	OpI64Store16:        {name: "i64.store16", imm: immMemarg, pop: 2, push: 0},
	OpI64Store32:        {name: "i64.store32", imm: immMemarg, pop: 2, push: 0},
	OpMemorySize:        {name: "memory.size", imm: immMemIdx, pop: 0, push: 1},
	OpMemoryGrow:        {name: "memory.grow", imm: immMemIdx, pop: 1, push: 1},
	OpI32Const:          {name: "i32.const", imm: immI32, pop: 0, push: 1},
	OpI64Const:          {name: "i64.const", imm: immI64, pop: 0, push: 1},
	OpF32Const:          {name: "f32.const", imm: immF32, pop: 0, push: 1},
	OpF64Const:          {name: "f64.const", imm: immF64, pop: 0, push: 1},
	OpI32Eqz:            {name: "i32.eqz", imm: immNone, pop: 1, push: 1},
	OpI32Eq:             {name: "i32.eq", imm: immNone, pop: 2, push: 1},
	OpI32Ne:             {name: "i32.ne", imm: immNone, pop: 2, push: 1},
	OpI32LtS:            {name: "i32.lt_s", imm: immNone, pop: 2, push: 1},
	OpI32LtU:            {name: "i32.lt_u", imm: immNone, pop: 2, push: 1},
	OpI32GtS:            {name: "i32.gt_s", imm: immNone, pop: 2, push: 1},
	OpI32GtU:            {name: "i32.gt_u", imm: immNone, pop: 2, push: 1},
	OpI32LeS:            {name: "i32.le_s", imm: immNone, pop: 2, push: 1},
	OpI32LeU:            {name: "i32.le_u", imm: immNone, pop: 2, push: 1},
	OpI32GeS:            {name: "i32.ge_s", imm: immNone, pop: 2, push: 1},
	OpI32GeU:            {name: "i32.ge_u", imm: immNone, pop: 2, push: 1},
	OpI64Eqz:            {name: "i64.eqz", imm: immNone, pop: 1, push: 1},
	OpI64Eq:             {name: "i64.eq", imm: immNone, pop: 2, push: 1},
	OpI64Ne:             {name: "i64.ne", imm: immNone, pop: 2, push: 1},
	OpI64LtS:            {name: "i64.lt_s", imm: immNone, pop: 2, push: 1},
	OpI64LtU:            {name: "i64.lt_u", imm: immNone, pop: 2, push: 1},
	OpI64GtS:            {name: "i64.gt_s", imm: immNone, pop: 2, push: 1},
	OpI64GtU:            {name: "i64.gt_u", imm: immNone, pop: 2, push: 1},
	OpI64LeS:            {name: "i64.le_s", imm: immNone, pop: 2, push: 1},
	OpI64LeU:            {name: "i64.le_u", imm: immNone, pop: 2, push: 1},
	OpI64GeS:            {name: "i64.ge_s", imm: immNone, pop: 2, push: 1},
	OpI64GeU:            {name: "i64.ge_u", imm: immNone, pop: 2, push: 1},
	OpF32Eq:             {name: "f32.eq", imm: immNone, pop: 2, push: 1},
	OpF32Ne:             {name: "f32.ne", imm: immNone, pop: 2, push: 1},
	OpF32Lt:             {name: "f32.lt", imm: immNone, pop: 2, push: 1},
	OpF32Gt:             {name: "f32.gt", imm: immNone, pop: 2, push: 1},
	OpF32Le:             {name: "f32.le", imm: immNone, pop: 2, push: 1},
	OpF32Ge:             {name: "f32.ge", imm: immNone, pop: 2, push: 1},
	OpF64Eq:             {name: "f64.eq", imm: immNone, pop: 2, push: 1},
	OpF64Ne:             {name: "f64.ne", imm: immNone, pop: 2, push: 1},
	OpF64Lt:             {name: "f64.lt", imm: immNone, pop: 2, push: 1},
	OpF64Gt:             {name: "f64.gt", imm: immNone, pop: 2, push: 1},
	OpF64Le:             {name: "f64.le", imm: immNone, pop: 2, push: 1},
	OpF64Ge:             {name: "f64.ge", imm: immNone, pop: 2, push: 1},
	OpI32Clz:            {name: "i32.clz", imm: immNone, pop: 1, push: 1},
	OpI32Ctz:            {name: "i32.ctz", imm: immNone, pop: 1, push: 1},
	OpI32Popcnt:         {name: "i32.popcnt", imm: immNone, pop: 1, push: 1},
	OpI32Add:            {name: "i32.add", imm: immNone, pop: 2, push: 1},
	OpI32Sub:            {name: "i32.sub", imm: immNone, pop: 2, push: 1},
	OpI32Mul:            {name: "i32.mul", imm: immNone, pop: 2, push: 1},
	OpI32DivS:           {name: "i32.div_s", imm: immNone, pop: 2, push: 1},
	OpI32DivU:           {name: "i32.div_u", imm: immNone, pop: 2, push: 1},
	OpI32RemS:           {name: "i32.rem_s", imm: immNone, pop: 2, push: 1},
	OpI32RemU:           {name: "i32.rem_u", imm: immNone, pop: 2, push: 1},
	OpI32And:            {name: "i32.and", imm: immNone, pop: 2, push: 1},
	OpI32Or:             {name: "i32.or", imm: immNone, pop: 2, push: 1},
	OpI32Xor:            {name: "i32.xor", imm: immNone, pop: 2, push: 1},
	OpI32Shl:            {name: "i32.shl", imm: immNone, pop: 2, push: 1},
	OpI32ShrS:           {name: "i32.shr_s", imm: immNone, pop: 2, push: 1},
	OpI32ShrU:           {name: "i32.shr_u", imm: immNone, pop: 2, push: 1},
	OpI32Rotl:           {name: "i32.rotl", imm: immNone, pop: 2, push: 1},
	OpI32Rotr:           {name: "i32.rotr", imm: immNone, pop: 2, push: 1},
	OpI64Clz:            {name: "i64.clz", imm: immNone, pop: 1, push: 1},
	OpI64Ctz:            {name: "i64.ctz", imm: immNone, pop: 1, push: 1},
	OpI64Popcnt:         {name: "i64.popcnt", imm: immNone, pop: 1, push: 1},
	OpI64Add:            {name: "i64.add", imm: immNone, pop: 2, push: 1},
	OpI64Sub:            {name: "i64.sub", imm: immNone, pop: 2, push: 1},
	OpI64Mul:            {name: "i64.mul", imm: immNone, pop: 2, push: 1},
	OpI64DivS:           {name: "i64.div_s", imm: immNone, pop: 2, push: 1},
	OpI64DivU:           {name: "i64.div_u", imm: immNone, pop: 2, push: 1},
	OpI64RemS:           {name: "i64.rem_s", imm: immNone, pop: 2, push: 1},
	OpI64RemU:           {name: "i64.rem_u", imm: immNone, pop: 2, push: 1},
	OpI64And:            {name: "i64.and", imm: immNone, pop: 2, push: 1},
	OpI64Or:             {name: "i64.or", imm: immNone, pop: 2, push: 1},
	OpI64Xor:            {name: "i64.xor", imm: immNone, pop: 2, push: 1},
	OpI64Shl:            {name: "i64.shl", imm: immNone, pop: 2, push: 1},
	OpI64ShrS:           {name: "i64.shr_s", imm: immNone, pop: 2, push: 1},
	OpI64ShrU:           {name: "i64.shr_u", imm: immNone, pop: 2, push: 1},
	OpI64Rotl:           {name: "i64.rotl", imm: immNone, pop: 2, push: 1},
	OpI64Rotr:           {name: "i64.rotr", imm: immNone, pop: 2, push: 1},
	OpF32Abs:            {name: "f32.abs", imm: immNone, pop: 1, push: 1},
	OpF32Neg:            {name: "f32.neg", imm: immNone, pop: 1, push: 1},
	OpF32Ceil:           {name: "f32.ceil", imm: immNone, pop: 1, push: 1},
	OpF32Floor:          {name: "f32.floor", imm: immNone, pop: 1, push: 1},
	OpF32Trunc:          {name: "f32.trunc", imm: immNone, pop: 1, push: 1},
	OpF32Nearest:        {name: "f32.nearest", imm: immNone, pop: 1, push: 1},
	OpF32Sqrt:           {name: "f32.sqrt", imm: immNone, pop: 1, push: 1},
	OpF32Add:            {name: "f32.add", imm: immNone, pop: 2, push: 1},
	OpF32Sub:            {name: "f32.sub", imm: immNone, pop: 2, push: 1},
	OpF32Mul:            {name: "f32.mul", imm: immNone, pop: 2, push: 1},
	OpF32Div:            {name: "f32.div", imm: immNone, pop: 2, push: 1},
	OpF32Min:            {name: "f32.min", imm: immNone, pop: 2, push: 1},
	OpF32Max:            {name: "f32.max", imm: immNone, pop: 2, push: 1},
	OpF32Copysign:       {name: "f32.copysign", imm: immNone, pop: 2, push: 1},
	OpF64Abs:            {name: "f64.abs", imm: immNone, pop: 1, push: 1},
	OpF64Neg:            {name: "f64.neg", imm: immNone, pop: 1, push: 1},
	OpF64Ceil:           {name: "f64.ceil", imm: immNone, pop: 1, push: 1},
	OpF64Floor:          {name: "f64.floor", imm: immNone, pop: 1, push: 1},
	OpF64Trunc:          {name: "f64.trunc", imm: immNone, pop: 1, push: 1},
	OpF64Nearest:        {name: "f64.nearest", imm: immNone, pop: 1, push: 1},
	OpF64Sqrt:           {name: "f64.sqrt", imm: immNone, pop: 1, push: 1},
	OpF64Add:            {name: "f64.add", imm: immNone, pop: 2, push: 1},
	OpF64Sub:            {name: "f64.sub", imm: immNone, pop: 2, push: 1},
	OpF64Mul:            {name: "f64.mul", imm: immNone, pop: 2, push: 1},
	OpF64Div:            {name: "f64.div", imm: immNone, pop: 2, push: 1},
	OpF64Min:            {name: "f64.min", imm: immNone, pop: 2, push: 1},
	OpF64Max:            {name: "f64.max", imm: immNone, pop: 2, push: 1},
	OpF64Copysign:       {name: "f64.copysign", imm: immNone, pop: 2, push: 1},
	OpI32WrapI64:        {name: "i32.wrap_i64", imm: immNone, pop: 1, push: 1},
	OpI32TruncF32S:      {name: "i32.trunc_f32_s", imm: immNone, pop: 1, push: 1},
	OpI32TruncF32U:      {name: "i32.trunc_f32_u", imm: immNone, pop: 1, push: 1},
	OpI32TruncF64S:      {name: "i32.trunc_f64_s", imm: immNone, pop: 1, push: 1},
	OpI32TruncF64U:      {name: "i32.trunc_f64_u", imm: immNone, pop: 1, push: 1},
	OpI64ExtendI32S:     {name: "i64.extend_i32_s", imm: immNone, pop: 1, push: 1},
	OpI64ExtendI32U:     {name: "i64.extend_i32_u", imm: immNone, pop: 1, push: 1},
	OpI64TruncF32S:      {name: "i64.trunc_f32_s", imm: immNone, pop: 1, push: 1},
	OpI64TruncF32U:      {name: "i64.trunc_f32_u", imm: immNone, pop: 1, push: 1},
	OpI64TruncF64S:      {name: "i64.trunc_f64_s", imm: immNone, pop: 1, push: 1},
	OpI64TruncF64U:      {name: "i64.trunc_f64_u", imm: immNone, pop: 1, push: 1},
	OpF32ConvertI32S:    {name: "f32.convert_i32_s", imm: immNone, pop: 1, push: 1},
	OpF32ConvertI32U:    {name: "f32.convert_i32_u", imm: immNone, pop: 1, push: 1},
	OpF32ConvertI64S:    {name: "f32.convert_i64_s", imm: immNone, pop: 1, push: 1},
	OpF32ConvertI64U:    {name: "f32.convert_i64_u", imm: immNone, pop: 1, push: 1},
	OpF32DemoteF64:      {name: "f32.demote_f64", imm: immNone, pop: 1, push: 1},
	OpF64ConvertI32S:    {name: "f64.convert_i32_s", imm: immNone, pop: 1, push: 1},
	OpF64ConvertI32U:    {name: "f64.convert_i32_u", imm: immNone, pop: 1, push: 1},
	OpF64ConvertI64S:    {name: "f64.convert_i64_s", imm: immNone, pop: 1, push: 1},
	OpF64ConvertI64U:    {name: "f64.convert_i64_u", imm: immNone, pop: 1, push: 1},
	OpF64PromoteF32:     {name: "f64.promote_f32", imm: immNone, pop: 1, push: 1},
	OpI32ReinterpretF32: {name: "i32.reinterpret_f32", imm: immNone, pop: 1, push: 1},
	OpI64ReinterpretF64: {name: "i64.reinterpret_f64", imm: immNone, pop: 1, push: 1},
	OpF32ReinterpretI32: {name: "f32.reinterpret_i32", imm: immNone, pop: 1, push: 1},
	OpF64ReinterpretI64: {name: "f64.reinterpret_i64", imm: immNone, pop: 1, push: 1},
	OpI32Extend8S:       {name: "i32.extend8_s", imm: immNone, pop: 1, push: 1},
	OpI32Extend16S:      {name: "i32.extend16_s", imm: immNone, pop: 1, push: 1},
	OpI64Extend8S:       {name: "i64.extend8_s", imm: immNone, pop: 1, push: 1},
	OpI64Extend16S:      {name: "i64.extend16_s", imm: immNone, pop: 1, push: 1},
	OpI64Extend32S:      {name: "i64.extend32_s", imm: immNone, pop: 1, push: 1},
	OpI32TruncSatF32S:   {name: "i32.trunc_sat_f32_s", imm: immNone, pop: 1, push: 1},
	OpI32TruncSatF32U:   {name: "i32.trunc_sat_f32_u", imm: immNone, pop: 1, push: 1},
	OpI32TruncSatF64S:   {name: "i32.trunc_sat_f64_s", imm: immNone, pop: 1, push: 1},
	OpI32TruncSatF64U:   {name: "i32.trunc_sat_f64_u", imm: immNone, pop: 1, push: 1},
	OpI64TruncSatF32S:   {name: "i64.trunc_sat_f32_s", imm: immNone, pop: 1, push: 1},
	OpI64TruncSatF32U:   {name: "i64.trunc_sat_f32_u", imm: immNone, pop: 1, push: 1},
	OpI64TruncSatF64S:   {name: "i64.trunc_sat_f64_s", imm: immNone, pop: 1, push: 1},
	OpI64TruncSatF64U:   {name: "i64.trunc_sat_f64_u", imm: immNone, pop: 1, push: 1},
	OpMemoryInit:        {name: "memory.init", imm: immMemInit, pop: 3, push: 0},
	OpDataDrop:          {name: "data.drop", imm: immData, pop: 0, push: 0},
	OpMemoryCopy:        {name: "memory.copy", imm: immMemCopy, pop: 3, push: 0},
	OpMemoryFill:        {name: "memory.fill", imm: immMemIdx, pop: 3, push: 0},
}
