/* sb, sh, sw: only the addressed bytes change, offsets both ways, all positions,
 * and a store followed at once by loads of overlapping sizes. */
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	TEST_ST(1, lw, sw, 0xaabbccdd, 0, buf)
	TEST_ST(2, lw, sw, 0x00000000, 4, buf)
	TEST_ST(3, lw, sw, 0xffffffff, 8, buf)
	TEST_ST(4, lw, sw, 0x12345678, -4, buf_end)
	TEST_ST(5, lb, sb, 0xffffffaa, 0, buf)
	TEST_ST(6, lbu, sb, 0x000000aa, 1, buf)
	TEST_ST(7, lb, sb, 0x00000011, 3, buf)
	TEST_ST(8, lh, sh, 0xffffbeef, 0, buf)
	TEST_ST(9, lhu, sh, 0x0000beef, 2, buf)
	TEST_ST(10, lh, sh, 0x00007ff0, -2, buf_end)

	/* sb changes one byte of a word */
	li TESTNUM, 11
	la x1, buf
	li x2, 0x11223344
	sw x2, 0(x1)
	li x3, 0xabab
	sb x3, 2(x1)
	lw x14, 0(x1)
	li x7, 0x11ab3344
	bne x14, x7, fail

	/* sh changes two bytes */
	li TESTNUM, 12
	li x3, 0xcdef9999
	sh x3, 0(x1)
	lw x14, 0(x1)
	li x7, 0x11ab9999
	bne x14, x7, fail

	/* byte-wise build of a word, then a word load */
	li TESTNUM, 13
	li x2, 0x01
	sb x2, 4(x1)
	li x2, 0x02
	sb x2, 5(x1)
	li x2, 0x03
	sb x2, 6(x1)
	li x2, 0x84
	sb x2, 7(x1)
	lw x14, 4(x1)
	li x7, 0x84030201
	bne x14, x7, fail
	lh x14, 6(x1)
	li x7, 0xffff8403
	bne x14, x7, fail

	/* a store of x0 */
	TEST_CASE(14, x14, 0, la x1, buf; sw x0, 8(x1); lw x14, 8(x1))
	/* store data register equal to the base register */
	TEST_CASE(15, x14, 0, la x1, buf; sw x1, 12(x1); lw x14, 12(x1); sub x14, x14, x1)
PTEST_END

	.balign 16
buf:	.fill 8, 4, 0xdeadbeef
buf_end:
