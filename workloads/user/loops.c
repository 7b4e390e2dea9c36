/*
 * Tight integer loops: Collatz trajectories (data-dependent branches), a xorshift32
 * generator (shift/xor chains), a sum of squares checked against its closed form, and a
 * bit-by-bit popcount. Also calls clock_gettime twice and checks it is monotonic
 * (printed as yes/no so the output does not depend on time).
 */
#include <stdio.h>

#include "rt.h"

static uint32_t collatz_steps(uint32_t n)
{
	uint32_t steps = 0;
	while (n != 1) {
		n = (n & 1) ? 3 * n + 1 : n >> 1;
		steps++;
	}
	return steps;
}

int main(void)
{
	int failures = 0;
	uint32_t h = RT_FNV_INIT;
	int64_t t0 = rt_clock_ns();

	/* Collatz: total steps and the record holder below 20000. */
	uint32_t total = 0, best_n = 1, best_steps = 0;
	for (uint32_t n = 1; n < 20000; n++) {
		uint32_t s = collatz_steps(n);
		total += s;
		if (s > best_steps) {
			best_steps = s;
			best_n = n;
		}
	}
	printf("collatz: total=%lu longest n=%lu steps=%lu\n", (unsigned long)total,
	       (unsigned long)best_n, (unsigned long)best_steps);
	/* Known record below 20000 (OEIS A006877): 17647 with 278 steps. */
	if (best_n != 17647 || best_steps != 278) failures++;
	h = rt_fnv(h, total);

	/* xorshift32 (Marsaglia 13/17/5): the state after 1,000,000 steps. */
	uint32_t x = 2463534242u, acc = 0;
	for (int i = 0; i < 1000000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		acc += x;
	}
	printf("xorshift32: state=0x%08lx sum=0x%08lx\n", (unsigned long)x, (unsigned long)acc);
	h = rt_fnv(h, x);
	h = rt_fnv(h, acc);

	/* Sum of squares 0..n-1 modulo 2^32, against n(n-1)(2n-1)/6 computed in 64 bits. */
	const uint32_t n = 1000000;
	uint32_t sq = 0;
	for (uint32_t i = 0; i < n; i++) sq += i * i;
	uint64_t nn = n;
	uint32_t closed = (uint32_t)(nn * (nn - 1) * (2 * nn - 1) / 6);
	printf("sum of squares below %lu: 0x%08lx (closed form 0x%08lx)\n", (unsigned long)n,
	       (unsigned long)sq, (unsigned long)closed);
	if (sq != closed) failures++;
	h = rt_fnv(h, sq);

	/* Popcount one bit at a time over an LCG stream. */
	uint32_t seed = 1, bits = 0;
	for (int i = 0; i < 50000; i++) {
		uint32_t v = rt_lcg(&seed);
		while (v) {
			bits += v & 1;
			v >>= 1;
		}
	}
	printf("popcount of 50000 LCG words: %lu\n", (unsigned long)bits);
	h = rt_fnv(h, bits);

	int64_t t1 = rt_clock_ns();
	printf("clock monotonic: %s\n", (t0 >= 0 && t1 >= t0) ? "yes" : "no");
	if (t0 < 0 || t1 < t0) failures++;

	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
