/*
 * Table lookups: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) with a 256-entry
 * table, checked against the standard check value of "123456789" (0xCBF43926) and
 * against a bitwise implementation, then run over a large pseudo-random buffer.
 * Optional argument: buffer size in KiB (default 256).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static uint32_t table[256];

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

static uint32_t crc32_table(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

int main(int argc, char **argv)
{
	int failures = 0;
	size_t kib = argc > 1 ? (size_t)atoi(argv[1]) : 256;
	make_table();

	const char *check = "123456789";
	uint32_t c = crc32_table(0, (const uint8_t *)check, strlen(check));
	printf("crc32(\"123456789\") = 0x%08lx\n", (unsigned long)c);
	if (c != 0xCBF43926u) failures++;

	size_t len = kib * 1024;
	uint8_t *buf = calloc(len, 1);
	if (!buf) {
		printf("out of memory\n");
		return 2;
	}
	uint32_t seed = 12345;
	for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(rt_lcg(&seed) >> 24);

	uint32_t whole = crc32_table(0, buf, len);
	/* CRC is a running value: four chunks must give the same answer as one pass. */
	uint32_t chunked = 0;
	for (size_t off = 0; off < len; off += len / 4) chunked = crc32_table(chunked, buf + off, len / 4);
	uint32_t slow = crc32_bitwise(0, buf, 4096);
	uint32_t fast = crc32_table(0, buf, 4096);
	printf("crc32 of %lu KiB: 0x%08lx (chunked 0x%08lx)\n", (unsigned long)kib,
	       (unsigned long)whole, (unsigned long)chunked);
	printf("first 4 KiB: table 0x%08lx bitwise 0x%08lx\n", (unsigned long)fast, (unsigned long)slow);
	if (whole != chunked || slow != fast) failures++;

	uint32_t h = rt_fnv(RT_FNV_INIT, whole);
	h = rt_fnv(h, table[255]);
	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	free(buf);
	return failures ? 1 : 0;
}
