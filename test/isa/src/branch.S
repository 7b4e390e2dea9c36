/* beq, bne, blt, bge, bltu, bgeu: taken and not taken, signed vs unsigned, equal
 * operands, x0 operands, and backward branches (a counted loop). */
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	TEST_BR_TAKEN(1, beq, 0, 0)
	TEST_BR_TAKEN(2, beq, -1, -1)
	TEST_BR_NOT_TAKEN(3, beq, 0, 1)
	TEST_BR_NOT_TAKEN(4, beq, 0x80000000, 0)
	TEST_BR_TAKEN(5, bne, 0, 1)
	TEST_BR_TAKEN(6, bne, 0x80000000, 0x7fffffff)
	TEST_BR_NOT_TAKEN(7, bne, 5, 5)
	TEST_BR_TAKEN(8, blt, -1, 0)
	TEST_BR_TAKEN(9, blt, 0x80000000, 0x7fffffff)
	TEST_BR_TAKEN(10, blt, -2, -1)
	TEST_BR_NOT_TAKEN(11, blt, 0, -1)
	TEST_BR_NOT_TAKEN(12, blt, 3, 3)
	TEST_BR_NOT_TAKEN(13, blt, 0x7fffffff, 0x80000000)
	TEST_BR_TAKEN(14, bge, 0, -1)
	TEST_BR_TAKEN(15, bge, 3, 3)
	TEST_BR_TAKEN(16, bge, 0x7fffffff, 0x80000000)
	TEST_BR_NOT_TAKEN(17, bge, -1, 0)
	TEST_BR_NOT_TAKEN(18, bge, 0x80000000, 0x80000001)
	TEST_BR_TAKEN(19, bltu, 0, -1)
	TEST_BR_TAKEN(20, bltu, 0x7fffffff, 0x80000000)
	TEST_BR_NOT_TAKEN(21, bltu, -1, 0)
	TEST_BR_NOT_TAKEN(22, bltu, 7, 7)
	TEST_BR_TAKEN(23, bgeu, -1, 0)
	TEST_BR_TAKEN(24, bgeu, 7, 7)
	TEST_BR_TAKEN(25, bgeu, 0x80000000, 0x7fffffff)
	TEST_BR_NOT_TAKEN(26, bgeu, 0, -1)
	/* x0 as operand */
	TEST_CASE(27, x14, 1, li x14, 0; beq x0, x0, 1f; j fail; 1: li x14, 1)
	TEST_CASE(28, x14, 1, li x14, 1; li x1, -1; bltu x0, x1, 1f; j fail; 1:)
	TEST_CASE(29, x14, 1, li x14, 1; li x1, -1; bge x0, x1, 1f; j fail; 1:)
	/* backward taken branch: a loop of 10 iterations */
	TEST_CASE(30, x14, 10, li x14, 0; li x1, 10; 1: addi x14, x14, 1; bne x14, x1, 1b)
	/* a not-taken branch must not disturb the following instructions */
	TEST_CASE(31, x14, 3, li x14, 1; li x1, 1; li x2, 2; beq x1, x2, fail; addi x14, x14, 1; addi x14, x14, 1)
	/* the largest forward and backward offsets that fit (+-4 KiB) */
	li TESTNUM, 32
	beq x0, x0, far_forward
	j fail
far_back:
	j 3f
	.skip 4080
far_forward:
	beq x0, x0, far_back
	j fail
3:
PTEST_END
