/* Machine-mode "hello": UART output and an HTIF exit, the smallest machine program. */
#include <stdio.h>

#include "mrt.h"

int main(void)
{
	printf("hello from M-mode, misa=0x%08lx mhartid=%lu\n", (unsigned long)csr_read(misa),
	       (unsigned long)csr_read(mhartid));
	return 0;
}
