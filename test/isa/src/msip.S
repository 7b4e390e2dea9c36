/* Machine software interrupt through the CLINT msip register: writing 1 sets
 * mip.MSIP, writing 0 clears it; the interrupt (mcause 0x80000003) is taken only with
 * mie.MSIE and mstatus.MIE, at the first instruction after it is enabled. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	la x1, handler
	csrw mtvec, x1
	li x20, CLINT_MSIP

	TEST_CASE(1, x14, 0, csrr x14, mip; andi x14, x14, MIP_MSIP)
	li x2, 1
	sw x2, 0(x20)
	TEST_CASE(2, x14, MIP_MSIP, csrr x14, mip; andi x14, x14, MIP_MSIP)
	TEST_CASE(3, x14, 1, lw x14, 0(x20))
	sw x0, 0(x20)
	TEST_CASE(4, x14, 0, csrr x14, mip; andi x14, x14, MIP_MSIP)

	/* pending + MSIE, but MIE = 0: nothing */
	li TESTNUM, 5
	li x16, 0
	sw x2, 0(x20)
	li x1, MIP_MSIP
	csrs mie, x1
	nop
	bnez x16, fail
	/* MIE = 1: taken at the next instruction */
	li TESTNUM, 6
	csrsi mstatus, MSTATUS_MIE
1:	nop
	li x7, 1
	bne x16, x7, fail
	la x7, 1b
	bne x18, x7, fail
	li x7, MCAUSE_INT | IRQ_M_SOFT
	bne x17, x7, fail
	TEST_CASE(7, x14, 0, csrr x14, mip; andi x14, x14, MIP_MSIP)
	csrci mstatus, MSTATUS_MIE
	csrw mie, x0
	la x1, ptest_trap_vector
	csrw mtvec, x1
PTEST_END

	.text
	.balign 4
handler:
	csrr t5, mcause
	bgez t5, ptest_default_trap
	addi x16, x16, 1
	mv x17, t5
	csrr x18, mepc
	sw x0, 0(x20)		/* acknowledge */
	mret
