/*
 * The morphsim user runtime: raw Linux RV32 system calls and the small helpers our
 * workloads share (a deterministic random generator and a running checksum), so every
 * workload computes its "checksum" line the same way.
 */
#ifndef MORPHSIM_RT_H
#define MORPHSIM_RT_H

#include <stddef.h>
#include <stdint.h>

/* Linux asm-generic syscall numbers (RISC-V uses them; rv32 has only the 64-bit time calls). */
enum {
	SYS_close = 57,
	SYS_read = 63,
	SYS_write = 64,
	SYS_fstat = 80,
	SYS_exit = 93,
	SYS_exit_group = 94,
	SYS_brk = 214,
	SYS_munmap = 215,
	SYS_mmap = 222,
	SYS_clock_gettime64 = 403,
};

long rt_syscall(long n, long a0, long a1, long a2, long a3, long a4, long a5);

/* Anonymous private mapping; returns NULL on failure. */
void *rt_mmap_anon(size_t len);
int rt_munmap(void *addr, size_t len);
/* CLOCK_MONOTONIC in nanoseconds (deterministic under morphsim: derived from simulated time). */
int64_t rt_clock_ns(void);

/* A 32-bit LCG (Numerical Recipes constants): reproducible "random" data on any platform. */
static inline uint32_t rt_lcg(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state;
}

/* FNV-1a over 32-bit words: the checksum every workload prints. */
#define RT_FNV_INIT 2166136261u
static inline uint32_t rt_fnv(uint32_t h, uint32_t word)
{
	for (int i = 0; i < 4; i++) {
		h ^= (word >> (8 * i)) & 0xffu;
		h *= 16777619u;
	}
	return h;
}

#endif
