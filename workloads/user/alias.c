/*
 * Memory speculation under test. `scale` reads through one pointer and writes through
 * another, which a translator cannot prove distinct. In the first phase they never
 * overlap, so an optimizing translator may move the next element's load above this
 * element's store (morphsim: a protected load and a checked store). In the second phase
 * the same code runs with dst one element past src: every element is then computed from
 * the one just stored, a hoisted load reads memory a pending store is about to change,
 * and only an alias check can keep the result exact. The checksums show it is.
 */
#include <stdio.h>

#include "rt.h"

enum { N = 2048, ROUNDS = 40 };
static int32_t in[N + 1], out[N + 1];

/* dst[i] = src[i] * 3 + 1, element by element, in order. */
__attribute__((noinline)) static void scale(int32_t *dst, const int32_t *src, int n)
{
	for (int i = 0; i < n; i++) dst[i] = src[i] * 3 + 1;
}

static uint32_t sum(const int32_t *a, int n)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < n; i++) h = rt_fnv(h, (uint32_t)a[i]);
	return h;
}

int main(void)
{
	uint32_t seed = 7;
	for (int i = 0; i <= N; i++) in[i] = (int32_t)(rt_lcg(&seed) >> 20);

	/* Phase 1: disjoint buffers (speculation pays). */
	for (int r = 0; r < ROUNDS; r++) {
		scale(out, in, N);
		in[r] ^= out[N - 1 - r];
	}
	printf("disjoint: %08lx\n", (unsigned long)sum(out, N));

	/* Phase 2: dst = src + 1, so element i + 1 depends on the store of element i. */
	for (int r = 0; r < ROUNDS; r++) {
		out[0] = r;
		scale(out + 1, out, N);
	}
	printf("overlapping: %08lx\n", (unsigned long)sum(out, N + 1));
	return 0;
}
