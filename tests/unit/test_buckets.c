/*
 * Unit tests for the pure parts of Buckets (gateway/buckets/s3.h): bucket
 * and key names, the router, XML and URL escaping, Range, the listing's
 * paging, and the aws-chunked decoder (its chained chunk signatures
 * against values computed independently with Python's hmac and hashlib).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sigv4.h"
#include "buckets/s3.h"

#define N(s)	(s), strlen(s)

Test(buckets, bucket_names)
{
	cr_assert(s3_bucket_name_ok(N("abc")));
	cr_assert(s3_bucket_name_ok(N("my.bucket-01")));
	cr_assert(!s3_bucket_name_ok(N("ab")));
	cr_assert(!s3_bucket_name_ok(N("Abc")));
	cr_assert(!s3_bucket_name_ok(N("a_b")));
	cr_assert(!s3_bucket_name_ok(N("-abc")));
	cr_assert(!s3_bucket_name_ok(N("abc-")));
	cr_assert(!s3_bucket_name_ok(N("a..b")));
	cr_assert(!s3_bucket_name_ok(N("a.-b")));
	cr_assert(!s3_bucket_name_ok(N("192.168.1.1")));
	cr_assert(s3_bucket_name_ok(N("192.168.1.1a")));
	cr_assert(!s3_bucket_name_ok(N("xn--abc")));
	cr_assert(!s3_bucket_name_ok(N(
	    "a234567890123456789012345678901234567890123456789012345678901234")));
}

Test(buckets, keys)
{
	char big[1026];

	cr_assert(s3_key_ok(N("a")));
	cr_assert(s3_key_ok(N("dir one/\xc3\xbc+&=.txt")));
	cr_assert(!s3_key_ok("", 0));
	cr_assert(!s3_key_ok("a\0b", 3));
	cr_assert(!s3_key_ok(N("\xc3")));		/* cut short */
	cr_assert(!s3_key_ok(N("\xed\xa0\x80")));	/* a surrogate */
	cr_assert(!s3_key_ok(N("\xc0\xaf")));	/* overlong */
	memset(big, 'k', sizeof(big));
	cr_assert(s3_key_ok(big, 1024));
	cr_assert(!s3_key_ok(big, 1025));
}

static enum s3_op
route(const char *m, const char *host, const char *path, const char *q,
    bool copy, char **bucket, char **key)
{
	static const char *const sfx[] = { "localhost", "127.0.0.1" };
	struct s3_route r;

	cr_assert_eq(s3_route(m, host, host ? strlen(host) : 0, N(path), N(q),
	    copy, sfx, 2, &r), 0);
	*bucket = r.bucket ? strdup(r.bucket) : NULL;
	*key = r.key ? strdup(r.key) : NULL;
	s3_route_free(&r);
	return r.op;
}

