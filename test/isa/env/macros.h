/*
 * Check macros for the morphsim ISA tests (our own, in the style of riscv-tests'
 * test_macros.h). Each macro is one numbered test: it sets TESTNUM, computes a result
 * into x14, and branches to `fail` when it differs from the expected value (in x7).
 * Operands go through x1/x2; variants also check rd == rs1, rd == rs2, rs1 == rs2,
 * rd = x0 and rs = x0, and results that are consumed immediately (bypass paths).
 */
#ifndef MORPHSIM_MACROS_H
#define MORPHSIM_MACROS_H

#define CHECK(n, reg, expected)                                         \
	li TESTNUM, n;                                                  \
	li x7, expected;                                                \
	bne reg, x7, fail

/* Arbitrary code, then compare `reg` with `expected`. */
#define TEST_CASE(n, reg, expected, ...)                                \
	li TESTNUM, n;                                                  \
	__VA_ARGS__;                                                    \
	li x7, expected;                                                \
	bne reg, x7, fail

/* Register-register op: x14 = a op b. */
#define TEST_RR(n, inst, expected, a, b)                                \
	TEST_CASE(n, x14, expected, li x1, a; li x2, b; inst x14, x1, x2)
/* ... with the result written over its first / second source, or both sources equal. */
#define TEST_RR_RD_RS1(n, inst, expected, a, b)                         \
	TEST_CASE(n, x1, expected, li x1, a; li x2, b; inst x1, x1, x2)
#define TEST_RR_RD_RS2(n, inst, expected, a, b)                         \
	TEST_CASE(n, x2, expected, li x1, a; li x2, b; inst x2, x1, x2)
#define TEST_RR_SAME(n, inst, expected, a)                              \
	TEST_CASE(n, x1, expected, li x1, a; inst x1, x1, x1)
/* x0 as a source reads 0; x0 as a destination stays 0. */
#define TEST_RR_ZERO_RS1(n, inst, expected, b)                          \
	TEST_CASE(n, x14, expected, li x2, b; inst x14, x0, x2)
#define TEST_RR_ZERO_RS2(n, inst, expected, a)                          \
	TEST_CASE(n, x14, expected, li x1, a; inst x14, x1, x0)
#define TEST_RR_ZERO_RD(n, inst, a, b)                                  \
	TEST_CASE(n, x0, 0, li x1, a; li x2, b; inst x0, x1, x2)
/* The result feeds the next instruction directly (no independent work in between). */
#define TEST_RR_CHAIN(n, inst, expected, a, b)                          \
	TEST_CASE(n, x15, expected, li x1, a; li x2, b; inst x14, x1, x2; addi x15, x14, 0)

/* Register-immediate op: x14 = a op imm. */
#define TEST_IMM(n, inst, expected, a, imm)                             \
	TEST_CASE(n, x14, expected, li x1, a; inst x14, x1, imm)
#define TEST_IMM_RD_RS1(n, inst, expected, a, imm)                      \
	TEST_CASE(n, x1, expected, li x1, a; inst x1, x1, imm)
#define TEST_IMM_ZERO_RS1(n, inst, expected, imm)                       \
	TEST_CASE(n, x14, expected, inst x14, x0, imm)
#define TEST_IMM_ZERO_RD(n, inst, a, imm)                               \
	TEST_CASE(n, x0, 0, li x1, a; inst x0, x1, imm)

/* Branches: the taken form must skip to 2f, the not-taken form must fall through. */
#define TEST_BR_TAKEN(n, inst, a, b)                                    \
	li TESTNUM, n;                                                  \
	li x1, a;                                                       \
	li x2, b;                                                       \
	inst x1, x2, 2f;                                                \
	j fail;                                                         \
2:
#define TEST_BR_NOT_TAKEN(n, inst, a, b)                                \
	li TESTNUM, n;                                                  \
	li x1, a;                                                       \
	li x2, b;                                                       \
	inst x1, x2, fail

/* Loads from `base` + offset (base is a data label). */
#define TEST_LD(n, inst, expected, offset, base)                        \
	TEST_CASE(n, x14, expected, la x1, base; inst x14, offset(x1))
/* Store then load back through another instruction. */
#define TEST_ST(n, load, store, value, offset, base)                    \
	TEST_CASE(n, x14, value, la x1, base; li x2, value; store x2, offset(x1); load x14, offset(x1))

#endif
