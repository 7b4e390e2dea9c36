/*
 * malloc/free heavy code (picolibc's allocator growing the heap through brk): a random
 * mix of allocations, frees and reallocs whose contents are verified before release,
 * the "binary trees" allocation pattern, and an anonymous mmap/munmap region.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

enum { SLOTS = 256, OPS = 12000 };

struct block {
	uint8_t *p;
	uint32_t size;
	uint8_t tag;
};

static struct block slot[SLOTS];

static int check_block(const struct block *b)
{
	for (uint32_t i = 0; i < b->size; i++)
		if (b->p[i] != (uint8_t)(b->tag + i)) return 0;
	return 1;
}

static void fill_block(struct block *b)
{
	for (uint32_t i = 0; i < b->size; i++) b->p[i] = (uint8_t)(b->tag + i);
}

struct tree {
	struct tree *left, *right;
};

static struct tree *make_tree(int depth)
{
	struct tree *t = malloc(sizeof *t);
	if (!t) exit(2);
	t->left = depth > 0 ? make_tree(depth - 1) : NULL;
	t->right = depth > 0 ? make_tree(depth - 1) : NULL;
	return t;
}

static uint32_t check_tree(const struct tree *t)
{
	return t ? 1 + check_tree(t->left) + check_tree(t->right) : 0;
}

static void free_tree(struct tree *t)
{
	if (!t) return;
	free_tree(t->left);
	free_tree(t->right);
	free(t);
}

int main(void)
{
	int failures = 0;
	uint32_t seed = 31337, h = RT_FNV_INIT;
	uint32_t allocs = 0, frees = 0, reallocs = 0, bad = 0;
	uint64_t bytes = 0;

	for (int op = 0; op < OPS; op++) {
		uint32_t r = rt_lcg(&seed);
		struct block *b = &slot[(r >> 8) % SLOTS];
		if (b->p == NULL) {
			/* Mostly small blocks, sometimes large ones. */
			uint32_t size = (r & 0xf) == 0 ? 1 + (r >> 20) % 4096 : 1 + (r >> 20) % 128;
			b->p = malloc(size);
			if (!b->p) return 2;
			b->size = size;
			b->tag = (uint8_t)(r >> 24);
			fill_block(b);
			allocs++;
			bytes += size;
		} else if ((r & 7) == 0) {
			uint32_t size = 1 + (r >> 18) % 1024;
			uint32_t keep = size < b->size ? size : b->size;
			uint8_t *p = realloc(b->p, size);
			if (!p) return 2;
			/* realloc keeps the common prefix. */
			for (uint32_t i = 0; i < keep; i++)
				if (p[i] != (uint8_t)(b->tag + i)) {
					bad++;
					break;
				}
			b->p = p;
			b->size = size;
			fill_block(b);
			reallocs++;
		} else {
			if (!check_block(b)) bad++;
			h = rt_fnv(h, b->size);
			free(b->p);
			b->p = NULL;
			frees++;
		}
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].p) {
			if (!check_block(&slot[i])) bad++;
			free(slot[i].p);
			slot[i].p = NULL;
			frees++;
		}
	printf("random mix: %lu mallocs, %lu reallocs, %lu frees, %lu bytes, %lu corrupted\n",
	       (unsigned long)allocs, (unsigned long)reallocs, (unsigned long)frees,
	       (unsigned long)bytes, (unsigned long)bad);
	if (bad || allocs != frees) failures++;

	uint32_t nodes = 0;
	for (int round = 0; round < 4; round++) {
		struct tree *t = make_tree(12);
		nodes += check_tree(t);
		free_tree(t);
	}
	printf("binary trees: %lu nodes (expected %lu)\n", (unsigned long)nodes, 4ul * 8191);
	if (nodes != 4u * 8191) failures++;
	h = rt_fnv(h, nodes);

	const size_t len = 64 * 1024;
	uint32_t *m = rt_mmap_anon(len);
	if (!m) {
		printf("mmap failed\n");
		failures++;
	} else {
		uint32_t zero = 1, sum = 0;
		for (size_t i = 0; i < len / 4; i++) zero &= m[i] == 0;
		for (size_t i = 0; i < len / 4; i++) m[i] = (uint32_t)i * 3u;
		for (size_t i = 0; i < len / 4; i++) sum += m[i];
		int unmapped = rt_munmap(m, len) == 0;
		printf("mmap 64 KiB: zero-filled %s, sum=%lu, munmap %s\n", zero ? "yes" : "no",
		       (unsigned long)sum, unmapped ? "ok" : "failed");
		if (!zero || !unmapped || sum != 3u * (16384u * 16383u / 2)) failures++;
		h = rt_fnv(h, sum);
	}

	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
