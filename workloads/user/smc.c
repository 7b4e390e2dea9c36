/*
 * Self-modifying code with fence.i (the Zifencei contract): the program encodes RV32I
 * instructions into a writable+executable buffer, calls them, patches immediates and
 * opcodes, executes fence.i and calls them again. A translator must drop the stale
 * translations (CMS's T-bit / fine-grained SMC detection). Three patterns: a one-shot
 * function re-patched many times, a hot loop whose body alternates between add and sub,
 * and a function that rewrites its own next instruction (smc_asm.S).
 */
#include <stdio.h>

#include "rt.h"

extern uint32_t code_buf[];
uint32_t self_patch(uint32_t insn);

enum { A0 = 10, A1 = 11, ZERO = 0, RA = 1 };

/* RV32I encodings (I-, R- and B-type), from the ISA manual's base formats. */
static uint32_t i_type(uint32_t opcode, uint32_t f3, uint32_t rd, uint32_t rs1, int32_t imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
}
static uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(0x13, 0, rd, rs1, imm); }
static uint32_t ret(void) { return i_type(0x67, 0, ZERO, RA, 0); } /* jalr x0, 0(ra) */
static uint32_t r_type(uint32_t f7, uint32_t rd, uint32_t rs1, uint32_t rs2)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | rd << 7 | 0x33;
}
static uint32_t add(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0x00, rd, rs1, rs2); }
static uint32_t sub(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0x20, rd, rs1, rs2); }
static uint32_t bne(uint32_t rs1, uint32_t rs2, int32_t off)
{
	uint32_t o = (uint32_t)off;
	return ((o >> 12) & 1) << 31 | ((o >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | 1u << 12 |
	       ((o >> 1) & 0xf) << 8 | ((o >> 11) & 1) << 7 | 0x63;
}

static inline void fence_i(void) { __asm__ volatile("fence.i" ::: "memory"); }

typedef int32_t (*fn1)(int32_t);

int main(void)
{
	int failures = 0;
	uint32_t h = RT_FNV_INIT;
	fn1 f = (fn1)(uintptr_t)code_buf;

	/* 1. f(x) = x + imm, re-patched 2000 times. */
	code_buf[0] = addi(A0, A0, 5);
	code_buf[1] = ret();
	fence_i();
	int32_t first = f(10);
	code_buf[0] = addi(A0, A0, 100);
	fence_i();
	int32_t second = f(10);
	printf("patched immediate: f(10) = %ld, then %ld\n", (long)first, (long)second);
	if (first != 15 || second != 110) failures++;
	int32_t acc = 0, want = 0;
	for (int32_t i = 0; i < 2000; i++) {
		code_buf[0] = addi(A0, A0, i - 1000);
		fence_i();
		acc += f(i);
		want += i + (i - 1000);
	}
	printf("2000 re-patches: sum = %ld (expected %ld)\n", (long)acc, (long)want);
	if (acc != want) failures++;
	h = rt_fnv(h, (uint32_t)acc);

	/* 2. A generated loop g(n) = sum or negated sum of 1..n; the body op changes every 25 calls. */
	uint32_t *g = code_buf + 16;
	g[0] = addi(A1, ZERO, 0);
	g[1] = add(A1, A1, A0); /* loop: */
	g[2] = addi(A0, A0, -1);
	g[3] = bne(A0, ZERO, -8);
	g[4] = addi(A0, A1, 0);
	g[5] = ret();
	fence_i();
	fn1 gf = (fn1)(uintptr_t)g;
	int32_t total = 0, expect = 0;
	for (int call = 0; call < 200; call++) {
		int use_sub = (call / 25) % 3 == 1;
		if (call % 25 == 0) {
			g[1] = use_sub ? sub(A1, A1, A0) : add(A1, A1, A0);
			fence_i();
		}
		total += gf(1000);
		expect += use_sub ? -500500 : 500500;
	}
	int32_t last = gf(100);
	printf("hot generated loop, 200 calls, body patched 8 times: total = %ld (expected %ld), g(100) = %ld\n",
	       (long)total, (long)expect, (long)last);
	if (total != expect || last != -5050) failures++;
	h = rt_fnv(h, (uint32_t)total);

	/* 3. Code that rewrites its own next instruction. */
	int32_t sp_acc = 0, sp_want = 0;
	for (int32_t i = 0; i < 1000; i++) {
		int32_t imm = (i * 37) % 2048 - 1024;
		sp_acc += (int32_t)self_patch(addi(A0, ZERO, imm));
		sp_want += imm;
	}
	printf("self-patching function, 1000 calls: sum = %ld (expected %ld)\n", (long)sp_acc, (long)sp_want);
	if (sp_acc != sp_want) failures++;
	h = rt_fnv(h, (uint32_t)sp_acc);

	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
