/*
 * crc32: CRC-32 through zlib, CRC-32C table-driven (see crc32.h).  The
 * table is built once, on first use; the doors call it from the store's
 * threads as well as the loop, so the build is guarded by pthread_once.
 */
#include <limits.h>
#include <pthread.h>

#include <zlib.h>

#include "crc32.h"

static uint32_t crcc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
table_build(uint32_t *t, uint32_t poly)
{
	uint32_t c, i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? poly ^ (c >> 1) : c >> 1;
		t[i] = c;
	}
}

static void
crc_table_build(void)
{
	table_build(crcc_table, 0x82F63B78u);
}

static uint32_t
crc_run(const uint32_t *t, uint32_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;

	pthread_once(&crc_once, crc_table_build);
	crc = ~crc;
	while (n-- > 0)
		crc = t[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t
crc32_update(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;
	uInt k;

	for (; n > 0; n -= k, b += k) {
		k = n > UINT_MAX ? UINT_MAX : (uInt)n;
		crc = (uint32_t)crc32(crc, b, k);
	}
	return crc;
}

uint32_t
crc32c_update(uint32_t crc, const void *p, size_t n)
{
	return crc_run(crcc_table, crc, p, n);
}
