/* Misaligned stores trap: mcause 6, mtval = the effective address, mepc = the store,
 * and memory is unchanged. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"
#include "traps.h"

#define MA_STORE(n, inst, off)                                          \
	la x1, data;                                                    \
	li x2, -1;                                                      \
	EXPECT_TRAP_ADDR(n, CAUSE_MISALIGNED_STORE, 1b, data + off, 1: inst x2, off(x1)); \
	lw x14, 0(x1);                                                  \
	li x7, 0x44332211;                                              \
	bne x14, x7, fail;                                              \
	lw x14, 4(x1);                                                  \
	li x7, 0x88776655;                                              \
	bne x14, x7, fail

PTEST_BEGIN
	MA_STORE(1, sh, 1)
	MA_STORE(2, sh, 3)
	MA_STORE(3, sw, 1)
	MA_STORE(4, sw, 2)
	MA_STORE(5, sw, 3)
	MA_STORE(6, sw, 6)
	/* aligned stores at the same base still work */
	TEST_ST(7, lw, sw, 0x12345678, 4, data)
	TEST_ST(8, lh, sh, 0x00001234, 2, data)
PTEST_END
	PTEST_RECORDING_HANDLER
	.data
	.balign 16
data:	.word 0x44332211, 0x88776655
