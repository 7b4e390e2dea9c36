/*
 * Recursion: deep call chains and returns (return-address prediction, stack traffic).
 * Ackermann, recursive Fibonacci, n-queens by backtracking, and Tower of Hanoi move
 * counts, each checked against its known closed form or published value.
 */
#include <stdio.h>

#include "rt.h"

static uint32_t ack(uint32_t m, uint32_t n)
{
	if (m == 0) return n + 1;
	if (n == 0) return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* Columns, and both diagonal directions, as occupied-bit masks. */
static uint32_t queens(uint32_t n, uint32_t row, uint32_t cols, uint32_t d1, uint32_t d2)
{
	if (row == n) return 1;
	uint32_t count = 0;
	uint32_t free = ~(cols | d1 | d2) & ((1u << n) - 1);
	while (free) {
		uint32_t bit = free & -free;
		free ^= bit;
		count += queens(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
	}
	return count;
}

static uint32_t hanoi(uint32_t n, int from, int to, int via)
{
	if (n == 0) return 0;
	return hanoi(n - 1, from, via, to) + 1 + hanoi(n - 1, via, to, from);
}

int main(void)
{
	int failures = 0;
	uint32_t h = RT_FNV_INIT;

	uint32_t a = ack(2, 300), b = ack(3, 7);
	printf("ackermann(2,300) = %lu, ackermann(3,7) = %lu\n", (unsigned long)a, (unsigned long)b);
	/* A(2,n) = 2n+3, A(3,n) = 2^(n+3) - 3. */
	if (a != 603 || b != 1021) failures++;

	uint32_t f = fib(27);
	printf("fib(27) = %lu\n", (unsigned long)f);
	if (f != 196418) failures++;

	static const uint32_t known[] = {1, 1, 0, 0, 2, 10, 4, 40, 92, 352}; /* OEIS A000170 */
	for (uint32_t n = 1; n <= 9; n++) {
		uint32_t q = queens(n, 0, 0, 0, 0);
		printf("queens(%lu) = %lu\n", (unsigned long)n, (unsigned long)q);
		if (q != known[n]) failures++;
		h = rt_fnv(h, q);
	}

	uint32_t m = hanoi(16, 1, 3, 2);
	printf("hanoi(16) moves = %lu\n", (unsigned long)m);
	if (m != 65535) failures++;

	h = rt_fnv(h, a);
	h = rt_fnv(h, b);
	h = rt_fnv(h, f);
	h = rt_fnv(h, m);
	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
