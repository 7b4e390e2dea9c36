/*
 * A recording trap handler for the machine-mode ISA tests. A test arms it by setting
 * x23 (TRAP_ARMED) to 1 before an instruction that should trap; the handler then saves
 * mcause, mtval and mepc into x20, x21, x22, disarms, and resumes at mepc + 4, or at
 * the address in x24 (TRAP_RESUME) when that is non-zero, in the privilege mode that
 * trapped (MPP is left as the trap set it). Unarmed traps, and the end-of-test ecall
 * (a7 = 93) even when armed, go to the environment's default handling (ecall = end of
 * test, anything else = failure).
 */
#ifndef MORPHSIM_TRAPS_H
#define MORPHSIM_TRAPS_H

#define TRAP_CAUSE x20
#define TRAP_TVAL x21
#define TRAP_EPC x22
#define TRAP_ARMED x23
#define TRAP_RESUME x24

#define PTEST_RECORDING_HANDLER                                         \
	.text;                                                          \
	.balign 4;                                                      \
	.globl mtvec_handler;                                           \
mtvec_handler:                                                          \
	beqz TRAP_ARMED, ptest_default_trap;                            \
	/* the end-of-test ecall (a7 = 93) is never swallowed */        \
	li t6, 93;                                                      \
	beq a7, t6, ptest_default_trap;                                 \
	csrr TRAP_CAUSE, mcause;                                        \
	csrr TRAP_TVAL, mtval;                                          \
	csrr TRAP_EPC, mepc;                                            \
	li TRAP_ARMED, 0;                                               \
	addi t5, TRAP_EPC, 4;                                           \
	beqz TRAP_RESUME, 1f;                                           \
	mv t5, TRAP_RESUME;                                             \
1:	csrw mepc, t5;                                                  \
	mret

/* Run `code`, which must trap exactly once with `cause`; then check mepc == the
 * address of label `at` and mtval == `tval`. `at` is usually a local label inside
 * `code`, referred to backwards (1b), since the checks come after it. */
#define EXPECT_TRAP(n, cause, at, tval, ...)                            \
	li TESTNUM, n;                                                  \
	li TRAP_RESUME, 0;                                              \
	li TRAP_ARMED, 1;                                               \
	__VA_ARGS__;                                                    \
	bnez TRAP_ARMED, fail;                                          \
	li x7, cause;                                                   \
	bne TRAP_CAUSE, x7, fail;                                       \
	la x7, at;                                                      \
	bne TRAP_EPC, x7, fail;                                         \
	li x7, tval;                                                    \
	bne TRAP_TVAL, x7, fail

/* The same, for an mtval that is an address expression (a label plus an offset). */
#define EXPECT_TRAP_ADDR(n, cause, at, tval, ...)                       \
	li TESTNUM, n;                                                  \
	li TRAP_RESUME, 0;                                              \
	li TRAP_ARMED, 1;                                               \
	__VA_ARGS__;                                                    \
	bnez TRAP_ARMED, fail;                                          \
	li x7, cause;                                                   \
	bne TRAP_CAUSE, x7, fail;                                       \
	la x7, at;                                                      \
	bne TRAP_EPC, x7, fail;                                         \
	la x7, tval;                                                    \
	bne TRAP_TVAL, x7, fail

#endif
