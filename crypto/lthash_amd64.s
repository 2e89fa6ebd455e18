//go:build amd64 && !purego

#include "textflag.h"

// The expansion of an LtHash element with AES-NI: the AES-256 key schedule
// of the element's key, the key stream of CTR mode with a zero IV (block j
// is the encryption of the 128-bit big-endian counter j, j = 0..127), and
// its 1024 16-bit little-endian lanes added to (or subtracted from) the
// hash, eight blocks at a time. It gives exactly what crypto/aes and
// crypto/cipher.NewCTR give (TestLtHashAccel compares them).

// ltInc is one counter step: the counter block's last byte is the high
// byte of the register's high quadword.
DATA ltInc<>+0(SB)/8, $0
DATA ltInc<>+8(SB)/8, $0x0100000000000000
GLOBL ltInc<>(SB), RODATA|NOPTR, $16

// An AES-256 key expansion step of crypto/internal/fips140/aes
// (_expand_key_256a with sel 0xff and key X0, _expand_key_256b with sel
// 0xaa and key X2): X1 is AESKEYGENASSIST's result, key the round key two
// steps back, replaced by the next one, which is stored at off(SP); X4 is
// scratch whose low word stays zero.
#define EXPAND(sel, key, off) \
	PSHUFD $sel, X1, X1; \
	SHUFPS $0x10, key, X4; \
	PXOR   X4, key; \
	SHUFPS $0x8c, key, X4; \
	PXOR   X4, key; \
	PXOR   X1, key; \
	MOVOU  key, off(SP)

#define ROUND(off) \
	MOVOU  off(SP), X8; \
	AESENC X8, X0; \
	AESENC X8, X1; \
	AESENC X8, X2; \
	AESENC X8, X3; \
	AESENC X8, X4; \
	AESENC X8, X5; \
	AESENC X8, X6; \
	AESENC X8, X7

#define ADDW(reg, off) \
	MOVOU off(DI), X8; \
	PADDW reg, X8; \
	MOVOU X8, off(DI)

#define SUBW(reg, off) \
	MOVOU off(DI), X8; \
	PSUBW reg, X8; \
	MOVOU X8, off(DI)

// func ltExpandAESNI(w *[ltWords]uint64, key *[32]byte, sub bool)
// Requires: AES, SSE2
TEXT ·ltExpandAESNI(SB), NOSPLIT, $240-17
	MOVQ    w+0(FP), DI
	MOVQ    key+8(FP), AX
	MOVBLZX sub+16(FP), SI

	// The 15 round keys, at 0(SP) .. 224(SP).
	MOVOU           (AX), X0
	MOVOU           16(AX), X2
	MOVOU           X0, 0(SP)
	MOVOU           X2, 16(SP)
	PXOR            X4, X4
	AESKEYGENASSIST $0x01, X2, X1
	EXPAND(0xff, X0, 32)
	AESKEYGENASSIST $0x01, X0, X1
	EXPAND(0xaa, X2, 48)
	AESKEYGENASSIST $0x02, X2, X1
	EXPAND(0xff, X0, 64)
	AESKEYGENASSIST $0x02, X0, X1
	EXPAND(0xaa, X2, 80)
	AESKEYGENASSIST $0x04, X2, X1
	EXPAND(0xff, X0, 96)
	AESKEYGENASSIST $0x04, X0, X1
	EXPAND(0xaa, X2, 112)
	AESKEYGENASSIST $0x08, X2, X1
	EXPAND(0xff, X0, 128)
	AESKEYGENASSIST $0x08, X0, X1
	EXPAND(0xaa, X2, 144)
	AESKEYGENASSIST $0x10, X2, X1
	EXPAND(0xff, X0, 160)
	AESKEYGENASSIST $0x10, X0, X1
	EXPAND(0xaa, X2, 176)
	AESKEYGENASSIST $0x20, X2, X1
	EXPAND(0xff, X0, 192)
	AESKEYGENASSIST $0x20, X0, X1
	EXPAND(0xaa, X2, 208)
	AESKEYGENASSIST $0x40, X2, X1
	EXPAND(0xff, X0, 224)

	// 16 rounds of 8 blocks; X10 is the next counter block.
	MOVOU ltInc<>(SB), X9
	PXOR  X10, X10
	MOVQ  $16, CX

loop:
	MOVOU X10, X0
	PADDQ X9, X10
	MOVOU X10, X1
	PADDQ X9, X10
	MOVOU X10, X2
	PADDQ X9, X10
	MOVOU X10, X3
	PADDQ X9, X10
	MOVOU X10, X4
	PADDQ X9, X10
	MOVOU X10, X5
	PADDQ X9, X10
	MOVOU X10, X6
	PADDQ X9, X10
	MOVOU X10, X7
	PADDQ X9, X10

	MOVOU 0(SP), X8
	PXOR  X8, X0
	PXOR  X8, X1
	PXOR  X8, X2
	PXOR  X8, X3
	PXOR  X8, X4
	PXOR  X8, X5
	PXOR  X8, X6
	PXOR  X8, X7
	ROUND(16)
	ROUND(32)
	ROUND(48)
	ROUND(64)
	ROUND(80)
	ROUND(96)
	ROUND(112)
	ROUND(128)
	ROUND(144)
	ROUND(160)
	ROUND(176)
	ROUND(192)
	ROUND(208)
	MOVOU      224(SP), X8
	AESENCLAST X8, X0
	AESENCLAST X8, X1
	AESENCLAST X8, X2
	AESENCLAST X8, X3
	AESENCLAST X8, X4
	AESENCLAST X8, X5
	AESENCLAST X8, X6
	AESENCLAST X8, X7

	TESTQ SI, SI
	JNZ   subtract
	ADDW(X0, 0)
	ADDW(X1, 16)
	ADDW(X2, 32)
	ADDW(X3, 48)
	ADDW(X4, 64)
	ADDW(X5, 80)
	ADDW(X6, 96)
	ADDW(X7, 112)
	JMP   next

subtract:
	SUBW(X0, 0)
	SUBW(X1, 16)
	SUBW(X2, 32)
	SUBW(X3, 48)
	SUBW(X4, 64)
	SUBW(X5, 80)
	SUBW(X6, 96)
	SUBW(X7, 112)

next:
	ADDQ $128, DI
	DECQ CX
	JNZ  loop
	RET

// func hasAESNI() bool
TEXT ·hasAESNI(SB), NOSPLIT, $0-1
	MOVL  $1, AX
	XORL  CX, CX
	CPUID
	SHRL  $25, CX
	ANDL  $1, CX
	MOVB  CX, ret+0(FP)
	RET
