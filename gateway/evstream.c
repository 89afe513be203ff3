/*
 * evstream: event-stream messages.  See evstream.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "evstream.h"
#include "tables/crc32.h"

#define EVS_MAX		(16 * 1024 * 1024)	/* the codecs' limit */

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

int
evs_message(struct buf *out, const struct evs_header *h, size_t nh,
    const void *payload, size_t n)
{
	unsigned char pre[12], tail[4];
	size_t hlen = 0, i, start = out->len, k, v;
	uint32_t crc;

	for (i = 0; i < nh; i++) {
		k = strlen(h[i].name);
		v = strlen(h[i].value);
		if (k == 0 || k > 255 || v > 65535)
			return -EINVAL;
		hlen += 1 + k + 1 + 2 + v;
	}
	if (12 + hlen + n + 4 > EVS_MAX)
		return -EINVAL;
	put32(pre, (uint32_t)(12 + hlen + n + 4));
	put32(pre + 4, (uint32_t)hlen);
	put32(pre + 8, crc32_update(0, pre, 8));
	buf_add(out, pre, sizeof(pre));
	for (i = 0; i < nh; i++) {
		unsigned char b[3];

		k = strlen(h[i].name);
		v = strlen(h[i].value);
		buf_addc(out, (char)k);
		buf_add(out, h[i].name, k);
		b[0] = 7;		/* string */
		b[1] = (unsigned char)(v >> 8);
		b[2] = (unsigned char)v;
		buf_add(out, b, 3);
		buf_add(out, h[i].value, v);
	}
	if (n > 0)
		buf_add(out, payload, n);
	crc = crc32_update(0, out->data + start, out->len - start);
	put32(tail, crc);
	buf_add(out, tail, sizeof(tail));
	return 0;
}

int
evs_event(struct buf *out, const char *type, const char *ctype,
    const void *payload, size_t n)
{
	const struct evs_header h[] = {
		{ ":event-type", type },
		{ ":content-type", ctype },
		{ ":message-type", "event" },
	};

	return evs_message(out, h, 3, payload, n);
}
