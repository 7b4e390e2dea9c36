/* Trap entry and mret update mstatus as the privileged spec says: on a trap,
 * MPIE <- MIE, MIE <- 0, MPP <- the trapping mode; on mret, MIE <- MPIE, MPIE <- 1,
 * MPP <- U, and execution continues at mepc in mode MPP. (mie = 0 throughout, so
 * setting MIE enables nothing.) */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	/* mret to M with MPIE = 1: MIE becomes 1, MPIE 1, MPP U; continues at mepc */
	li TESTNUM, 1
	li x1, MSTATUS_MPP | MSTATUS_MPIE
	csrs mstatus, x1
	csrci mstatus, MSTATUS_MIE
	la x1, 1f
	csrw mepc, x1
	mret
	j fail
1:	csrr x14, mstatus
	li x15, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
	and x14, x14, x15
	li x7, MSTATUS_MPIE | MSTATUS_MIE
	bne x14, x7, fail

	/* mret with MPIE = 0: MIE becomes 0 */
	li TESTNUM, 2
	li x1, MSTATUS_MPP
	csrs mstatus, x1
	li x1, MSTATUS_MPIE
	csrc mstatus, x1
	la x1, 1f
	csrw mepc, x1
	mret
	j fail
1:	csrr x14, mstatus
	li x15, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
	and x14, x14, x15
	li x7, MSTATUS_MPIE
	bne x14, x7, fail

	/* trap entry from M with MIE = 1: the handler sees MPIE = 1, MIE = 0, MPP = M,
	 * and mepc = the ecall */
	li TESTNUM, 3
	csrsi mstatus, MSTATUS_MIE
	la x1, handler
	csrw mtvec, x1
1:	ecall
	la x7, 1b
	bne x16, x7, fail
	li x15, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
	and x14, x17, x15
	li x7, MSTATUS_MPP | MSTATUS_MPIE
	bne x14, x7, fail
	/* after the handler's mret: MIE restored to 1 */
	li TESTNUM, 4
	csrr x14, mstatus
	andi x14, x14, MSTATUS_MIE
	beqz x14, fail

	/* trap entry from U: MPP = 0 */
	li TESTNUM, 5
	csrci mstatus, MSTATUS_MIE
	li x1, MSTATUS_MPP
	csrc mstatus, x1
	la x1, 1f
	csrw mepc, x1
	mret
1:	ecall			/* from U; the handler returns to M at `2f` below */
	j fail
2:	li x15, MSTATUS_MPP | MSTATUS_MIE
	and x14, x17, x15
	bnez x14, fail
	la x1, ptest_trap_vector
	csrw mtvec, x1
PTEST_END

	.text
	.balign 4
	/* records mepc in x16 and mstatus in x17; resumes after an M-mode ecall, or in M
	 * at label 2 (test 5) after a U-mode ecall */
handler:
	csrr x16, mepc
	csrr x17, mstatus
	csrr t5, mcause
	li t6, CAUSE_USER_ECALL
	beq t5, t6, 1f
	addi t5, x16, 4
	csrw mepc, t5
	mret
1:	la t5, 2b
	csrw mepc, t5
	li t6, MSTATUS_MPP
	csrs mstatus, t6
	mret
