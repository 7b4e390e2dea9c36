/* Zicsr in M-mode: csrrw/csrrs/csrrc and the immediate forms return the old value and
 * write the new one; rs1 = x0 / zimm = 0 forms do not write (so they may read read-only
 * CSRs); mstatus bit fields; WARL low bits of mepc; misa and mhartid; minstret and mcycle
 * advance. */
#define PTEST_MACHINE
#include "ptest.h"
#include "macros.h"

PTEST_BEGIN
	/* csrrw returns the old value */
	TEST_CASE(1, x14, 0x12345678, li x1, 0x12345678; csrw mscratch, x1; csrr x14, mscratch)
	TEST_CASE(2, x14, 0x12345678, li x1, 0xcafe; csrrw x14, mscratch, x1)
	TEST_CASE(3, x14, 0xcafe, csrr x14, mscratch)
	/* csrrs / csrrc: set and clear bits, return the old value */
	TEST_CASE(4, x14, 0xcafe, li x1, 0x0f0f0000; csrrs x14, mscratch, x1)
	TEST_CASE(5, x14, 0x0f0fcafe, csrr x14, mscratch)
	TEST_CASE(6, x14, 0x0f0fcafe, li x1, 0x0000ff00; csrrc x14, mscratch, x1)
	TEST_CASE(7, x14, 0x0f0f00fe, csrr x14, mscratch)
	/* immediate forms: 5-bit zero-extended zimm */
	TEST_CASE(8, x14, 0x0f0f00fe, csrrwi x14, mscratch, 31)
	TEST_CASE(9, x14, 31, csrr x14, mscratch)
	TEST_CASE(10, x14, 31, csrrci x14, mscratch, 0x15)
	TEST_CASE(11, x14, 10, csrrsi x14, mscratch, 0x10)
	TEST_CASE(12, x14, 26, csrr x14, mscratch)
	/* rs1 = x0: no write, value unchanged */
	TEST_CASE(13, x14, 26, csrrs x14, mscratch, x0; csrrc x0, mscratch, x0; csrr x14, mscratch)
	/* rd = rs1 */
	TEST_CASE(14, x1, 26, li x1, 99; csrrw x1, mscratch, x1)
	TEST_CASE(15, x14, 99, csrr x14, mscratch)
	/* read-only CSRs may be read with csrrs/csrrc x0 and csrrsi/csrrci 0 without a trap */
	TEST_CASE(16, x14, 0, csrr x14, mhartid)
	TEST_CASE(17, x14, 0, csrrci x14, mhartid, 0)
	TEST_CASE(18, x14, 0, csrrc x14, mhartid, x0)
	/* misa: MXL = 1 (RV32), I and M present (or misa = 0: not implemented) */
	li TESTNUM, 19
	csrr x14, misa
	beqz x14, 1f
	srli x15, x14, 30
	li x7, 1
	bne x15, x7, fail
	andi x15, x14, 1 << 8
	beqz x15, fail
	li x7, 1 << 12
	and x15, x14, x7
	beqz x15, fail
1:
	/* mstatus.MIE and MPIE can be set and cleared (interrupts stay off: mie = 0) */
	TEST_CASE(20, x14, MSTATUS_MIE, csrsi mstatus, MSTATUS_MIE; csrr x14, mstatus; andi x14, x14, MSTATUS_MIE)
	TEST_CASE(21, x14, 0, csrci mstatus, MSTATUS_MIE; csrr x14, mstatus; andi x14, x14, MSTATUS_MIE)
	TEST_CASE(22, x14, MSTATUS_MPIE, li x1, MSTATUS_MPIE; csrs mstatus, x1; csrr x14, mstatus; andi x14, x14, MSTATUS_MPIE)
	/* MPP is WARL over the supported modes: M (3) and U (0) */
	TEST_CASE(23, x14, MSTATUS_MPP, li x1, MSTATUS_MPP; csrs mstatus, x1; csrr x14, mstatus; and x14, x14, x1)
	TEST_CASE(24, x14, 0, li x1, MSTATUS_MPP; csrc mstatus, x1; csrr x14, mstatus; and x14, x14, x1)
	/* mepc[0] is always 0 */
	TEST_CASE(25, x14, 0x80000000, li x1, 0x80000001; csrw mepc, x1; csrr x14, mepc)
	/* mtvec in direct mode holds a 4-byte aligned base */
	TEST_CASE(26, x14, 0, csrr x15, mtvec; la x1, ptest_trap_vector; sub x14, x15, x1)
	/* minstret and mcycle advance */
	li TESTNUM, 27
	csrr x14, minstret
	nop
	nop
	csrr x15, minstret
	bgeu x14, x15, fail
	li TESTNUM, 28
	csrr x14, mcycle
	nop
	csrr x15, mcycle
	bgeu x14, x15, fail
	/* mscratch is a full 32-bit register */
	TEST_CASE(29, x14, 0xffffffff, li x1, -1; csrw mscratch, x1; csrr x14, mscratch)
	TEST_CASE(30, x14, 0, csrw mscratch, x0; csrr x14, mscratch)
PTEST_END
