/*
 * Reset entry and trap vector of a morphsim machine program. _start sets gp, tp, sp,
 * PMP (if present) and mtvec (direct mode), clears .bss, calls main and passes its return value to mrt_exit
 * (HTIF tohost). The trap vector saves every integer register into a struct mrt_frame
 * on the stack, calls mrt_trap(frame) and restores them (including any the handler
 * changed) before mret.
 */
	.section .text.init, "ax"
	.globl _start
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	tp, __tls_base
	la	sp, __stack_top
	/* Open PMP entry 0 over all memory so U-mode may run (required on implementations
	 * with PMP, such as QEMU); where PMP is absent the CSR write traps to 1: and is skipped. */
	la	t0, 1f
	csrw	mtvec, t0
	li	t0, -1
	csrw	pmpaddr0, t0
	li	t0, 0x1f		/* NAPOT, R, W, X */
	csrw	pmpcfg0, t0
	.balign 4
1:	la	t0, trap_vector
	csrw	mtvec, t0
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sw	zero, 0(t0)
	addi	t0, t0, 4
	j	1b
2:	li	a0, 0
	li	a1, 0
	call	main
	call	mrt_exit

	.text
	.balign 4
	.globl trap_vector
trap_vector:
	addi	sp, sp, -128
	sw	x1, 4(sp)
	sw	x3, 12(sp)
	sw	x4, 16(sp)
	sw	x5, 20(sp)
	sw	x6, 24(sp)
	sw	x7, 28(sp)
	sw	x8, 32(sp)
	sw	x9, 36(sp)
	sw	x10, 40(sp)
	sw	x11, 44(sp)
	sw	x12, 48(sp)
	sw	x13, 52(sp)
	sw	x14, 56(sp)
	sw	x15, 60(sp)
	sw	x16, 64(sp)
	sw	x17, 68(sp)
	sw	x18, 72(sp)
	sw	x19, 76(sp)
	sw	x20, 80(sp)
	sw	x21, 84(sp)
	sw	x22, 88(sp)
	sw	x23, 92(sp)
	sw	x24, 96(sp)
	sw	x25, 100(sp)
	sw	x26, 104(sp)
	sw	x27, 108(sp)
	sw	x28, 112(sp)
	sw	x29, 116(sp)
	sw	x30, 120(sp)
	sw	x31, 124(sp)
	addi	t0, sp, 128		/* the interrupted sp */
	sw	t0, 8(sp)
	mv	a0, sp
	call	mrt_trap
	lw	x1, 4(sp)
	lw	x3, 12(sp)
	lw	x4, 16(sp)
	lw	x5, 20(sp)
	lw	x6, 24(sp)
	lw	x7, 28(sp)
	lw	x8, 32(sp)
	lw	x9, 36(sp)
	lw	x10, 40(sp)
	lw	x11, 44(sp)
	lw	x12, 48(sp)
	lw	x13, 52(sp)
	lw	x14, 56(sp)
	lw	x15, 60(sp)
	lw	x16, 64(sp)
	lw	x17, 68(sp)
	lw	x18, 72(sp)
	lw	x19, 76(sp)
	lw	x20, 80(sp)
	lw	x21, 84(sp)
	lw	x22, 88(sp)
	lw	x23, 92(sp)
	lw	x24, 96(sp)
	lw	x25, 100(sp)
	lw	x26, 104(sp)
	lw	x27, 108(sp)
	lw	x28, 112(sp)
	lw	x29, 116(sp)
	lw	x30, 120(sp)
	lw	x31, 124(sp)
	addi	sp, sp, 128
	mret
