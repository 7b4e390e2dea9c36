/* Privilege: U-mode code (where the test body runs) may not touch M-mode CSRs or
 * execute mret. Each attempt is an illegal-instruction trap with mtval = the
 * instruction bits and mepc = its address, and leaves the destination unchanged. */
#include "ptest.h"
#include "macros.h"
#include "traps.h"

PTEST_BEGIN
	/* reading mscratch from U: csrrs x14, mscratch, x0 = 0x34002773 */
	EXPECT_TRAP(1, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x34002773, li x14, 7; 1: csrr x14, mscratch)
	CHECK(2, x14, 7)
	/* writing mscratch: csrrw x0, mscratch, x1 = 0x34009073 */
	EXPECT_TRAP(3, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x34009073, 1: csrw mscratch, x1)
	/* mstatus: csrrs x14, mstatus, x0 = 0x30002773 */
	EXPECT_TRAP(4, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x30002773, 1: csrr x14, mstatus)
	/* mtvec write: csrrw x0, mtvec, x0 = 0x30501073 */
	EXPECT_TRAP(5, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x30501073, 1: csrw mtvec, x0)
	/* mret from U = 0x30200073 */
	EXPECT_TRAP(6, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0x30200073, 1: mret)
	/* the traps came from U: MPP = 0 after each (read back in M through an ecall would
	 * end the test, so check that we are still in U by trapping once more) */
	EXPECT_TRAP(7, CAUSE_ILLEGAL_INSTRUCTION, 1b, 0xf1402773, 1: csrr x14, mhartid)
PTEST_END
	PTEST_RECORDING_HANDLER
