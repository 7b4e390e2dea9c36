/* jal and jalr: link register = pc + 4, targets, rd = x0, jalr clears bit 0 of the
 * target, jalr with rd == rs1 uses the old rs1, and call/return chains. */
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	/* jal: link value and target */
	li TESTNUM, 1
	jal x14, 1f
2:	j fail
1:	la x7, 2b
	bne x14, x7, fail

	li TESTNUM, 2
	li x14, 0
	jal x0, 1f
	li x14, 1
1:	bnez x14, fail

	/* jalr with an offset */
	li TESTNUM, 3
	la x1, 1f
	jalr x14, -4(x1)
	j fail
	j 3f
1:	j fail
3:	la x7, 1b - 8
	bne x14, x7, fail

	/* bit 0 of the target is cleared */
	li TESTNUM, 4
	la x1, 1f
	addi x1, x1, 1
	jalr x0, 0(x1)
	j fail
1:

	/* rd == rs1: the target uses the old value of rs1 */
	li TESTNUM, 5
	la x1, 1f
	jalr x1, 0(x1)
2:	j fail
1:	la x7, 2b
	bne x1, x7, fail

	/* call and return, nested */
	li TESTNUM, 6
	li x14, 0
	jal ra, fn_a
	li x7, 3
	bne x14, x7, fail
	j ok

fn_a:	mv x15, ra
	addi x14, x14, 1
	jal ra, fn_b
	addi x14, x14, 1
	jr x15
fn_b:	addi x14, x14, 1
	ret
ok:
PTEST_END
