/*
 * fuzz_s3: Buckets' request parsing (gateway/buckets/s3.h).  The first
 * byte picks the part; the rest is its input:
 *
 *   0  router: "METHOD\nHOST\nPATH\nQUERY" (HOST empty: none)
 *   1  an aws-chunked body without signatures (and its trailer)
 *   2  an aws-chunked body with chunk signatures chained from a fixed
 *      seed and key (the seeds carry valid chains)
 *   3  XML (<Key>, <Part>), Range against the input's length, and the
 *      listing's paging over its lines
 *
 * Invariants checked: a decoded body is never longer than its encoding,
 * a Range lies inside the object, a page never holds more than max.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sigv4.h"
#include "buckets/s3.h"

static void
fuzz_route(const char *p, size_t n)
{
	static const char *const sfx[] = { "localhost", "127.0.0.1" };
	const char *f[4] = { "", "", "/", "" }, *e, *end = p + n;
	size_t fl[4] = { 0, 0, 1, 0 }, i;
	char method[16];
	struct s3_route r;
	struct buf v;

	for (i = 0; i < 4 && p <= end; i++) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL || i == 3)
			e = end;
		f[i] = p;
		fl[i] = (size_t)(e - p);
		p = e + 1;
	}
	snprintf(method, sizeof(method), "%.*s", (int)fl[0], f[0]);
	if (s3_route(method, fl[1] > 0 ? f[1] : NULL, fl[1], f[2], fl[2], f[3],
	    fl[3], fl[3] & 1, sfx, 2, &r) == 0) {
		if (r.op != S3_BAD && r.op != S3_LIST_BUCKETS && r.bucket == NULL)
			abort();
		(void)s3_op_name(r.op);
		if (r.bucket != NULL)
			(void)s3_bucket_name_ok(r.bucket, strlen(r.bucket));
		if (r.key != NULL)
			(void)s3_key_ok(r.key, strlen(r.key));
		s3_route_free(&r);
	}
	buf_init(&v);
	(void)s3_query_get(f[3], fl[3], "prefix", &v);
	(void)s3_query_get(f[3], fl[3], "uploadId", &v);
	buf_free(&v);
}

static void
fuzz_chunked(const char *p, size_t n, bool sig)
{
	struct sigv4_ctx c;
	struct buf out, tr;

	memset(&c, 0, sizeof(c));
	snprintf(c.amzdate, sizeof(c.amzdate), "20130524T000000Z");
	snprintf(c.scope, sizeof(c.scope), "20130524/us-east-1/s3/"
	    "aws4_request");
	memset(c.seed, 'a', 64);
	sigv4_ctx_key(&c, "fuzz-secret-fuzz-secret", "us-east-1");
	buf_init(&out);
	buf_init(&tr);
	if (s3_chunked_decode(p, n, sig ? &c : NULL, sig && n > 0 &&
	    (p[0] & 1), &out, &tr) == 0 && out.len > n)
		abort();
	buf_free(&out);
	buf_free(&tr);
}

static void
fuzz_text(const char *p, size_t n)
{
	const char *q = p, *end = p + n, *e;
	struct buf v, esc;
	struct s3_list l;
	uint64_t off, len;
	unsigned max = n > 0 ? (unsigned char)p[0] % 8 : 3;

	buf_init(&v);
	buf_init(&esc);
	while (s3_xml_next(&q, end, "Key", &v) == 0) {
		s3_xml_esc(&esc, v.data != NULL ? v.data : "", v.len);
		s3_url_enc(&esc, v.data != NULL ? v.data : "", v.len, true);
	}
	q = p;
	while (s3_xml_next(&q, end, "Part", &v) == 0)
		;
	if (s3_range_parse(p, n, n, &off, &len) == S3_RANGE_OK &&
	    (len == 0 || off + len > n))
		abort();
	(void)s3_parse_http_date(p, n);
	s3_list_init(&l, "a", "/", max);
	for (q = p; q < end; q = e + 1) {
		if ((e = memchr(q, '\n', (size_t)(end - q))) == NULL)
			e = end;
		if (s3_list_step(&l, q, (size_t)(e - q)) == S3_LIST_FULL)
			break;
	}
	if (l.n > max)
		abort();
	s3_list_seek_past(&l, &v);
	s3_list_free(&l);
	buf_free(&v);
	buf_free(&esc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;

	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_route(p, size - 1);
		break;
	case 1:
		fuzz_chunked(p, size - 1, false);
		break;
	case 2:
		fuzz_chunked(p, size - 1, true);
		break;
	default:
		fuzz_text(p, size - 1);
		break;
	}
	return 0;
}
