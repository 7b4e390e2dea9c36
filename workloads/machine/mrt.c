/*
 * Devices and libc glue of the morphsim machine-mode runtime: stdout/stderr are the
 * 16550 UART (polled), exit is an HTIF tohost write, and the CLINT gives time and timer
 * interrupts. See mrt.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mrt.h"

/* HTIF mailboxes. Spike and QEMU find them by symbol name; 64-bit, 64-byte aligned. */
volatile uint64_t tohost __attribute__((section(".tohost"), aligned(64)));
volatile uint64_t fromhost __attribute__((section(".tohost"), aligned(64)));

void uart_putc(char c)
{
	volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
	while ((uart[5] & 0x20) == 0) {
	}
	uart[0] = (uint8_t)c;
}

static int put_uart(char c, FILE *f)
{
	(void)f;
	uart_putc(c);
	return (unsigned char)c;
}

static FILE uart_file = FDEV_SETUP_STREAM(put_uart, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &uart_file;
FILE *const stderr = &uart_file;
FILE *const stdin = &uart_file;

void mrt_exit(int code)
{
	/* HTIF: bit 0 set means "exit with code value >> 1". On RV32 the low word is written
	 * first; the high-word write is what makes a 64-bit HTIF (QEMU) act on it. */
	volatile uint32_t *th = (volatile uint32_t *)&tohost;
	for (;;) {
		th[0] = ((uint32_t)code << 1) | 1u;
		th[1] = 0;
	}
}

void _exit(int code)
{
	mrt_exit(code);
}

uint64_t clint_mtime(void)
{
	volatile uint32_t *mtime = (volatile uint32_t *)CLINT_MTIME;
	/* Re-read when the low half wrapped between the two high-half reads. */
	uint32_t hi, lo;
	do {
		hi = mtime[1];
		lo = mtime[0];
	} while (mtime[1] != hi);
	return ((uint64_t)hi << 32) | lo;
}

void clint_set_mtimecmp(uint64_t when)
{
	volatile uint32_t *cmp = (volatile uint32_t *)CLINT_MTIMECMP;
	/* Never let the pair pass through a value smaller than both old and new. */
	cmp[1] = 0xffffffffu;
	cmp[0] = (uint32_t)when;
	cmp[1] = (uint32_t)(when >> 32);
}

__attribute__((weak)) void mrt_trap(struct mrt_frame *f)
{
	(void)f;
	printf("unexpected trap: mcause=0x%08lx mepc=0x%08lx mtval=0x%08lx\n",
	       (unsigned long)csr_read(mcause), (unsigned long)csr_read(mepc),
	       (unsigned long)csr_read(mtval));
	mrt_exit(99);
}
