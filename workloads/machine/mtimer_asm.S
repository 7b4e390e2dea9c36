/*
 * The interrupted loop of machine/mtimer.c. Every instruction boundary has a known
 * relation between the registers s1 (count), s2 (sum) and the memory words
 * shared[0] (count) and shared[1] (sum); the labels let the handler tell, from mepc,
 * which relation must hold. k = iterations completed, T(k) = k(k+1)/2 (mod 2^32):
 *
 *   mepc        s1    s2       shared[0]  shared[1]
 *   loop_L0     k     T(k)     k          T(k)
 *   loop_L1     k+1   T(k)     k          T(k)
 *   loop_L2     k+1   T(k+1)   k          T(k)
 *   loop_L3     k+1   T(k+1)   k+1        T(k)
 *   loop_L4..L6 k+1   T(k+1)   k+1        T(k+1)
 */
	.text
	.balign 4
	/* uint32_t run_loop(uint32_t shared[2], volatile uint32_t *ticks, uint32_t n):
	 * runs with interrupts enabled until *ticks >= n; returns the final count. */
	.globl run_loop, loop_L0, loop_L1, loop_L2, loop_L3, loop_L4, loop_L5, loop_L6
run_loop:
	addi	sp, sp, -16
	sw	s1, 0(sp)
	sw	s2, 4(sp)
	li	s1, 0
	li	s2, 0
	sw	zero, 0(a0)
	sw	zero, 4(a0)
	csrsi	mstatus, 8		/* MIE */
loop_L0:
	addi	s1, s1, 1
loop_L1:
	add	s2, s2, s1
loop_L2:
	sw	s1, 0(a0)
loop_L3:
	sw	s2, 4(a0)
loop_L4:
	lw	t0, 0(a1)
loop_L5:
	bltu	t0, a2, loop_L0
loop_L6:
	csrci	mstatus, 8
	mv	a0, s1
	lw	s1, 0(sp)
	lw	s2, 4(sp)
	addi	sp, sp, 16
	ret
