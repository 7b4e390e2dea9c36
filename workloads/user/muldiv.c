/*
 * Multiply/divide heavy code. The RISC-V M-extension edge cases (division by zero,
 * INT_MIN / -1, the high-half multiplies with mixed signs) are undefined or different
 * in C, so each instruction is issued directly with inline assembly and the results are
 * printed and checked against the values the ISA manual specifies. Then a long loop
 * mixes all eight instructions over a pseudo-random stream and checks the identities
 * a == (a / b) * b + a % b and the high/low product halves against 64-bit arithmetic.
 */
#include <limits.h>
#include <stdio.h>

#include "rt.h"

#define RR(op)                                                                    \
	static inline uint32_t op##_(uint32_t a, uint32_t b)                       \
	{                                                                          \
		uint32_t r;                                                        \
		__asm__(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));             \
		return r;                                                          \
	}
RR(mul)
RR(mulh)
RR(mulhsu)
RR(mulhu)
RR(div)
RR(divu)
RR(rem)
RR(remu)

static int failures;

static void expect(const char *what, uint32_t got, uint32_t want)
{
	printf("  %-28s = 0x%08lx%s\n", what, (unsigned long)got, got == want ? "" : "  <-- WRONG");
	if (got != want) failures++;
}

int main(void)
{
	const uint32_t MIN = 0x80000000u, M1 = 0xffffffffu;

	printf("edge cases (RISC-V M extension):\n");
	expect("div 7 / 0", div_(7, 0), M1);
	expect("divu 7 / 0", divu_(7, 0), M1);
	expect("rem 7 % 0", rem_(7, 0), 7);
	expect("remu 7 % 0", remu_(7, 0), 7);
	expect("div INT_MIN / -1", div_(MIN, M1), MIN);
	expect("rem INT_MIN % -1", rem_(MIN, M1), 0);
	expect("div -7 / 2", div_((uint32_t)-7, 2), (uint32_t)-3);
	expect("rem -7 % 2", rem_((uint32_t)-7, 2), (uint32_t)-1);
	expect("div 7 / -2", div_(7, (uint32_t)-2), (uint32_t)-3);
	expect("rem 7 % -2", rem_(7, (uint32_t)-2), 1);
	expect("divu 0xffffffff / 2", divu_(M1, 2), 0x7fffffffu);
	expect("remu 0xffffffff % 10", remu_(M1, 10), 5);
	expect("mul 0x10000 * 0x10000", mul_(0x10000, 0x10000), 0);
	expect("mulh -1 * -1", mulh_(M1, M1), 0);
	expect("mulhu 0xffffffff^2", mulhu_(M1, M1), 0xfffffffeu);
	expect("mulhsu -1 * 0xffffffff", mulhsu_(M1, M1), M1);
	expect("mulh INT_MIN * INT_MIN", mulh_(MIN, MIN), 0x40000000u);
	expect("mulhsu INT_MIN * 0xffffffff", mulhsu_(MIN, M1), 0x80000000u);
	expect("mulhu INT_MIN * 2", mulhu_(MIN, 2), 1);
	expect("mulh 0x7fffffff * -1", mulh_(0x7fffffffu, M1), M1);

	/* Mixed loop: 300000 pseudo-random pairs, every instruction, checked. */
	uint32_t seed = 42, h = RT_FNV_INIT, bad = 0;
	for (int i = 0; i < 300000; i++) {
		uint32_t a = rt_lcg(&seed);
		uint32_t b = rt_lcg(&seed);
		/* Small divisors are interesting; make a quarter of them tiny (including 0). */
		if ((i & 3) == 0) b >>= 29;
		uint32_t q = div_(a, b), r = rem_(a, b), qu = divu_(a, b), ru = remu_(a, b);
		uint32_t lo = mul_(a, b), hs = mulh_(a, b), hsu = mulhsu_(a, b), hu = mulhu_(a, b);
		if (b != 0) {
			if (mul_(q, b) + r != a || mul_(qu, b) + ru != a || ru >= b) bad++;
		} else if (q != M1 || qu != M1 || r != a || ru != a) {
			bad++;
		}
		uint64_t pu = (uint64_t)a * b;
		int64_t ps = (int64_t)(int32_t)a * (int32_t)b;
		int64_t psu = (int64_t)(int32_t)a * (int64_t)(uint64_t)b;
		if (lo != (uint32_t)pu || hu != (uint32_t)(pu >> 32) || hs != (uint32_t)((uint64_t)ps >> 32) ||
		    hsu != (uint32_t)((uint64_t)psu >> 32))
			bad++;
		h = rt_fnv(h, q ^ r ^ qu ^ ru);
		h = rt_fnv(h, lo + hs + hsu + hu);
	}
	printf("mixed loop: 300000 pairs, %lu identity failures\n", (unsigned long)bad);
	if (bad) failures++;
	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
