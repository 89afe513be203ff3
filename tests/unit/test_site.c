/*
 * Unit tests for the pure parts of sites (gateway/buckets/site.h): which
 * codings an Accept-Encoding allows, which types are compressed, and
 * whether an If-None-Match list names an object or its coded forms.
 */
#include <criterion/criterion.h>

#include <string.h>

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
