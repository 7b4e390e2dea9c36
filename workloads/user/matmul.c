/*
 * A small dense matrix multiply (integer, 80x80): the naive i-j-k loop nest, the
 * cache-friendlier i-k-j order, and a check of (A*B)*v == A*(B*v) for a vector v.
 */
#include <stdio.h>

#include "rt.h"

enum { N = 80 };
static int32_t A[N][N], B[N][N], C1[N][N], C2[N][N];

int main(void)
{
	uint32_t seed = 5;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			A[i][j] = (int32_t)(rt_lcg(&seed) >> 24) - 128;
			B[i][j] = (int32_t)(rt_lcg(&seed) >> 24) - 128;
		}

	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			int32_t s = 0;
			for (int k = 0; k < N; k++) s += A[i][k] * B[k][j];
			C1[i][j] = s;
		}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < N; k++) {
			int32_t a = A[i][k];
			for (int j = 0; j < N; j++) C2[i][j] += a * B[k][j];
		}

	int failures = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) failures += C1[i][j] != C2[i][j];

	int32_t v[N], bv[N], abv[N], cv[N];
	for (int i = 0; i < N; i++) v[i] = i - N / 2;
	for (int i = 0; i < N; i++) {
		bv[i] = 0;
		for (int k = 0; k < N; k++) bv[i] += B[i][k] * v[k];
	}
	for (int i = 0; i < N; i++) {
		abv[i] = cv[i] = 0;
		for (int k = 0; k < N; k++) {
			abv[i] += A[i][k] * bv[k];
			cv[i] += C1[i][k] * v[k];
		}
		failures += abv[i] != cv[i];
	}

	uint32_t h = RT_FNV_INIT, trace = 0;
	for (int i = 0; i < N; i++) {
		trace += (uint32_t)C1[i][i];
		for (int j = 0; j < N; j++) h = rt_fnv(h, (uint32_t)C1[i][j]);
	}
	printf("C = A*B (%dx%d): C[0][0]=%ld C[%d][%d]=%ld trace=%ld\n", N, N, (long)C1[0][0], N - 1, N - 1,
	       (long)C1[N - 1][N - 1], (long)(int32_t)trace);
	printf("ijk == ikj, (A*B)*v == A*(B*v): %s\n", failures ? "no" : "yes");
	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
