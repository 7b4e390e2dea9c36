/*
 * One small function per exception for machine/mtraps.c. Each faulting instruction has
 * a global label so the C side can check mepc exactly. The trap handler resumes after
 * the faulting instruction (mepc + 4), except for the U-mode ecall (see mtraps.c).
 */
	.text
	.balign 4

	.globl do_illegal, illegal_pc
do_illegal:
illegal_pc:
	.word	0xffffffff		/* no RV32 instruction has this encoding */
	ret

	.globl do_illegal_csr, illegal_csr_pc
do_illegal_csr:
illegal_csr_pc:
	csrw	mvendorid, zero		/* read-only CSR (address bits 11:10 = 3) */
	ret

	.globl do_ecall, ecall_pc
do_ecall:
ecall_pc:
	ecall
	ret

	.globl do_ebreak, ebreak_pc
do_ebreak:
ebreak_pc:
	ebreak
	ret

	/* uint32_t do_misaligned_load(uint32_t addr) */
	.globl do_misaligned_load, misaligned_load_pc
do_misaligned_load:
	li	t0, 0x55555555
	mv	t1, a0
	mv	a0, t0
misaligned_load_pc:
	lw	a0, 0(t1)		/* traps: a0 keeps 0x55555555 */
	ret

	/* void do_misaligned_store(uint32_t addr) */
	.globl do_misaligned_store, misaligned_store_pc
do_misaligned_store:
	li	t0, -1
misaligned_store_pc:
	sh	t0, 0(a0)
	ret

	/* void do_misaligned_jump(void): jalr to a 2-byte aligned target without the C extension */
	.globl do_misaligned_jump, misaligned_jump_pc, misaligned_jump_target
do_misaligned_jump:
	mv	t2, ra
	la	t0, misaligned_jump_target
	addi	t0, t0, 2
misaligned_jump_pc:
	jalr	ra, 0(t0)		/* traps; ra must not be written */
	mv	a0, ra
	mv	ra, t2
	ret
misaligned_jump_target:
	nop
	nop

	/* void do_user_ecall(void): drop to U-mode, ecall from there; the handler resumes at
	 * user_ecall_resume in M-mode. */
	.globl do_user_ecall, user_ecall_pc, user_ecall_resume
do_user_ecall:
	li	t0, 0x1800		/* mstatus.MPP */
	csrc	mstatus, t0		/* MPP = U */
	la	t0, user_ecall_pc
	csrw	mepc, t0
	mret
user_ecall_pc:
	ecall
user_ecall_resume:
	ret
