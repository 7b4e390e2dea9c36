/*
 * The morphsim machine-mode runtime: the platform's devices (16550 UART, CLINT timer,
 * HTIF tohost), CSR access, and the trap frame that machine/crt.S builds for C handlers.
 */
#ifndef MORPHSIM_MRT_H
#define MORPHSIM_MRT_H

#include <stdint.h>

#define UART_BASE 0x10000000u	/* 16550: THR at +0, LSR at +5 (bit 5: THR empty) */
#define CLINT_BASE 0x02000000u
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000u)
#define CLINT_MTIME (CLINT_BASE + 0xbff8u)

#define MSTATUS_MIE 0x8u
#define MSTATUS_MPIE 0x80u
#define MIE_MTIE 0x80u
#define MIP_MTIP 0x80u
#define MCAUSE_INTERRUPT 0x80000000u
#define IRQ_M_TIMER 7u

#define csr_read(csr) ({ uint32_t v__; __asm__ volatile("csrr %0, " #csr : "=r"(v__)); v__; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" : : "r"((uint32_t)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" : : "r"((uint32_t)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" : : "r"((uint32_t)(v)) : "memory")

/* Registers of the interrupted context, saved by the trap vector; x[0] is unused.
 * A handler may change them (and mepc) before returning; crt.S restores them. */
struct mrt_frame {
	uint32_t x[32];
};

/* Called by the trap vector for every trap; programs that expect traps define it
 * (the default reports an unexpected trap and exits with code 99). */
void mrt_trap(struct mrt_frame *f);

void mrt_exit(int code) __attribute__((noreturn));
void uart_putc(char c);
uint64_t clint_mtime(void);
void clint_set_mtimecmp(uint64_t when);

#endif
