/*
 * Machine-mode exceptions: illegal instruction (an undefined encoding, and a write to a
 * read-only CSR), ecall from M and from U, ebreak, misaligned load/store and a
 * misaligned jump target. For each, prints the mcause and mtval the handler observed
 * and checks them, and mepc, against the privileged specification: mtval holds the
 * instruction bits for an illegal instruction, the faulting address for misaligned
 * accesses and jumps, the pc or 0 for ebreak, and 0 for ecall. Misaligned loads and
 * stores must trap (morphsim, like Spike, does not emulate them; QEMU does, so under
 * QEMU those two checks fail).
 */
#include <stdio.h>

#include "mrt.h"

void do_illegal(void), do_illegal_csr(void), do_ecall(void), do_ebreak(void), do_user_ecall(void);
uint32_t do_misaligned_load(uint32_t addr);
void do_misaligned_store(uint32_t addr);
uint32_t do_misaligned_jump(void);
extern char illegal_pc[], illegal_csr_pc[], ecall_pc[], ebreak_pc[], misaligned_load_pc[],
	misaligned_store_pc[], misaligned_jump_pc[], misaligned_jump_target[], user_ecall_pc[],
	user_ecall_resume[];

static volatile uint32_t seen_cause, seen_epc, seen_tval, traps;
static int failures;

void mrt_trap(struct mrt_frame *f)
{
	(void)f;
	seen_cause = csr_read(mcause);
	seen_epc = csr_read(mepc);
	seen_tval = csr_read(mtval);
	traps++;
	if (seen_cause == 8) {
		/* ecall from U: come back to M-mode after the ecall. */
		csr_set(mstatus, 0x1800);
		csr_write(mepc, (uint32_t)user_ecall_resume);
	} else {
		csr_write(mepc, seen_epc + 4);
	}
}

/* tval_alt: a second value the specification also allows (~0u: none). */
static void check(const char *what, const char *pc, uint32_t cause, uint32_t tval, uint32_t tval_alt)
{
	int tval_ok = seen_tval == tval || (tval_alt != ~0u && seen_tval == tval_alt);
	int ok = seen_cause == cause && seen_epc == (uint32_t)pc && tval_ok;
	if (tval_alt != ~0u)
		printf("%-22s mcause=%lu mtval=%s mepc=%s%s\n", what, (unsigned long)seen_cause,
		       tval_ok ? "ok" : "WRONG", seen_epc == (uint32_t)pc ? "ok" : "WRONG", ok ? "" : "  <-- WRONG");
	else
		printf("%-22s mcause=%lu mtval=0x%08lx mepc=%s%s\n", what, (unsigned long)seen_cause,
		       (unsigned long)seen_tval, seen_epc == (uint32_t)pc ? "ok" : "WRONG", ok ? "" : "  <-- WRONG");
	if (!ok) failures++;
	seen_cause = seen_epc = seen_tval = 0xdeadbeef;
}

static uint32_t word[2] = {0x11223344, 0x55667788};

int main(void)
{
	do_illegal();
	check("illegal instruction", illegal_pc, 2, 0xffffffff, ~0u);
	do_illegal_csr();
	/* csrw mvendorid, zero = csrrw x0, 0xf11, x0 */
	check("write read-only CSR", illegal_csr_pc, 2, 0xf1101073, ~0u);
	do_ecall();
	check("ecall from M", ecall_pc, 11, 0, ~0u);
	do_user_ecall();
	check("ecall from U", user_ecall_pc, 8, 0, ~0u);
	do_ebreak();
	/* mtval for ebreak: the pc (Spike) or 0 (QEMU); both are allowed. */
	check("ebreak", ebreak_pc, 3, (uint32_t)ebreak_pc, 0);
	uint32_t addr = (uint32_t)word + 1;
	uint32_t v = do_misaligned_load(addr);
	check("misaligned load", misaligned_load_pc, 4, addr, ~0u);
	if (v != 0x55555555) failures++;
	addr = (uint32_t)word + 3;
	do_misaligned_store(addr);
	check("misaligned store", misaligned_store_pc, 6, addr, ~0u);
	if (word[0] != 0x11223344 || word[1] != 0x55667788) {
		printf("misaligned store changed memory\n");
		failures++;
	}
	uint32_t ra = do_misaligned_jump();
	check("misaligned jump", misaligned_jump_pc, 0, (uint32_t)misaligned_jump_target + 2, ~0u);
	if (ra == (uint32_t)misaligned_jump_pc + 4) {
		printf("faulting jalr wrote its rd\n");
		failures++;
	}
	/* Still in M-mode after all that: an M-mode CSR is accessible without a trap. */
	csr_write(mscratch, 0x1234abcd);
	uint32_t scratch = csr_read(mscratch);
	printf("traps taken: %lu, mscratch=0x%08lx\n", (unsigned long)traps, (unsigned long)scratch);
	if (scratch != 0x1234abcd) failures++;
	if (traps != 8) failures++;
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
