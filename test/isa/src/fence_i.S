/* fence.i and self-modifying code: instructions stored into the (executable) data
 * area and executed after fence.i; then patched and executed again; and a patch of an
 * instruction a few words ahead of the running code. */
#include "ptest.h"
#include "macros.h"

#define ADDI_A0_A0(imm) (0x00050513 | ((imm) << 20))
#define JALR_X0_RA 0x00008067

PTEST_BEGIN
	/* write `addi a0, a0, 5; ret` to code_buf and call it */
	li TESTNUM, 1
	la x5, code_buf
	li x2, ADDI_A0_A0(5)
	sw x2, 0(x5)
	li x2, JALR_X0_RA
	sw x2, 4(x5)
	fence.i
	li a0, 10
	jalr ra, 0(x5)
	li x7, 15
	bne a0, x7, fail

	/* patch the immediate, fence.i, call again */
	li TESTNUM, 2
	li x2, ADDI_A0_A0(0x123)
	sw x2, 0(x5)
	fence.i
	li a0, 10
	jalr ra, 0(x5)
	li x7, 0x12d
	bne a0, x7, fail

	/* patch with a halfword store (the immediate's upper bits) */
	li TESTNUM, 3
	li x2, 0x0015		/* upper half of addi a0, a0, 1: imm 0x001, rs1 bits 19:16 = 0101 */
	sh x2, 2(x5)
	fence.i
	li a0, 10
	jalr ra, 0(x5)
	li x7, 11
	bne a0, x7, fail

	/* patch code that is about to run in the current straight-line sequence */
	li TESTNUM, 4
	la x1, 1f
	li x2, 0x02a00713	/* addi x14, x0, 42 */
	sw x2, 0(x1)
	fence.i
1:	addi x14, x0, 1
	li x7, 42
	bne x14, x7, fail

	/* the same location patched repeatedly inside a loop */
	li TESTNUM, 5
	la x1, 2f
	li x15, 0		/* sum */
	li x16, 0		/* i */
	li x17, 20
3:	slli x2, x16, 20
	li x3, 0x00000713	/* addi x14, x0, 0 */
	or x2, x2, x3		/* addi x14, x0, i */
	sw x2, 0(x1)
	fence.i
2:	addi x14, x0, 0
	add x15, x15, x14
	addi x16, x16, 1
	bne x16, x17, 3b
	li x7, 190
	bne x15, x7, fail
PTEST_END

	.balign 64
code_buf:
	.fill 16, 4, 0
