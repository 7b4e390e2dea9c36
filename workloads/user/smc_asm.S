/*
 * The writable and executable code region of the smc workload (section .smc, which
 * rt/user.ld puts in an R+W+X segment). `code_buf` is filled by smc.c at run time;
 * `self_patch` rewrites one of its own upcoming instructions and executes it.
 */
	.section .smc, "awx", @progbits
	.balign 4

/* uint32_t self_patch(uint32_t insn): stores insn over `slot`, fence.i, runs it.
 * insn is expected to set a0 (e.g. addi a0, zero, imm); its result is returned. */
	.globl self_patch
	.type self_patch, @function
self_patch:
	la	t1, slot
	sw	a0, 0(t1)
	fence.i
slot:
	addi	a0, zero, -1		/* replaced before it first runs */
	ret
	.size self_patch, . - self_patch

	.balign 64
	.globl code_buf
code_buf:
	.space 1024
