/* Vectored mtvec (mode 1): exceptions go to BASE, interrupt cause n to BASE + 4n.
 * Raises a machine software interrupt (CLINT msip) and a machine timer interrupt
 * (mtimecmp = 0, already due) and an exception, and checks where each landed. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	la x1, vec_table
	ori x1, x1, 1
	csrw mtvec, x1
	TEST_CASE(1, x14, 1, csrr x14, mtvec; andi x14, x14, 3)

	/* software interrupt: cause 3 -> BASE + 12 */
	li TESTNUM, 2
	li x16, 0
	li x1, MIP_MSIP
	csrs mie, x1
	li x1, CLINT_MSIP
	li x2, 1
	sw x2, 0(x1)
	csrsi mstatus, MSTATUS_MIE
1:	beqz x16, 1b		/* wait for the interrupt */
	csrci mstatus, MSTATUS_MIE
	li x7, 3
	bne x16, x7, fail
	li x7, MCAUSE_INT | IRQ_M_SOFT
	bne x17, x7, fail

	/* timer interrupt: cause 7 -> BASE + 28 */
	li TESTNUM, 3
	li x16, 0
	csrw mie, x0
	li x1, CLINT_MTIMECMP
	sw x0, 0(x1)
	sw x0, 4(x1)
	li x1, MIP_MTIP
	csrs mie, x1
	csrsi mstatus, MSTATUS_MIE
1:	beqz x16, 1b
	csrci mstatus, MSTATUS_MIE
	li x7, 7
	bne x16, x7, fail
	li x7, MCAUSE_INT | IRQ_M_TIMER
	bne x17, x7, fail

	/* an exception still goes to BASE (slot 0) */
	li TESTNUM, 4
	li x16, 0
	ebreak
	li x7, 100
	bne x16, x7, fail
	li x7, CAUSE_BREAKPOINT
	bne x17, x7, fail
	csrw mie, x0
	la x1, ptest_trap_vector
	csrw mtvec, x1
PTEST_END

	.text
	.balign 64
	/* x16 <- the slot taken (100 for the exception slot), x17 <- mcause */
vec_table:
	j slot_exception
	j bad_slot		/* 1 */
	j bad_slot		/* 2 */
	j slot_msi		/* 3: machine software */
	j bad_slot		/* 4 */
	j bad_slot		/* 5 */
	j bad_slot		/* 6 */
	j slot_mti		/* 7: machine timer */
	j bad_slot		/* 8 */
	j bad_slot		/* 9 */
	j bad_slot		/* 10 */
	j bad_slot		/* 11 */
slot_exception:
	csrr t5, mcause
	li t6, CAUSE_BREAKPOINT
	bne t5, t6, ptest_default_trap	/* the end-of-test ecall */
	li x16, 100
	csrr x17, mcause
	csrr t5, mepc
	addi t5, t5, 4
	csrw mepc, t5
	mret
slot_msi:
	li x16, 3
	csrr x17, mcause
	li t5, CLINT_MSIP
	sw x0, 0(t5)		/* clear the request */
	mret
slot_mti:
	li x16, 7
	csrr x17, mcause
	li t5, CLINT_MTIMECMP
	li t6, -1
	sw t6, 4(t5)		/* far future: high word first */
	sw t6, 0(t5)
	mret
bad_slot:
	j fail
