/* ebreak: mcause 3 (breakpoint), mepc = the ebreak; mtval is the pc (Spike) or 0
 * (QEMU), both allowed by the privileged specification. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"
#include "traps.h"

PTEST_BEGIN
	li TESTNUM, 1
	li TRAP_RESUME, 0
	li TRAP_ARMED, 1
1:	ebreak
	bnez TRAP_ARMED, fail
	li x7, CAUSE_BREAKPOINT
	bne TRAP_CAUSE, x7, fail
	la x7, 1b
	bne TRAP_EPC, x7, fail
	li TESTNUM, 2
	beqz TRAP_TVAL, 2f
	bne TRAP_TVAL, x7, fail
2:
	/* ebreak from U-mode is a breakpoint too */
	li TESTNUM, 3
	li x1, MSTATUS_MPP
	csrc mstatus, x1
	la x1, user
	csrw mepc, x1
	mret
user:
	li TESTNUM, 4
	li TRAP_ARMED, 1
1:	ebreak
	bnez TRAP_ARMED, fail
	li x7, CAUSE_BREAKPOINT
	bne TRAP_CAUSE, x7, fail
	la x7, 1b
	bne TRAP_EPC, x7, fail
	li TESTNUM, 5
	beqz TRAP_TVAL, 2f
	bne TRAP_TVAL, x7, fail
2:
PTEST_END
	PTEST_RECORDING_HANDLER
