/* Misaligned loads trap (morphsim, like Spike, does not split them): mcause 4, mtval =
 * the effective address, mepc = the load, destination unchanged. Aligned accesses at
 * the same base still work. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"
#include "traps.h"

#define MA_LOAD(n, inst, off)                                           \
	la x1, data;                                                    \
	li x14, 0x5a5a5a5a;                                             \
	EXPECT_TRAP_ADDR(n, CAUSE_MISALIGNED_LOAD, 1b, data + off, 1: inst x14, off(x1)); \
	li x7, 0x5a5a5a5a;                                              \
	bne x14, x7, fail

PTEST_BEGIN
	MA_LOAD(1, lh, 1)
	MA_LOAD(2, lhu, 3)
	MA_LOAD(3, lw, 1)
	MA_LOAD(4, lw, 2)
	MA_LOAD(5, lw, 3)
	MA_LOAD(6, lh, 5)
	MA_LOAD(7, lw, 6)
	/* negative offset from an aligned base */
	TEST_CASE(8, x14, 0x44332211, la x1, data + 4; lw x14, -4(x1))
	TEST_CASE(9, x14, 0x00004433, la x1, data; lhu x14, 2(x1))
	/* byte loads are never misaligned */
	TEST_CASE(10, x14, 0x22, la x1, data; lbu x14, 1(x1))
PTEST_END
	PTEST_RECORDING_HANDLER
	.data
	.balign 16
data:	.word 0x44332211, 0x88776655
