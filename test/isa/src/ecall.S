/* ecall from M-mode (mcause 11) and from U-mode (mcause 8): mepc = the ecall, mtval = 0,
 * registers untouched, and the privilege mode returned to is the one that trapped. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"
#include "traps.h"

PTEST_BEGIN
	EXPECT_TRAP(1, CAUSE_MACHINE_ECALL, 1b, 0, 1: ecall)
	/* the handler's mret left MPP = U, the least-privileged mode */
	TEST_CASE(2, x14, 0, csrr x14, mstatus; li x15, MSTATUS_MPP; and x14, x14, x15)
	/* registers are untouched by the trap */
	TEST_CASE(3, x14, 1234, li x14, 1234; li TRAP_RESUME, 0; li TRAP_ARMED, 1; ecall)
	/* drop to U-mode and ecall from there; the handler resumes in U */
	li TESTNUM, 4
	li x1, MSTATUS_MPP
	csrc mstatus, x1
	la x1, user
	csrw mepc, x1
	mret
user:
	EXPECT_TRAP(5, CAUSE_USER_ECALL, 1b, 0, 1: ecall)
	/* still in U: an M-mode CSR read traps */
	EXPECT_TRAP(6, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x34002773, 1: csrr x14, mscratch)
PTEST_END
	PTEST_RECORDING_HANDLER
