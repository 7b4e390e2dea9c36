/*
 * The morphsim ISA-test environment, following the conventions of the official
 * riscv-tests "p" environment (physical addresses, single hart):
 *
 *  - reset at 0x80000000 (_start), all registers cleared, PMP opened over all memory
 *    where PMP exists, mtvec = the environment's trap vector;
 *  - mstatus <- 0 (or MPP = M for machine-mode tests) and `mret` into the test body, so
 *    rv32ui/rv32um-style bodies run in U-mode, rv32mi-style ones in M-mode
 *    (define PTEST_MACHINE before including this file);
 *  - TESTNUM lives in gp (x3); pass and fail end with `ecall`, and the trap vector turns
 *    an ecall into an HTIF exit: tohost <- 1 for pass, (TESTNUM << 1) | 1 for a failure
 *    of test TESTNUM (Spike and QEMU exit with code tohost >> 1);
 *  - a test may define `mtvec_handler`; the trap vector jumps there first, and the
 *    handler continues at `ptest_default_trap` for traps it does not own;
 *  - any other trap fails with exit code 1000 + TESTNUM.
 */
#ifndef MORPHSIM_PTEST_H
#define MORPHSIM_PTEST_H

#define TESTNUM gp

#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_USER_ECALL 8
#define CAUSE_MACHINE_ECALL 11
#define MCAUSE_INT 0x80000000
#define IRQ_M_SOFT 3
#define IRQ_M_TIMER 7
#define MSTATUS_MIE 0x00000008
#define MSTATUS_MPIE 0x00000080
#define MSTATUS_MPP 0x00001800
#define MIP_MSIP 0x00000008
#define MIP_MTIP 0x00000080
#define CLINT_MSIP 0x02000000
#define CLINT_MTIMECMP 0x02004000
#define CLINT_MTIME 0x0200bff8

#ifdef PTEST_MACHINE
#define PTEST_START_MSTATUS MSTATUS_MPP
#else
#define PTEST_START_MSTATUS 0
#endif

#define PTEST_BEGIN                                                     \
	.section .text.init, "ax";                                      \
	.weak mtvec_handler;                                            \
	.globl _start;                                                  \
_start:                                                                 \
	j ptest_reset;                                                  \
	.balign 4;                                                      \
ptest_trap_vector:                                                      \
	la t5, mtvec_handler;                                           \
	beqz t5, ptest_default_trap;                                    \
	jr t5;                                                          \
	.globl ptest_default_trap;                                      \
ptest_default_trap:                                                     \
	csrr t5, mcause;                                                \
	li t6, CAUSE_USER_ECALL;                                        \
	beq t5, t6, ptest_exit;                                         \
	li t6, CAUSE_MACHINE_ECALL;                                     \
	beq t5, t6, ptest_exit;                                         \
	/* unexpected trap */                                           \
	addi TESTNUM, TESTNUM, 1000;                                    \
	slli TESTNUM, TESTNUM, 1;                                       \
	ori TESTNUM, TESTNUM, 1;                                        \
ptest_exit:                                                             \
	la t5, tohost;                                                  \
	sw TESTNUM, 0(t5);                                              \
	sw zero, 4(t5);                                                 \
	j ptest_exit;                                                   \
ptest_reset:                                                            \
	PTEST_CLEAR_REGS;                                               \
	la t0, 1f;                                                      \
	csrw mtvec, t0;                                                 \
	li t0, -1;                                                      \
	csrw pmpaddr0, t0;                                              \
	li t0, 0x1f; /* NAPOT, R, W, X */                               \
	csrw pmpcfg0, t0;                                               \
	.balign 4;                                                      \
1:	la t0, ptest_trap_vector;                                       \
	csrw mtvec, t0;                                                 \
	csrwi mie, 0;                                                   \
	li t0, PTEST_START_MSTATUS;                                     \
	csrw mstatus, t0;                                               \
	la t0, ptest_body;                                              \
	csrw mepc, t0;                                                  \
	li t0, 0;                                                       \
	mret;                                                           \
ptest_body:

#define PTEST_CLEAR_REGS                                                \
	li x1, 0; li x2, 0; li x3, 0; li x4, 0; li x5, 0; li x6, 0;     \
	li x7, 0; li x8, 0; li x9, 0; li x10, 0; li x11, 0; li x12, 0;  \
	li x13, 0; li x14, 0; li x15, 0; li x16, 0; li x17, 0;          \
	li x18, 0; li x19, 0; li x20, 0; li x21, 0; li x22, 0;          \
	li x23, 0; li x24, 0; li x25, 0; li x26, 0; li x27, 0;          \
	li x28, 0; li x29, 0; li x30, 0; li x31, 0

/* Ends the test body: falls through to pass; `fail` is the target of every check. */
#define PTEST_END                                                       \
	j ptest_pass;                                                   \
fail:                                                                   \
	fence;                                                          \
	bnez TESTNUM, 1f;                                               \
	li TESTNUM, 999; /* a failure before the first numbered test */ \
1:                                                                      \
	slli TESTNUM, TESTNUM, 1;                                       \
	ori TESTNUM, TESTNUM, 1;                                        \
	li a7, 93;                                                      \
	mv a0, TESTNUM;                                                 \
	ecall;                                                          \
ptest_pass:                                                             \
	fence;                                                          \
	li TESTNUM, 1;                                                  \
	li a7, 93;                                                      \
	li a0, 0;                                                       \
	ecall;                                                          \
	.section .tohost, "aw", @progbits;                              \
	.balign 64;                                                     \
	.globl tohost;                                                  \
	.type tohost, @object;                                          \
	.size tohost, 8; /* QEMU checks the symbol size */              \
tohost:	.dword 0;                                                       \
	.balign 64;                                                     \
	.globl fromhost;                                                \
	.type fromhost, @object;                                        \
	.size fromhost, 8;                                              \
fromhost: .dword 0;                                                     \
	.data

#endif
