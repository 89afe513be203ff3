/*
 * Unit tests for the pure parts of sites (gateway/buckets/site.h): which
 * codings an Accept-Encoding allows, which types are compressed, and
 * whether an If-None-Match list names an object or its coded forms; and
 * the edge cache: its keys, staleness after a write, its LRU bound.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets/bucket_int.h"
#include "buckets/site.h"

#define N(s)	(s), strlen(s)

Test(site, accept_encoding)
{
	cr_assert_eq(site_accept(NULL, 0), 0);
	cr_assert_eq(site_accept(N("")), 0);
	cr_assert_eq(site_accept(N("gzip")), SITE_GZIP);
	cr_assert_eq(site_accept(N("gzip, deflate, br")), SITE_GZIP | SITE_BR);
	cr_assert_eq(site_accept(N("br;q=1.0, gzip;q=0.8, *;q=0.1")),
	    SITE_GZIP | SITE_BR);
	cr_assert_eq(site_accept(N("identity")), 0);
	cr_assert_eq(site_accept(N("x-gzip")), SITE_GZIP);
	cr_assert_eq(site_accept(N("GZIP")), SITE_GZIP);
	cr_assert_eq(site_accept(N("*")), SITE_GZIP | SITE_BR);
	cr_assert_eq(site_accept(N("*, br;q=0")), SITE_GZIP);
	cr_assert_eq(site_accept(N("br;q=0, gzip;q=0.000")), 0);
	cr_assert_eq(site_accept(N("gzip;q=0.001")), SITE_GZIP);
	cr_assert_eq(site_accept(N("  br ; q=0.5 ,deflate")), SITE_BR);
	cr_assert_eq(site_accept(N("brotli, gzipx")), 0);
	cr_assert_eq(site_accept(N("*;q=0")), 0);
}

Test(site, compressible)
{
	cr_assert(site_compressible(N("text/html")));
	cr_assert(site_compressible(N("text/html; charset=utf-8")));
	cr_assert(site_compressible(N("TEXT/CSS")));
	cr_assert(site_compressible(N("application/javascript")));
	cr_assert(site_compressible(N("application/json")));
	cr_assert(site_compressible(N("application/ld+json")));
	cr_assert(site_compressible(N("image/svg+xml")));
	cr_assert(site_compressible(N("application/atom+xml")));
	cr_assert(site_compressible(N("application/xml ; charset=utf-8")));
	cr_assert(!site_compressible(N("image/png")));
	cr_assert(!site_compressible(N("application/octet-stream")));
	cr_assert(!site_compressible(N("text/")));
	cr_assert(!site_compressible(N("application/jsonx")));
	cr_assert(!site_compressible(NULL, 0));
}

Test(site, etag_match)
{
	const char *e = "0123abcd";

	cr_assert(site_etag_match(N("\"0123abcd\""), e));
	cr_assert(site_etag_match(N("W/\"0123abcd\""), e));
	cr_assert(site_etag_match(N("\"0123abcd-br\""), e));
	cr_assert(site_etag_match(N("\"0123abcd-gzip\""), e));
	cr_assert(site_etag_match(N("\"x\", \"0123abcd\""), e));
	cr_assert(site_etag_match(N("*"), e));
	cr_assert(!site_etag_match(N("\"0123abcd-deflate\""), e));
	cr_assert(!site_etag_match(N("\"0123abc\""), e));
	cr_assert(!site_etag_match(N("0123abcd"), e));
	cr_assert(!site_etag_match(N("\"0123abcd\"x"), e));
	cr_assert(!site_etag_match(N(""), e));
	cr_assert(!site_etag_match(NULL, 0, e));
}

/* ---- the edge cache (site_cache.c) ---------------------------------------- */

static void
put(struct site_cache *c, const char *key, unsigned accept, uint64_t gen,
    size_t len)
{
	struct s3_obj o;
	struct buf h, b;

	s3_obj_init(&o);
	snprintf(o.etag, sizeof(o.etag), "etag-%s", key);
	o.mtime = 1000;
	buf_init(&h);
	buf_init(&b);
	buf_printf(&h, "ETag: \"%s\"\n", o.etag);
	buf_reserve(&b, len + 1);
	memset(b.data, 'x', len);
	b.len = len;
	site_cache_put(c, "web", key, accept, gen, &o, &h, &b);
	buf_free(&h);
	buf_free(&b);
	s3_obj_free(&o);
}

Test(site, cache_get_put_stale)
{
	struct site_cache *c = site_cache_new();
	const struct site_hit *h;

	cr_assert_null(site_cache_get(c, "web", "a.html", 0, 1));
	put(c, "a.html", 0, 1, 10);
	h = site_cache_get(c, "web", "a.html", 0, 1);
	cr_assert_not_null(h);
	cr_assert_str_eq(h->etag, "etag-a.html");
	cr_assert_eq(h->body_len, 10);
	cr_assert_str_eq(h->hdrs, "ETag: \"etag-a.html\"\n");
	/* Another coding, bucket or key: another entry. */
	cr_assert_null(site_cache_get(c, "web", "a.html", SITE_BR, 1));
	cr_assert_null(site_cache_get(c, "www", "a.html", 0, 1));
	cr_assert_null(site_cache_get(c, "web", "a.htm", 0, 1));
	/* A write since it was filled: stale, and gone. */
	cr_assert_null(site_cache_get(c, "web", "a.html", 0, 2));
	cr_assert_null(site_cache_get(c, "web", "a.html", 0, 1));
	/* Too large a body is not kept. */
	put(c, "big", 0, 1, SITE_CACHE_ENTRY + 1);
	cr_assert_null(site_cache_get(c, "web", "big", 0, 1));
	/* A reference keeps it past the table's. */
	site_cache_ref(c);
	site_cache_unref(c);
	put(c, "b", 0, 1, 5);
	cr_assert_not_null(site_cache_get(c, "web", "b", 0, 1));
	site_cache_unref(c);
}

Test(site, cache_lru)
{
	struct site_cache *c = site_cache_new();
	size_t n = SITE_CACHE_BYTES / SITE_CACHE_ENTRY + 8, i;
	char k[32];

	for (i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "k%zu", i);
		put(c, k, 0, 7, SITE_CACHE_ENTRY);
		if (i == 0)	/* used again: not the least recent */
			continue;
		cr_assert_not_null(site_cache_get(c, "web", "k0", 0, 7));
	}
	cr_assert_not_null(site_cache_get(c, "web", "k0", 0, 7));
	cr_assert_null(site_cache_get(c, "web", "k1", 0, 7));
	snprintf(k, sizeof(k), "k%zu", n - 1);
	cr_assert_not_null(site_cache_get(c, "web", k, 0, 7));
	site_cache_unref(c);
}
