/* lui and auipc: 20-bit upper immediates, low 12 bits zero, auipc relative to its own pc. */
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	TEST_CASE(1, x14, 0x00000000, lui x14, 0)
	TEST_CASE(2, x14, 0xfffff000, lui x14, 0xfffff)
	TEST_CASE(3, x14, 0x80000000, lui x14, 0x80000)
	TEST_CASE(4, x14, 0x7ffff000, lui x14, 0x7ffff)
	TEST_CASE(5, x14, 0x12345000, lui x14, 0x12345)
	/* lui overwrites the low bits */
	TEST_CASE(6, x14, 0xabcde000, li x14, -1; lui x14, 0xabcde)
	TEST_CASE(7, x0, 0, lui x0, 0x12345)
	/* auipc: offset from the auipc's own address */
	TEST_CASE(8, x14, 0, 1: auipc x14, 0; la x15, 1b; sub x14, x14, x15)
	TEST_CASE(9, x14, 0x1000, 1: auipc x14, 1; la x15, 1b; sub x14, x14, x15)
	TEST_CASE(10, x14, 0xfffff000, 1: auipc x14, 0xfffff; la x15, 1b; sub x14, x14, x15)
	TEST_CASE(11, x14, 0x80000000, 1: auipc x14, 0x80000; la x15, 1b; sub x14, x14, x15)
	/* auipc + addi reaches a label (what `la` expands to) */
	TEST_CASE(12, x14, 0, 1: auipc x14, %pcrel_hi(target); addi x14, x14, %pcrel_lo(1b); la x15, target; sub x14, x14, x15)
	TEST_CASE(13, x14, 0x12345678, lui x14, %hi(0x12345678); addi x14, x14, %lo(0x12345678))
	TEST_CASE(14, x14, 0xdeadbeef, lui x14, %hi(0xdeadbeef); addi x14, x14, %lo(0xdeadbeef))
	j 2f
target:
	j fail
2:
PTEST_END
