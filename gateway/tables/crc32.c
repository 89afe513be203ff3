/*
 * crc32: a table-driven CRC-32 (see crc32.h).  The table is built once,
 * on first use; the door calls it from the store's threads as well as the
 * loop, so the build is guarded by pthread_once.
 */
#include <pthread.h>

#include "crc32.h"

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_table_build(void)
{
	uint32_t c, i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t
crc32_update(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;

	pthread_once(&crc_once, crc_table_build);
	crc = ~crc;
	while (n-- > 0)
		crc = crc_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
