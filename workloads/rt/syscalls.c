/*
 * The glue between picolibc (a bare-metal libc with no Linux port) and the Linux RV32
 * system-call ABI: `ecall` with the number in a7, arguments in a0..a5, result (or
 * -errno) in a0. Provides what picolibc leaves to the platform: the tinystdio
 * stdin/stdout/stderr FILEs, write/read/close, _exit, and sbrk on top of brk (picolibc's
 * malloc grows the heap through sbrk).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rt.h"

long rt_syscall(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a3 __asm__("a3") = a3;
	register long r_a4 __asm__("a4") = a4;
	register long r_a5 __asm__("a5") = a5;
	register long r_a7 __asm__("a7") = n;
	__asm__ volatile("ecall"
			 : "+r"(r_a0)
			 : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a7)
			 : "memory");
	return r_a0;
}

/* Linux returns -errno in [-4095, -1]; libc convention is -1 with errno set. */
static long check(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	return check(rt_syscall(SYS_write, fd, (long)buf, (long)len, 0, 0, 0));
}

ssize_t read(int fd, void *buf, size_t len)
{
	return check(rt_syscall(SYS_read, fd, (long)buf, (long)len, 0, 0, 0));
}

int close(int fd)
{
	return (int)check(rt_syscall(SYS_close, fd, 0, 0, 0, 0, 0));
}

void *rt_mmap_anon(size_t len)
{
	enum { PROT_RW = 3, MAP_PRIVATE_ANON = 0x22 };
	long r = rt_syscall(SYS_mmap, 0, (long)len, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
	return check(r) == -1 ? NULL : (void *)r;
}

int rt_munmap(void *addr, size_t len)
{
	return (int)check(rt_syscall(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0));
}

int64_t rt_clock_ns(void)
{
	/* struct __kernel_timespec: two 64-bit fields even on rv32. */
	int64_t ts[2];
	enum { CLOCK_MONOTONIC_ID = 1 };
	if (check(rt_syscall(SYS_clock_gettime64, CLOCK_MONOTONIC_ID, (long)ts, 0, 0, 0, 0)) < 0) return -1;
	return ts[0] * 1000000000 + ts[1];
}

/* ---- program break ---- */

static char *cur_brk;

void *sbrk(ptrdiff_t incr)
{
	if (cur_brk == NULL) cur_brk = (char *)rt_syscall(SYS_brk, 0, 0, 0, 0, 0, 0);
	char *old = cur_brk;
	char *want = old + incr;
	/* brk returns the new break on success and the unchanged one on failure. */
	char *got = (char *)rt_syscall(SYS_brk, (long)want, 0, 0, 0, 0, 0);
	if (got != want) {
		errno = ENOMEM;
		return (void *)-1;
	}
	cur_brk = got;
	return old;
}

/* ---- stdio ---- */

/* stdout is fully buffered (few write syscalls keeps traces short); stderr is unbuffered
 * but first flushes stdout so the two streams interleave in program order. */
enum { OUT_BUF_SIZE = 1024 };
static char out_buf[OUT_BUF_SIZE];
static size_t out_len;

static int flush_out(FILE *f)
{
	(void)f;
	size_t done = 0;
	while (done < out_len) {
		ssize_t n = write(1, out_buf + done, out_len - done);
		if (n <= 0) {
			out_len = 0;
			return EOF;
		}
		done += (size_t)n;
	}
	out_len = 0;
	return 0;
}

static int put_out(char c, FILE *f)
{
	out_buf[out_len++] = c;
	if (out_len == OUT_BUF_SIZE && flush_out(f) != 0) return EOF;
	return (unsigned char)c;
}

static int put_err(char c, FILE *f)
{
	(void)f;
	if (out_len != 0) flush_out(NULL);
	return write(2, &c, 1) == 1 ? (unsigned char)c : EOF;
}

static int get_in(FILE *f)
{
	(void)f;
	unsigned char c;
	ssize_t n = read(0, &c, 1);
	if (n == 1) return c;
	return n == 0 ? _FDEV_EOF : _FDEV_ERR;
}

static FILE rt_stdin = FDEV_SETUP_STREAM(NULL, get_in, NULL, _FDEV_SETUP_READ);
static FILE rt_stdout = FDEV_SETUP_STREAM(put_out, NULL, flush_out, _FDEV_SETUP_WRITE);
static FILE rt_stderr = FDEV_SETUP_STREAM(put_err, NULL, NULL, _FDEV_SETUP_WRITE);

FILE *const stdin = &rt_stdin;
FILE *const stdout = &rt_stdout;
FILE *const stderr = &rt_stderr;

void _exit(int code)
{
	flush_out(NULL);
	for (;;) rt_syscall(SYS_exit_group, code, 0, 0, 0, 0, 0);
}
