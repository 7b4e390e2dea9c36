/* Illegal instructions in M-mode: mcause 2, mepc = the instruction, mtval = its bits,
 * and no architectural effect. Covers an all-ones word, the all-zeros word, a
 * floating-point load (no F extension), an RV64-only load (ld), a reserved branch
 * funct3, and writes to read-only CSRs. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"
#include "traps.h"

PTEST_BEGIN
	EXPECT_TRAP(1, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0xffffffff, 1: .word 0xffffffff)
	EXPECT_TRAP(2, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x00000000, 1: .word 0x00000000)
	/* flw f0, 0(x0) */
	EXPECT_TRAP(3, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x00002007, 1: .word 0x00002007)
	/* ld x14, 0(x0): funct3 3 is RV64-only */
	EXPECT_TRAP(4, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x00003703, li x14, 5; 1: .word 0x00003703)
	CHECK(5, x14, 5)
	/* branch with funct3 = 2 (reserved) */
	EXPECT_TRAP(6, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x00002063, 1: .word 0x00002063)
	/* csrrw x0, mvendorid, x0: mvendorid is read-only */
	EXPECT_TRAP(7, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0xf1101073, 1: csrw mvendorid, x0)
	/* csrrsi x14, mhartid, 1: a set with a non-zero mask writes, so it traps */
	EXPECT_TRAP(8, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0xf140e773, li x14, 9; 1: csrrsi x14, mhartid, 1)
	CHECK(9, x14, 9)
	/* SLLI with shamt[5] set is reserved in RV32: slli x14, x14, 32 encoding */
	EXPECT_TRAP(10, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x02071713, 1: .word 0x02071713)
PTEST_END
	PTEST_RECORDING_HANDLER
