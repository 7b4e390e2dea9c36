/* The CLINT timer: mtime advances; mip.MTIP follows mtime >= mtimecmp whether or not
 * the interrupt is enabled; with mie.MTIE and mstatus.MIE the interrupt is taken with
 * mcause = 0x80000007 and mepc = the next instruction to run; writing mtimecmp into the
 * future clears MTIP; in U-mode the interrupt is taken even with mstatus.MIE = 0. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	la x1, handler
	csrw mtvec, x1
	li x20, CLINT_MTIMECMP
	li x21, CLINT_MTIME

	/* mtime advances (within a generous budget: its rate is the platform's choice) */
	li TESTNUM, 1
	lw x14, 0(x21)
	li x2, 10000000
1:	lw x15, 0(x21)
	bne x14, x15, 2f
	addi x2, x2, -1
	bnez x2, 1b
	j fail
2:

	/* far-future compare: MTIP clear */
	li TESTNUM, 2
	li x2, -1
	sw x2, 4(x20)
	sw x2, 0(x20)
	csrr x14, mip
	andi x14, x14, MIP_MTIP
	bnez x14, fail

	/* compare = 0 (due): MTIP set, but no interrupt while mie.MTIE = 0 */
	li TESTNUM, 3
	li x16, 0
	sw x0, 0(x20)
	sw x0, 4(x20)
	csrsi mstatus, MSTATUS_MIE
	csrr x14, mip
	andi x14, x14, MIP_MTIP
	beqz x14, fail
	bnez x16, fail

	/* enabling MTIE takes the interrupt before the next instruction retires */
	li TESTNUM, 4
	li x1, MIP_MTIP
	csrs mie, x1
1:	addi x14, x0, 1		/* mepc points here: it has not run yet */
	li x7, 1
	bne x16, x7, fail
	la x7, 1b
	bne x18, x7, fail
	li x7, MCAUSE_INT | IRQ_M_TIMER
	bne x17, x7, fail
	/* the handler moved mtimecmp to the far future: MTIP is clear again */
	csrr x14, mip
	andi x14, x14, MIP_MTIP
	bnez x14, fail

	/* a timer interrupt a little in the future arrives while we spin */
	li TESTNUM, 5
	csrci mstatus, MSTATUS_MIE
	lw x2, 0(x21)
	addi x2, x2, 50
	li x3, -1
	sw x3, 4(x20)
	sw x2, 0(x20)
	lw x3, 4(x21)
	sw x3, 4(x20)
	li x16, 0
	csrsi mstatus, MSTATUS_MIE
	li x2, 10000000
1:	bnez x16, 2f
	addi x2, x2, -1
	bnez x2, 1b
	j fail
2:	csrci mstatus, MSTATUS_MIE

	/* in U-mode, machine interrupts are enabled regardless of mstatus.MIE */
	li TESTNUM, 6
	li x16, 0
	sw x0, 0(x20)
	sw x0, 4(x20)
	li x1, MSTATUS_MPP | MSTATUS_MPIE
	csrc mstatus, x1	/* MPP = U, MPIE = 0: U runs with MIE = 0 */
	la x1, 1f
	csrw mepc, x1
	mret
1:	beqz x16, 1b		/* in U: the timer interrupt must arrive */
	li x7, MCAUSE_INT | IRQ_M_TIMER
	bne x17, x7, fail
	csrw mie, x0		/* M-mode again (the handler returned there) */
	la x1, ptest_trap_vector
	csrw mtvec, x1
PTEST_END

	.text
	.balign 4
	/* x16 += 1, x17 <- mcause, x18 <- mepc; pushes mtimecmp to the far future;
	 * returns to M-mode (MPP = M) so the test continues privileged after test 6. */
handler:
	csrr t5, mcause
	bgez t5, ptest_default_trap	/* exceptions: the end-of-test ecall */
	addi x16, x16, 1
	mv x17, t5
	csrr x18, mepc
	li t5, CLINT_MTIMECMP
	li t6, -1
	sw t6, 4(t5)
	sw t6, 0(t5)
	li t6, MSTATUS_MPP
	csrs mstatus, t6
	mret
