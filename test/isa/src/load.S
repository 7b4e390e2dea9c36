/* lb, lh, lw, lbu, lhu: sign and zero extension, positive and negative offsets,
 * every byte and halfword position in a word, and a load that feeds the next insn. */
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	TEST_LD(1, lw, 0x00ff00ff, 0, w0)
	TEST_LD(2, lw, 0xff00ff00, 4, w0)
	TEST_LD(3, lw, 0x0ff00ff0, 8, w0)
	TEST_LD(4, lw, 0xf00ff00f, 12, w0)
	TEST_LD(5, lw, 0x00ff00ff, -12, w3)
	TEST_LD(6, lb, 0xffffffff, 0, w0)
	TEST_LD(7, lb, 0x00000000, 1, w0)
	TEST_LD(8, lb, 0xfffffff0, 8, w0)
	TEST_LD(9, lb, 0x0000000f, 9, w0)
	TEST_LD(10, lb, 0xffffff80, 0, bytes)
	TEST_LD(11, lb, 0x0000007f, 1, bytes)
	TEST_LD(12, lbu, 0x000000ff, 0, w0)
	TEST_LD(13, lbu, 0x00000080, 0, bytes)
	TEST_LD(14, lbu, 0x0000007f, 1, bytes)
	TEST_LD(15, lbu, 0x000000f0, -4, w3)
	TEST_LD(16, lh, 0x000000ff, 0, w0)
	TEST_LD(17, lh, 0xffffff00, 4, w0)
	TEST_LD(18, lh, 0xffffff00, 6, w0)
	TEST_LD(19, lh, 0xfffff00f, 12, w0)
	TEST_LD(20, lh, 0xffff8000, 2, bytes)
	TEST_LD(21, lh, 0x00007fff, 4, bytes)
	TEST_LD(22, lhu, 0x0000ff00, 4, w0)
	TEST_LD(23, lhu, 0x0000f00f, 14, w0)
	TEST_LD(24, lhu, 0x00008000, 2, bytes)
	TEST_LD(25, lhu, 0x00007fff, 4, bytes)
	/* the loaded value feeds an add directly */
	TEST_CASE(26, x15, 0x00ff0100, la x1, w0; lw x14, 0(x1); addi x15, x14, 1)
	/* base register overwritten by the load */
	TEST_CASE(27, x1, 0xff00ff00, la x1, w1; lw x1, 0(x1))
	/* a load into x0 is performed and discarded */
	TEST_CASE(28, x0, 0, la x1, w0; lw x0, 0(x1))
PTEST_END

	.balign 16
w0:	.word 0x00ff00ff
w1:	.word 0xff00ff00
w2:	.word 0x0ff00ff0
w3:	.word 0xf00ff00f
bytes:	.byte 0x80, 0x7f
	.half 0x8000, 0x7fff
	.balign 4