Test(buckets, router)
{
	char *b, *k;

	cr_assert_eq(route("GET", NULL, "/", "", false, &b, &k),
	    S3_LIST_BUCKETS);
	cr_assert_eq(route("PUT", NULL, "/bk", "", false, &b, &k),
	    S3_CREATE_BUCKET);
	cr_assert_str_eq(b, "bk");
	free(b);
	cr_assert_eq(route("GET", NULL, "/bk", "list-type=2&prefix=a", false,
	    &b, &k), S3_LIST_OBJECTS_V2);
	free(b);
	cr_assert_eq(route("GET", NULL, "/bk/", "", false, &b, &k),
	    S3_LIST_OBJECTS);
	free(b);
	cr_assert_eq(route("PUT", NULL, "/bk/a%20b/c%2Bd", "", false, &b, &k),
	    S3_PUT_OBJECT);
	cr_assert_str_eq(k, "a b/c+d");
	free(b), free(k);
	cr_assert_eq(route("PUT", NULL, "/bk/k", "", true, &b, &k),
	    S3_COPY_OBJECT);
	free(b), free(k);
	cr_assert_eq(route("PUT", NULL, "/bk/k", "partNumber=1&uploadId=x",
	    false, &b, &k), S3_UPLOAD_PART);
	free(b), free(k);
	cr_assert_eq(route("PUT", NULL, "/bk/k", "partNumber=1&uploadId=x",
	    true, &b, &k), S3_UPLOAD_PART_COPY);
	free(b), free(k);
	cr_assert_eq(route("PUT", NULL, "/bk/k", "uploadId=x", true, &b, &k),
	    S3_BAD);
	free(b), free(k);
	cr_assert_eq(route("POST", NULL, "/bk/k", "uploads", false, &b, &k),
	    S3_CREATE_UPLOAD);
	free(b), free(k);
	cr_assert_eq(route("POST", NULL, "/bk", "delete", false, &b, &k),
	    S3_DELETE_OBJECTS);
	free(b);
	cr_assert_eq(route("GET", NULL, "/bk/k", "tagging", false, &b, &k),
	    S3_GET_TAGGING);
	free(b), free(k);
	cr_assert_eq(route("GET", "bk.localhost:9000", "/a/b.txt", "", false,
	    &b, &k), S3_GET_OBJECT);
	cr_assert_str_eq(b, "bk");
	cr_assert_str_eq(k, "a/b.txt");
	free(b), free(k);
	cr_assert_eq(route("GET", "bk.127.0.0.1", "/", "location", false, &b,
	    &k), S3_GET_LOCATION);
	free(b);
	cr_assert_eq(route("PATCH", NULL, "/bk/k", "", false, &b, &k), S3_BAD);
	free(b), free(k);
	cr_assert_eq(route("DELETE", NULL, "/bk", "", false, &b, &k),
	    S3_DELETE_BUCKET);
	free(b);
}

/* A sub-resource not served is refused, not taken for the plain operation
 * on its bucket or key (DeleteBucketCors was DeleteBucket). */
Test(buckets, router_unserved)
{
	static const char *const bucket_reqs[][2] = {
		{ "DELETE", "cors" }, { "DELETE", "policy" },
		{ "DELETE", "tagging" }, { "DELETE", "lifecycle" },
		{ "DELETE", "website" }, { "DELETE", "encryption" },
		{ "PUT", "cors" }, { "PUT", "versioning" },
		{ "PUT", "encryption" }, { "PUT", "tagging" },
		{ "GET", "encryption" }, { "GET", "website" },
		{ "GET", "notification" }, { "GET", "versions" },
		{ "GET", "publicAccessBlock" }, { "GET", "object-lock" },
		{ "GET", "prefix=a&versioning" },
	};
	static const char *const key_reqs[][2] = {
		{ "GET", "attributes" }, { "GET", "acl" },
		{ "PUT", "retention" }, { "POST", "restore" },
		{ "POST", "select&select-type=2" }, { "PUT", "legal-hold" },
	};
	char *b, *k;
	size_t i;

	for (i = 0; i < sizeof(bucket_reqs) / sizeof(bucket_reqs[0]); i++) {
		cr_expect_eq(route(bucket_reqs[i][0], NULL, "/bk",
		    bucket_reqs[i][1], false, &b, &k), S3_BAD, "%s /bk?%s",
		    bucket_reqs[i][0], bucket_reqs[i][1]);
		free(b);
	}
	for (i = 0; i < sizeof(key_reqs) / sizeof(key_reqs[0]); i++) {
		cr_expect_eq(route(key_reqs[i][0], NULL, "/bk/k",
		    key_reqs[i][1], false, &b, &k), S3_BAD, "%s /bk/k?%s",
		    key_reqs[i][0], key_reqs[i][1]);
		free(b), free(k);
	}
	/* What the SDKs add to served requests is not a sub-resource. */
	cr_assert_eq(route("GET", NULL, "/bk/k", "x-id=GetObject&partNumber=1",
	    false, &b, &k), S3_GET_OBJECT);
	free(b), free(k);
	cr_assert_eq(route("GET", NULL, "/bk", "list-type=2&prefix=policy",
	    false, &b, &k), S3_LIST_OBJECTS_V2);
	free(b);
	{
		static const char *const sfx[] = { "localhost" };
		struct s3_route r;

		cr_assert_eq(s3_route("GET", NULL, 0, N("/bk/a%00"), N(""),
		    false, sfx, 1, &r), -1);
	}
}

