/*
 * evstream: the framing of AWS's event streams, checked byte for byte
 * against values computed apart from this code (python3's zlib.crc32 and
 * struct.pack) and against the AWS codecs' "empty message" test vector.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "evstream.h"

static uint32_t
get32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | u[3];
}

Test(evstream, empty_message)
{
	static const unsigned char want[] = {
		0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
		0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98, 0xc8, 0xff,
	};
	struct buf b;

	buf_init(&b);
	cr_assert_eq(evs_message(&b, NULL, 0, NULL, 0), 0);
	cr_assert_eq(b.len, sizeof(want));
	cr_assert_eq(memcmp(b.data, want, sizeof(want)), 0);
	buf_free(&b);
}

/*
 * A PayloadChunk of "hello":
 * python3: hb = b''.join(bytes([len(k)]) + k + b'\x07' +
 *   struct.pack('>H', len(v)) + v for k, v in headers); prelude =
 *   struct.pack('>II', 12 + len(hb) + 5 + 4, len(hb)); CRCs zlib.crc32.
 */
Test(evstream, payload_chunk)
{
	struct buf b;
	const char *p;
	size_t hlen = 1 + 11 + 3 + 12 + 1 + 13 + 3 + 24 + 1 + 13 + 3 + 5;

	buf_init(&b);
	cr_assert_eq(evs_event(&b, "PayloadChunk", "application/octet-stream",
	    "hello", 5), 0);
	cr_assert_eq(b.len, 111);
	cr_assert_eq(get32(b.data), 111);
	cr_assert_eq(get32(b.data + 4), hlen);
	cr_assert_eq(get32(b.data + 8), 0xf5fe871fu);
	p = b.data + 12;
	cr_assert_eq(p[0], 11);
	cr_assert_eq(memcmp(p + 1, ":event-type", 11), 0);
	cr_assert_eq(p[12], 7);
	cr_assert_eq(p[13], 0);
	cr_assert_eq(p[14], 12);
	cr_assert_eq(memcmp(p + 15, "PayloadChunk", 12), 0);
	cr_assert_eq(memcmp(b.data + 12 + hlen, "hello", 5), 0);
	cr_assert_eq(get32(b.data + b.len - 4), 0x29e71260u);
	buf_free(&b);
}

Test(evstream, appends_and_refuses)
{
	struct buf b;
	char name[300];
	struct evs_header h = { name, "v" };

	buf_init(&b);
	buf_adds(&b, "xy");
	cr_assert_eq(evs_message(&b, NULL, 0, NULL, 0), 0);
	cr_assert_eq(b.len, 18);
	cr_assert_eq(get32(b.data + 2), 16);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_eq(evs_message(&b, &h, 1, NULL, 0), -EINVAL);
	cr_assert_eq(b.len, 18);	/* nothing appended */
	buf_free(&b);
}
