/*
 * libc string and formatting code: printf/snprintf conversions with widths, padding and
 * flags (each result compared with the text the C standard prescribes), strlen, strcpy,
 * strcat, memcpy, memmove with overlap, memset, strcmp/strncmp, strchr/strstr, and qsort
 * of generated words. Prints its command-line arguments (checks the initial stack).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static int failures;

static void expect_fmt(const char *got, const char *want)
{
	int ok = strcmp(got, want) == 0;
	printf("[%s]%s\n", got, ok ? "" : "  <-- WRONG");
	if (!ok) {
		printf("   expected [%s]\n", want);
		failures++;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum { WORDS = 2000 };
static char word_store[WORDS][12];
static char *words[WORDS];

int main(int argc, char **argv)
{
	char buf[128];
	printf("argc=%d\n", argc);
	/* argv[0] is the program path as the loader was given it: only check it is there. */
	printf("argv[0] %s\n", argc > 0 && argv[0] && argv[0][0] ? "present" : "MISSING");
	if (argc < 1 || !argv[0] || !argv[0][0] || argv[argc]) failures++;
	for (int i = 1; i < argc; i++) printf("argv[%d]=\"%s\"\n", i, argv[i]);

	printf("formatting:\n");
	snprintf(buf, sizeof buf, "%d|%5d|%-5d|%05d|%+d", 42, 42, 42, 42, 42);
	expect_fmt(buf, "42|   42|42   |00042|+42");
	snprintf(buf, sizeof buf, "%d|%i|%u", -2147483647 - 1, -1, 4294967295u);
	expect_fmt(buf, "-2147483648|-1|4294967295");
	snprintf(buf, sizeof buf, "%x|%X|%#x|%08x|%#o|%o", 0xbeefu, 0xbeefu, 255u, 0x1234u, 8u, 511u);
	expect_fmt(buf, "beef|BEEF|0xff|00001234|010|777");
	snprintf(buf, sizeof buf, "%s|%10s|%-10s|%.3s", "abc", "right", "left", "truncate");
	expect_fmt(buf, "abc|     right|left      |tru");
	snprintf(buf, sizeof buf, "%c%c%c|%5c|%%", 'x', 'y', 'z', '!');
	expect_fmt(buf, "xyz|    !|%");
	snprintf(buf, sizeof buf, "%ld|%lu|%lx|%lld|%llx", -123456789L, 3000000000UL, 0xcafef00dUL,
		 -9000000000LL, 0x123456789abcdefULL);
	expect_fmt(buf, "-123456789|3000000000|cafef00d|-9000000000|123456789abcdef");
	snprintf(buf, sizeof buf, "%*d|%-*d|%.*d", 6, 7, 4, 8, 3, 9);
	expect_fmt(buf, "     7|8   |009");
	volatile size_t small = 8; /* hides the intended truncation from -Wformat-truncation */
	int n = snprintf(buf, small, "%s", "overflowing");
	printf("snprintf truncation: returned %d, buffer \"%s\"\n", n, buf);
	if (n != 11 || strcmp(buf, "overflo") != 0) failures++;

	printf("strings:\n");
	char s[64];
	strcpy(s, "hello");
	strcat(s, ", world");
	printf("strcpy+strcat: \"%s\" strlen=%u\n", s, (unsigned)strlen(s));
	if (strcmp(s, "hello, world") != 0 || strlen(s) != 12) failures++;
	memmove(s + 2, s, 5); /* overlapping, forward */
	printf("memmove forward: \"%s\"\n", s);
	if (strcmp(s, "hehelloworld") != 0) failures++;
	memmove(s, s + 2, 5); /* overlapping, backward */
	printf("memmove backward: \"%s\"\n", s);
	if (strcmp(s, "helloloworld") != 0) failures++;
	const char *w = strstr(s, "wor");
	printf("strchr 'w' at %d, strstr \"wor\" at %d, strncmp=%d\n", (int)(strchr(s, 'w') - s),
	       w ? (int)(w - s) : -1, strncmp("abcd", "abce", 3));
	if (strchr(s, 'w') != s + 7 || w != s + 7) failures++;
	if (!(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("", "") == 0)) failures++;

	/* Bulk work: build words, copy them around, sort them, hash the result. */
	uint32_t seed = 99, h = RT_FNV_INIT;
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < WORDS; i++) {
			int len = 3 + (int)(rt_lcg(&seed) >> 29);
			char tmp[12];
			for (int k = 0; k < len; k++) tmp[k] = (char)('a' + (rt_lcg(&seed) >> 24) % 26);
			tmp[len] = 0;
			memcpy(word_store[i], tmp, (size_t)len + 1);
			words[i] = word_store[i];
		}
		qsort(words, WORDS, sizeof words[0], cmp_str);
		int sorted = 1;
		for (int i = 1; i < WORDS; i++) sorted &= strcmp(words[i - 1], words[i]) <= 0;
		if (!sorted) failures++;
		for (int i = 0; i < WORDS; i += 97) {
			int m = snprintf(buf, sizeof buf, "%s:%04d:%x", words[i], i, (unsigned)strlen(words[i]));
			for (int k = 0; k < m; k++) h = rt_fnv(h, (uint8_t)buf[k]);
		}
		if (round == 0) printf("first/last sorted words: %s %s\n", words[0], words[WORDS - 1]);
	}
	memset(s, '#', 10);
	s[10] = 0;
	printf("memset: %s\n", s);

	printf("checksum: 0x%08lx\n", (unsigned long)h);
	printf("%s\n", failures ? "FAIL" : "OK");
	return failures ? 1 : 0;
}