Test(buckets, query)
{
	struct buf b;

	buf_init(&b);
	cr_assert_eq(s3_query_get(N("a=1&prefix=x%2Fy+z&uploads"), "prefix",
	    &b), 0);
	cr_assert_str_eq(b.data, "x/y z");
	cr_assert_eq(s3_query_get(N("a=1&uploads"), "uploads", &b), 0);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(s3_query_get(N("a=1&uploadsX=2"), "uploads", &b), -1);
	cr_assert(s3_query_has(N("x&tagging"), "tagging"));
	cr_assert(!s3_query_has(N("x&taggingx"), "tagging"));
	buf_free(&b);
}

Test(buckets, xml)
{
	struct buf b;
	const char *in = "<D><Object><Key>a&amp;b&lt;&#x41;&#66;&#x20AC;</Key>"
	    "</Object><Object><Key>two</Key></Object></D>", *p = in;

	buf_init(&b);
	s3_xml_esc(&b, N("a<b>&\"c'\x01"));
	cr_assert_str_eq(b.data, "a&lt;b&gt;&amp;&quot;c&apos;&#x1;");
	buf_reset(&b);
	s3_url_enc(&b, N("a b/c+\xc3\xbc"), true);
	cr_assert_str_eq(b.data, "a%20b/c%2B%C3%BC");
	cr_assert_eq(s3_xml_next(&p, in + strlen(in), "Key", &b), 0);
	cr_assert_str_eq(b.data, "a&b<AB\xe2\x82\xac");
	cr_assert_eq(s3_xml_next(&p, in + strlen(in), "Key", &b), 0);
	cr_assert_str_eq(b.data, "two");
	cr_assert_eq(s3_xml_next(&p, in + strlen(in), "Key", &b), -1);
	buf_free(&b);
}

Test(buckets, dates)
{
	char d[40];

	s3_http_date(1796639946486LL, d);
	cr_assert_str_eq(d, "Mon, 07 Dec 2026 10:39:06 GMT");
	s3_iso_date(1796639946486LL, d);
	cr_assert_str_eq(d, "2026-12-07T10:39:06.486Z");
	cr_assert_eq(s3_parse_http_date(N("Mon, 07 Dec 2026 10:39:06 GMT")),
	    1796639946);
	cr_assert_eq(s3_parse_http_date(N("yesterday")), -1);
}

Test(buckets, range)
{
	uint64_t off, len;

	cr_assert_eq(s3_range_parse(N("bytes=0-4"), 14, &off, &len),
	    S3_RANGE_OK);
	cr_assert(off == 0 && len == 5);
	cr_assert_eq(s3_range_parse(N("bytes=10-"), 14, &off, &len),
	    S3_RANGE_OK);
	cr_assert(off == 10 && len == 4);
	cr_assert_eq(s3_range_parse(N("bytes=-3"), 14, &off, &len),
	    S3_RANGE_OK);
	cr_assert(off == 11 && len == 3);
	cr_assert_eq(s3_range_parse(N("bytes=-30"), 14, &off, &len),
	    S3_RANGE_OK);
	cr_assert(off == 0 && len == 14);
	cr_assert_eq(s3_range_parse(N("bytes=5-100"), 14, &off, &len),
	    S3_RANGE_OK);
	cr_assert(off == 5 && len == 9);
	cr_assert_eq(s3_range_parse(N("bytes=14-"), 14, &off, &len),
	    S3_RANGE_BAD);
	cr_assert_eq(s3_range_parse(N("bytes=-0"), 14, &off, &len),
	    S3_RANGE_BAD);
	cr_assert_eq(s3_range_parse(N("bytes=0-0"), 0, &off, &len),
	    S3_RANGE_BAD);
	cr_assert_eq(s3_range_parse(N("bytes=5-2"), 14, &off, &len),
	    S3_RANGE_NONE);
	cr_assert_eq(s3_range_parse(N("bytes=0-1,3-4"), 14, &off, &len),
	    S3_RANGE_NONE);
	cr_assert_eq(s3_range_parse(N("items=0-1"), 14, &off, &len),
	    S3_RANGE_NONE);
	cr_assert_eq(s3_range_parse(NULL, 0, 14, &off, &len), S3_RANGE_NONE);
	cr_assert_eq(s3_range_parse(N("bytes=99999999999999999999-"), 14,
	    &off, &len), S3_RANGE_NONE);
}

