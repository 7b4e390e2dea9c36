/*
 * Machine-mode timer interrupts with a precise-state check. The main loop
 * (mtimer_asm.S) keeps registers and memory in a relation that is known at every
 * instruction boundary; on each CLINT timer interrupt the handler reads mepc and the
 * saved registers and verifies that relation, so an interrupt delivered at an imprecise
 * point (registers or stores from a translation half committed, a wrong mepc) is counted
 * as a failure. The run ends after TICKS interrupts; the output depends only on TICKS,
 * not on when the interrupts arrive.
 */
#include <stdio.h>

#include "mrt.h"

enum { TICKS = 50, INTERVAL = 2000 /* mtime units between interrupts */ };

uint32_t run_loop(uint32_t shared[2], volatile uint32_t *ticks, uint32_t n);
extern char loop_L0[], loop_L1[], loop_L2[], loop_L3[], loop_L4[], loop_L5[], loop_L6[];

static uint32_t shared[2]; /* count, sum */
static volatile uint32_t ticks;
static uint32_t failures, bad_cause;

/* k(k+1)/2 modulo 2^32, exactly: halve whichever factor is even. */
static uint32_t tri(uint32_t k)
{
	return (k & 1) ? k * ((k + 1) / 2) : (k / 2) * (k + 1);
}

static void verify(const struct mrt_frame *f, uint32_t pc)
{
	uint32_t s1 = f->x[9], s2 = f->x[18];
	volatile uint32_t *mem = shared;
	uint32_t count = mem[0], sum = mem[1];
	int ok;
	if (pc == (uint32_t)loop_L1)
		ok = s2 == tri(s1 - 1) && count == s1 - 1 && sum == tri(s1 - 1);
	else if (pc == (uint32_t)loop_L2)
		ok = s2 == tri(s1) && count == s1 - 1 && sum == tri(s1 - 1);
	else if (pc == (uint32_t)loop_L3)
		ok = s2 == tri(s1) && count == s1 && sum == tri(s1 - 1);
	else if (pc == (uint32_t)loop_L0 || pc == (uint32_t)loop_L4 || pc == (uint32_t)loop_L5 ||
		 pc == (uint32_t)loop_L6)
		ok = s2 == tri(s1) && count == s1 && sum == tri(s1);
	else
		ok = 0; /* interrupts are enabled only inside the loop */
	if (!ok) {
		failures++;
		printf("inconsistent state at mepc=0x%08lx: s1=%lu s2=%lu count=%lu sum=%lu\n", (unsigned long)pc,
		       (unsigned long)s1, (unsigned long)s2, (unsigned long)count, (unsigned long)sum);
	}
}

void mrt_trap(struct mrt_frame *f)
{
	uint32_t cause = csr_read(mcause);
	if (cause != (MCAUSE_INTERRUPT | IRQ_M_TIMER)) {
		bad_cause++;
		printf("unexpected trap: mcause=0x%08lx mepc=0x%08lx\n", (unsigned long)cause,
		       (unsigned long)csr_read(mepc));
		mrt_exit(3);
	}
	if ((csr_read(mip) & MIP_MTIP) == 0) failures++; /* the pending bit caused this */
	verify(f, csr_read(mepc));
	if (++ticks >= TICKS) {
		csr_clear(mie, MIE_MTIE);
		clint_set_mtimecmp(~(uint64_t)0);
	} else {
		clint_set_mtimecmp(clint_mtime() + INTERVAL);
	}
}

int main(void)
{
	clint_set_mtimecmp(clint_mtime() + INTERVAL);
	csr_set(mie, MIE_MTIE);
	uint32_t k = run_loop(shared, &ticks, TICKS);

	/* After the loop: memory and the returned count agree, and no interrupt is pending. */
	if (shared[0] != k || shared[1] != tri(k)) failures++;
	if (csr_read(mie) & MIE_MTIE) failures++;
	printf("timer interrupts: %lu, inconsistent states: %lu, unexpected traps: %lu\n",
	       (unsigned long)ticks, (unsigned long)failures, (unsigned long)bad_cause);
	printf("final state consistent: %s\n", shared[0] == k && shared[1] == tri(k) ? "yes" : "no");
	int ok = failures == 0 && ticks == TICKS;
	printf("%s\n", ok ? "OK" : "FAIL");
	return ok ? 0 : 1;
}
