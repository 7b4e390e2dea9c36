/* Machine-mode "hello": UART output and an HTIF exit, the smallest machine program. */
#include <stdio.h>

#include "mrt.h"

int main(void)
{
	printf("hello from M-mode on hart %lu\n", (unsigned long)csr_read(mhartid));
	/* misa: MXL=1 (RV32) with I and M; the other bits depend on the implementation. */
	uint32_t misa = csr_read(misa);
	int ok = misa == 0 || ((misa >> 30) == 1 && (misa & (1u << 8)) && (misa & (1u << 12)));
	printf("misa reports RV32IM: %s\n", ok ? "yes" : "no");
	return ok ? 0 : 1;
}