Test(buckets, copy_range)
{
	uint64_t a, b;

	cr_assert(s3_copy_range_parse(N("bytes=0-4"), &a, &b));
	cr_assert(a == 0 && b == 4);
	cr_assert(s3_copy_range_parse(N("bytes=7-7"), &a, &b));
	cr_assert(a == 7 && b == 7);
	cr_assert(s3_copy_range_parse(N("bytes=5242880-10485759"), &a, &b));
	cr_assert(a == 5242880 && b == 10485759);
	/* Only bytes=FIRST-LAST: no open end, no suffix, no list. */
	cr_assert(!s3_copy_range_parse(N("bytes=10-"), &a, &b));
	cr_assert(!s3_copy_range_parse(N("bytes=-3"), &a, &b));
	cr_assert(!s3_copy_range_parse(N("bytes=0-1,3-4"), &a, &b));
	cr_assert(!s3_copy_range_parse(N("bytes=5-2"), &a, &b));
	cr_assert(!s3_copy_range_parse(N("bytes= 0-4"), &a, &b));
	cr_assert(!s3_copy_range_parse(N("bytes=0-4 "), &a, &b));
	cr_assert(!s3_copy_range_parse(N("BYTES=0-4"), &a, &b));
	cr_assert(!s3_copy_range_parse(N("items=0-4"), &a, &b));
	cr_assert(!s3_copy_range_parse(N("bytes=a-b"), &a, &b));
	cr_assert(!s3_copy_range_parse(N("bytes=0-99999999999999999999"), &a,
	    &b));
	cr_assert(!s3_copy_range_parse(NULL, 0, &a, &b));
	cr_assert(!s3_copy_range_parse(N("bytes="), &a, &b));
}

/* Feed keys; the page's actions as a string: K key, P prefix, . skip,
 * F full. */
static void
page(const char *prefix, const char *delim, unsigned max,
    const char *const *keys, const char *want, const char *next)
{
	struct s3_list l;
	char got[64];
	size_t i, n = 0;

	s3_list_init(&l, prefix, delim, max);
	for (i = 0; keys[i] != NULL; i++) {
		enum s3_list_act a = s3_list_step(&l, N(keys[i]));

		got[n++] = "KP.F"[a];
		if (a == S3_LIST_FULL)
			break;
	}
	got[n] = '\0';
	cr_assert_str_eq(got, want);
	cr_assert_str_eq(l.last.data != NULL ? l.last.data : "", next);
	s3_list_free(&l);
}

Test(buckets, list_paging)
{
	static const char *const keys[] = { "a", "b/1", "b/2", "b/3", "c",
	    "d/x/y", NULL };
	struct s3_list l;
	struct buf seek;

	page("", "", 10, keys, "KKKKKK", "d/x/y");
	page("", "/", 10, keys, "KP..KP", "d/");
	page("", "/", 2, keys, "KP..F", "b/");
	page("b/", "/", 2, keys, ".KKF", "b/2");
	page("d/", "/", 5, keys, ".....P", "d/x/");
	page("", "", 0, keys, "F", "");
	s3_list_init(&l, "", "/", 5);
	s3_list_step(&l, N("b/1"));
	buf_init(&seek);
	s3_list_seek_past(&l, &seek);
	cr_assert_eq(seek.len, 3);
	cr_assert(memcmp(seek.data, "b/\xff", 3) == 0);
	buf_free(&seek);
	s3_list_free(&l);
}

/* ---- aws-chunked ---- */

