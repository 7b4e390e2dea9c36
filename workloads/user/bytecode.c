/*
 * A switch-dispatch bytecode interpreter: a dense switch compiles to a jump table, so
 * every virtual instruction is an indirect jump (the hardest branches for a translator
 * to chain). The stack machine runs two programs: the number of primes below 6000
 * by trial division, and an iterative Fibonacci modulo 2^32; both are checked against
 * the same computation in C.
 */
#include <stdio.h>

#include "rt.h"

enum op {
	PUSH, /* push imm */
	LOAD, /* push var[imm] */
	STORE, /* var[imm] = pop */
	ADD,
	SUB,
	MUL,
	MOD,
	LT, /* push (a < b) */
	EQ,
	JMP, /* pc = imm */
	JZ, /* if pop == 0: pc = imm */
	JNZ,
	DUP,
	DROP,
	INC, /* var[imm]++ */
	HALT,
};

struct insn {
	uint16_t op;
	int16_t imm;
};

static int32_t run(const struct insn *code, int32_t *var, uint32_t *steps)
{
	int32_t stack[64];
	int sp = 0;
	uint32_t pc = 0, n = 0;
	for (;;) {
		const struct insn in = code[pc++];
		n++;
		switch ((enum op)in.op) {
		case PUSH: stack[sp++] = in.imm; break;
		case LOAD: stack[sp++] = var[in.imm]; break;
		case STORE: var[in.imm] = stack[--sp]; break;
		case ADD: sp--; stack[sp - 1] += stack[sp]; break;
		case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
		case MUL: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] * (uint32_t)stack[sp]); break;
		case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
		case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
		case EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
		case JMP: pc = (uint16_t)in.imm; break;
		case JZ: if (stack[--sp] == 0) pc = (uint16_t)in.imm; break;
		case JNZ: if (stack[--sp] != 0) pc = (uint16_t)in.imm; break;
		case DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case DROP: sp--; break;
		case INC: var[in.imm]++; break;
		case HALT: *steps += n; return sp > 0 ? stack[sp - 1] : 0;
		}
	}
}

/* var0 = n, var1 = count, var2 = d */
static const struct insn primes[] = {
	/* 0 */ {PUSH, 2}, {STORE, 0}, {PUSH, 0}, {STORE, 1},
	/* 4: outer: if !(n < 30000) goto done */
	{LOAD, 0}, {PUSH, 6000}, {LT, 0}, {JZ, 31},
	/* 8 */ {PUSH, 2}, {STORE, 2},
	/* 10: inner: if !(d*d < n+1) goto prime */
	{LOAD, 2}, {DUP, 0}, {MUL, 0}, {LOAD, 0}, {PUSH, 1}, {ADD, 0}, {LT, 0}, {JZ, 27},
	/* 18: if n % d == 0 goto next */
	{LOAD, 0}, {LOAD, 2}, {MOD, 0}, {JZ, 29},
	/* 22 */ {INC, 2}, {JMP, 10}, {HALT, 0}, {HALT, 0}, {HALT, 0},
	/* 27: prime */ {INC, 1}, {JMP, 29},
	/* 29: next */ {INC, 0}, {JMP, 4},
	/* 31: done */ {LOAD, 1}, {HALT, 0},
};

/* var0 = a, var1 = b, var2 = i */
static const struct insn fibonacci[] = {
	/* 0 */ {PUSH, 0}, {STORE, 0}, {PUSH, 1}, {STORE, 1}, {PUSH, 0}, {STORE, 2},
	/* 6: loop: b = a + b; a = b - a (old b) */
	{LOAD, 0}, {LOAD, 1}, {ADD, 0}, {DUP, 0}, {LOAD, 0}, {SUB, 0}, {STORE, 0}, {STORE, 1},
	/* 14 */ {INC, 2}, {LOAD, 2}, {PUSH, 30000}, {EQ, 0}, {JZ, 6},
	/* 19 */ {LOAD, 0}, {HALT, 0},
};

int main(void)
{
	int failures = 0;
	int32_t var[4] = {0};
	uint32_t steps = 0;

	int32_t np = run(primes, var, &steps);
	uint32_t native = 0;
	for (uint32_t n = 2; n < 6000; n++) {
		uint32_t d = 2;
		while (d * d < n + 1 && n % d != 0) d++;
		native += d * d >= n + 1;
	}
	printf("primes below 6000: %ld (native %lu)\n", (long)np, (unsigned long)native);
	if ((uint32_t)np != native || native != 783) failures++;

	int32_t fb = run(fibonacci, var, &steps);
	uint32_t a = 0, b = 1;
	for (int i = 0; i < 30000; i++) {
		uint32_t t = a + b;
		a = b;
		b = t;
	}
	printf("fib(30000) mod 2^32: 0x%08lx (native 0x%08lx)\n", (unsigned long)(uint32_t)fb, (unsigned long)a);
	if ((uint32_t)fb != a) failures++;

	printf("virtual instructions executed: %lu\n", (unsigned long)steps);
	uint32_t h = rt_fnv(RT_FNV_INIT, (uint32_t)np);
	h = rt_fnv(h, (uint32_t)fb);
	h = rt_fnv(h, steps);
	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
