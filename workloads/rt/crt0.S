/*
 * Entry point of a morphsim user program. The Linux initial stack holds argc, then the
 * argv pointers and a NULL, then envp and a NULL, then the auxiliary vector; sp points
 * at argc. We set gp (for gp-relative small data) and tp (thread-local errno), then
 * call main(argc, argv, envp) and exit with its return value through libc's exit(),
 * which ends in our _exit (rt/syscalls.c) after flushing stdout.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	/* gp must be loaded without relaxation, or the linker would make it gp-relative. */
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	tp, __tls_base
	lw	a0, 0(sp)		/* argc */
	addi	a1, sp, 4		/* argv */
	slli	t0, a0, 2
	add	a2, a1, t0
	addi	a2, a2, 4		/* envp = argv + argc + 1 */
	call	main
	call	exit
	.size _start, . - _start