#define SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
/* Python: the chain from SEED for 65536 'a', 1024 'a', the final chunk,
 * key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20130524/us-east-1/s3. */
static const char *const chain[] = {
	"61ed74d76ad0a0a3cd61199c82a3112c3c90ec6bf34d8b2c625093a11e569c2b",
	"1bc5ec3a09ab65cbdd970c67f8744614b27f6f762e6f7b998405f4c8b577a685",
	"7cd0adc4c8559a39c487847ea89a4137b7653d47264e872e48d980f945fc3927",
};

static void
ctx_make(struct sigv4_ctx *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->amzdate, sizeof(c->amzdate), "20130524T000000Z");
	snprintf(c->scope, sizeof(c->scope), "20130524/us-east-1/s3/"
	    "aws4_request");
	snprintf(c->seed, sizeof(c->seed), SEED);
	sigv4_ctx_key(c, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	    "us-east-1");
}

static void
body_make(struct buf *b, char flip)
{
	static char a[65536];

	memset(a, 'a', sizeof(a));
	buf_printf(b, "10000;chunk-signature=%s\r\n", chain[0]);
	buf_add(b, a, 65536);
	buf_adds(b, "\r\n");
	buf_printf(b, "400;chunk-signature=%s\r\n", chain[1]);
	buf_add(b, a, 1024);
	if (flip)
		b->data[b->len - 1] = flip;
	buf_adds(b, "\r\n");
	buf_printf(b, "0;chunk-signature=%s\r\n\r\n", chain[2]);
}

Test(buckets, chunked_signed)
{
	struct sigv4_ctx c;
	struct buf in, out;

	ctx_make(&c);
	buf_init(&in), buf_init(&out);
	body_make(&in, 0);
	cr_assert_eq(s3_chunked_decode(in.data, in.len, &c, false, &out, NULL),
	    0);
	cr_assert_eq(out.len, 66560);
	cr_assert_eq(out.data[66559], 'a');
	/* One byte changed in the second chunk: its signature fails. */
	buf_reset(&in), buf_reset(&out);
	body_make(&in, 'b');
	cr_assert_eq(s3_chunked_decode(in.data, in.len, &c, false, &out, NULL),
	    S3_CHUNK_ESIG);
	/* A chunk dropped: the chain breaks. */
	buf_reset(&in), buf_reset(&out);
	buf_printf(&in, "0;chunk-signature=%s\r\n\r\n", chain[2]);
	cr_assert_eq(s3_chunked_decode(in.data, in.len, &c, false, &out, NULL),
	    S3_CHUNK_ESIG);
	buf_free(&in), buf_free(&out);
}

Test(buckets, chunked_unsigned_trailer)
{
	struct buf out, tr;
	static const char body[] = "5\r\nhello\r\n3\r\n!!!\r\n0\r\n"
	    "X-Amz-Checksum-Crc32:AAAAAA==\r\n\r\n";

	buf_init(&out), buf_init(&tr);
	cr_assert_eq(s3_chunked_decode(body, sizeof(body) - 1, NULL, false,
	    &out, &tr), 0);
	cr_assert_eq(out.len, 8);
	cr_assert(memcmp(out.data, "hello!!!", 8) == 0);
	cr_assert_str_eq(tr.data, "x-amz-checksum-crc32:AAAAAA==\n");
	buf_free(&out), buf_free(&tr);
}

Test(buckets, chunked_malformed)
{
	static const char *const bad[] = {
		"", "5\r\nhel", "5\r\nhelloXX0\r\n\r\n", "zz\r\n",
		"5;chunk-signature=abc\r\nhello\r\n0\r\n\r\n",
		"0\r\n\r\ntrailing", "ffffffffffffffffff\r\n",
		"5\r\nhello\r\n0\r\nno colon\r\n\r\n", "0\r\n",
	};
	struct buf out;
	size_t i;

	buf_init(&out);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&out);
		cr_assert_eq(s3_chunked_decode(bad[i], strlen(bad[i]), NULL,
		    false, &out, NULL), S3_CHUNK_EINVAL, "%zu", i);
	}
	buf_free(&out);
}
