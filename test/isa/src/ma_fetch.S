/* Instruction-address-misaligned (no C extension: targets must be 4-byte aligned).
 * A taken jal/jalr/branch to a 2-mod-4 target traps with mcause 0, mepc = the jump,
 * mtval = the target, and the jump's rd is not written. A not-taken branch with a
 * misaligned target does not trap. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"
#include "traps.h"

PTEST_BEGIN
	/* jalr to target + 2 */
	la x1, tgt
	li x14, 77
	EXPECT_TRAP_ADDR(1, CAUSE_MISALIGNED_FETCH, 1b, tgt + 2, 1: jalr x14, 2(x1))
	CHECK(2, x14, 77)
	/* jalr with bit 0 set: it is cleared first, so +3 becomes +2 */
	EXPECT_TRAP_ADDR(3, CAUSE_MISALIGNED_FETCH, 1b, tgt + 2, 1: jalr x0, 3(x1))
	/* jal with offset 6 (encoded by hand: jal x14, +6 = 0x0060076f) */
	li x14, 55
	EXPECT_TRAP_ADDR(4, CAUSE_MISALIGNED_FETCH, 1b, 1b + 6, 1: .word 0x0060076f)
	CHECK(5, x14, 55)
	/* taken beq x0, x0, +6 = 0x00000363 */
	EXPECT_TRAP_ADDR(6, CAUSE_MISALIGNED_FETCH, 1b, 1b + 6, 1: .word 0x00000363)
	/* not-taken bne x0, x0, +6 = 0x00001363: no trap */
	TEST_CASE(7, x14, 1, li x14, 0; .word 0x00001363; li x14, 1)
	j 2f
	.balign 16
tgt:	j fail
	j fail
2:
PTEST_END
	PTEST_RECORDING_HANDLER
