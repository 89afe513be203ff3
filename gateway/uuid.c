/*
 * uuid.c: version 4 UUIDs (uuid.h).
 */
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "uuid.h"

void
uuid_format(char out[37], const unsigned char u[16])
{
	static const char hex[] = "0123456789abcdef";
	int i, k = 0;

	for (i = 0; i < 16; i++) {
		unsigned char c = u[i];

		if (i == 6)
			c = (c & 0x0f) | 0x40;	/* version 4 */
		else if (i == 8)
			c = (c & 0x3f) | 0x80;	/* variant 1 */
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[c >> 4];
		out[k++] = hex[c & 15];
	}
	out[k] = '\0';
}

void
uuid_random(char out[37])
{
	static uint64_t ctr;
	unsigned char u[16];

	/* getrandom fails only before the pool is ready at boot, or with a
	 * seccomp filter that refuses it: the clock and a counter then, so an
	 * id is still unique in this process. */
	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u)) {
		struct timespec ts;
		uint64_t a, b = ++ctr;

		clock_gettime(CLOCK_REALTIME, &ts);
		a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		memcpy(u, &a, 8);
		memcpy(u + 8, &b, 8);
	}
	uuid_format(out, u);
}
