/*
 * Pointer chasing: loads whose address depends on the previous load. Nodes are linked
 * into one random cycle with Sattolo's algorithm (driven by an LCG, so the order is the
 * same everywhere), then walked; a second phase builds and reverses a singly linked list.
 * Sattolo's permutation is a single cycle, so a walk of N steps returns to its start.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rt.h"

struct node {
	struct node *next;
	uint32_t payload;
};

enum { N = 32768, STEPS = 1000000 };

static struct node nodes[N];
static uint32_t order[N];

int main(void)
{
	int failures = 0;
	uint32_t seed = 7;
	for (uint32_t i = 0; i < N; i++) order[i] = i;
	/* Sattolo: like Fisher-Yates but j < i, which yields one cycle through all N. */
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j = rt_lcg(&seed) % i;
		uint32_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < N; i++) {
		nodes[i].next = &nodes[order[i]];
		nodes[i].payload = i * 2654435761u;
	}

	const struct node *p = &nodes[0];
	uint32_t cycle = 0;
	do {
		p = p->next;
		cycle++;
	} while (p != &nodes[0]);
	printf("cycle length: %lu (expected %d)\n", (unsigned long)cycle, N);
	if (cycle != N) failures++;

	uint32_t sum = 0;
	p = &nodes[123];
	for (int s = 0; s < STEPS; s++) {
		sum += p->payload;
		p = p->next;
	}
	printf("walk of %d steps: sum=0x%08lx end=node %ld\n", STEPS, (unsigned long)sum, (long)(p - nodes));

	/* Linked list on the heap: build, reverse, walk; the reversed walk sees i descending. */
	struct node *head = NULL;
	for (uint32_t i = 0; i < 20000; i++) {
		struct node *n = malloc(sizeof *n);
		if (!n) return 2;
		n->payload = i;
		n->next = head;
		head = n;
	}
	struct node *rev = NULL;
	while (head) {
		struct node *next = head->next;
		head->next = rev;
		rev = head;
		head = next;
	}
	uint32_t expect = 0, ordered = 1;
	for (struct node *q = rev; q; q = q->next) ordered &= q->payload == expect++;
	printf("reversed list in order: %s\n", ordered ? "yes" : "no");
	if (!ordered || expect != 20000) failures++;
	while (rev) {
		struct node *next = rev->next;
		free(rev);
		rev = next;
	}

	uint32_t h = rt_fnv(RT_FNV_INIT, sum);
	h = rt_fnv(h, (uint32_t)(p - nodes));
	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
