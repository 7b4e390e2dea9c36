/*
 * Sorting: the same pseudo-random array sorted by quicksort (median of three, insertion
 * sort for small ranges), bottom-up merge sort and heapsort. All three must agree, be
 * ordered, and be a permutation of the input (same sum and xor).
 * Optional argument: the number of elements (default 20000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static void insertion(int32_t *a, int n)
{
	for (int i = 1; i < n; i++) {
		int32_t v = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void quick(int32_t *a, int n)
{
	while (n > 16) {
		int32_t x = a[0], y = a[n / 2], z = a[n - 1];
		int32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		int i = 0, j = n - 1;
		for (;;) {
			while (a[i] < pivot) i++;
			while (a[j] > pivot) j--;
			if (i >= j) break;
			int32_t t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* Recurse into the smaller part, loop on the larger: bounded stack depth. */
		if (j + 1 < n - j - 1) {
			quick(a, j + 1);
			a += j + 1;
			n -= j + 1;
		} else {
			quick(a + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	insertion(a, n);
}

static void merge_sort(int32_t *a, int32_t *tmp, int n)
{
	for (int width = 1; width < n; width *= 2) {
		for (int lo = 0; lo < n; lo += 2 * width) {
			int mid = lo + width < n ? lo + width : n;
			int hi = lo + 2 * width < n ? lo + 2 * width : n;
			int i = lo, j = mid, k = lo;
			while (i < mid && j < hi) tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];
			while (i < mid) tmp[k++] = a[i++];
			while (j < hi) tmp[k++] = a[j++];
		}
		memcpy(a, tmp, (size_t)n * sizeof *a);
	}
}

static void sift(int32_t *a, int root, int n)
{
	for (;;) {
		int child = 2 * root + 1;
		if (child >= n) return;
		if (child + 1 < n && a[child + 1] > a[child]) child++;
		if (a[root] >= a[child]) return;
		int32_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heap_sort(int32_t *a, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--) sift(a, i, n);
	for (int end = n - 1; end > 0; end--) {
		int32_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, 0, end);
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	if (n < 1 || n > 1000000) {
		printf("bad size %d\n", n);
		return 2;
	}
	int32_t *orig = malloc((size_t)n * sizeof(int32_t));
	int32_t *q = malloc((size_t)n * sizeof(int32_t));
	int32_t *m = malloc((size_t)n * sizeof(int32_t));
	int32_t *hp = malloc((size_t)n * sizeof(int32_t));
	int32_t *tmp = malloc((size_t)n * sizeof(int32_t));
	if (!orig || !q || !m || !hp || !tmp) return 2;

	uint32_t seed = 2024, sum = 0, x = 0;
	for (int i = 0; i < n; i++) {
		/* Narrow range so there are duplicates; signed so negatives appear. */
		orig[i] = (int32_t)(rt_lcg(&seed) % 100000u) - 50000;
		sum += (uint32_t)orig[i];
		x ^= (uint32_t)orig[i];
	}
	memcpy(q, orig, (size_t)n * sizeof(int32_t));
	memcpy(m, orig, (size_t)n * sizeof(int32_t));
	memcpy(hp, orig, (size_t)n * sizeof(int32_t));
	quick(q, n);
	merge_sort(m, tmp, n);
	heap_sort(hp, n);

	int failures = 0;
	uint32_t s2 = 0, x2 = 0, h = RT_FNV_INIT;
	for (int i = 0; i < n; i++) {
		if (i > 0 && q[i - 1] > q[i]) failures++;
		if (q[i] != m[i] || q[i] != hp[i]) failures++;
		s2 += (uint32_t)q[i];
		x2 ^= (uint32_t)q[i];
		h = rt_fnv(h, (uint32_t)q[i]);
	}
	if (s2 != sum || x2 != x) failures++;
	printf("sorted %d elements: min=%ld median=%ld max=%ld\n", n, (long)q[0], (long)q[n / 2], (long)q[n - 1]);
	printf("quicksort, mergesort and heapsort agree: %s\n", failures ? "no" : "yes");
	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
