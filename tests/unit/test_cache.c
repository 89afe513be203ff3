/*
 * Unit tests for the response cache (gateway/apigw/cache.c): the LRU on a
 * clock the test sets (the byte bound, TTLs, replacing, forgetting), keys
 * with query and header parts from a real config (conf_apigw.c), ETags,
 * the stage over a request the test builds (hits, 304s, the mark a miss
 * leaves and the store it leads to, max-age=0 by cache_invalidate, a
 * reload), and the metrics it reports.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw/apigw.h"
#include "apigw/cache.h"
#include "buf.h"
#include "conf.h"
#define CONF_FIXTURE_MAIN	"[lambdad]\nfunctions = fd\nstate_dir = st\n" \
	"access_key = AKID:0123456789abcdef\n"
#include "conf_fixture.h"
#include "event.h"
#include "http.h"
#include "metrics.h"
#include "route.h"

/* ---- the store ---------------------------------------------------------- */

static int
put(struct apigw_cache *ca, const char *key, const char *body,
    uint64_t now, uint64_t ttl)
{
	static const struct http_header h[] = {
		{ "Content-Type", 12, "text/plain", 10 },
	};

	return apigw_cache_put(ca, key, strlen(key), NULL, 200, h, 1, body,
	    strlen(body), now, ttl);
}

static const struct apigw_cache_entry *
get(struct apigw_cache *ca, const char *key, uint64_t now)
{
	return apigw_cache_get(ca, key, strlen(key), now);
}

/* key (2) + body (16) + "Content-Type" "text/plain" (22) = 40 bytes. */
#define BODY16	"0123456789abcdef"

Test(lru, an_entry_counts_key_body_and_headers)
{
	struct apigw_cache *ca = apigw_cache_new(1000);
	const struct apigw_cache_entry *e;

	cr_assert_eq(put(ca, "k1", BODY16, 0, 1000), 0);
	cr_assert_eq(apigw_cache_bytes(ca), 40);
	cr_assert_not_null(e = get(ca, "k1", 1));
	cr_assert_eq(e->size, 40);
	cr_assert_eq(e->status, 200);
	cr_assert_eq(e->body_len, 16);
	cr_assert_eq(memcmp(e->body, BODY16, 16), 0);
	cr_assert_eq(e->nhdrs, 1);
	cr_assert_eq(memcmp(e->hdrs[0].value, "text/plain", 10), 0);
	/* The same key again replaces the entry, it does not add one. */
	cr_assert_eq(put(ca, "k1", "x", 0, 1000), 0);
	cr_assert_eq(apigw_cache_count(ca), 1);
	cr_assert_eq(apigw_cache_bytes(ca), 2 + 1 + 22);
	apigw_cache_free(ca);
}

Test(lru, evicts_the_least_recently_used_at_the_byte_bound)
{
	struct apigw_cache *ca = apigw_cache_new(120);	/* three entries */

	cr_assert_eq(put(ca, "k1", BODY16, 0, 1000), 0);
	cr_assert_eq(put(ca, "k2", BODY16, 0, 1000), 0);
	cr_assert_eq(put(ca, "k3", BODY16, 0, 1000), 0);
	cr_assert_eq(apigw_cache_bytes(ca), 120, "exactly at the bound");
	cr_assert_not_null(get(ca, "k1", 1), "k1 is now the most recent");
	cr_assert_eq(put(ca, "k4", BODY16, 2, 1000), 0);
	cr_assert_eq(apigw_cache_count(ca), 3);
	cr_assert_null(get(ca, "k2", 3), "k2 was the least recently used");
	cr_assert_not_null(get(ca, "k1", 3));
	cr_assert_not_null(get(ca, "k3", 3));
	cr_assert_not_null(get(ca, "k4", 3));
	/* A bigger entry makes room for itself: two go. */
	cr_assert_eq(put(ca, "k5", BODY16 BODY16 BODY16, 4, 1000), 0);
	cr_assert_eq(apigw_cache_bytes(ca), 40 + 72);
	cr_assert_not_null(get(ca, "k4", 5));
	cr_assert_null(get(ca, "k1", 5));
	cr_assert_null(get(ca, "k3", 5));
	/* One larger than the whole cache is refused and evicts nothing. */
	cr_assert_eq(put(ca, "k6", BODY16 BODY16 BODY16 BODY16 BODY16 BODY16
	    BODY16, 6, 1000), -E2BIG);
	cr_assert_eq(apigw_cache_count(ca), 2);
	/* Shrinking evicts down to the new bound. */
	apigw_cache_resize(ca, 80);
	cr_assert_eq(apigw_cache_count(ca), 1);
	cr_assert_not_null(get(ca, "k4", 7), "the most recent stays");
	apigw_cache_free(ca);
}

Test(lru, entries_expire_at_their_ttl)
{
	struct apigw_cache *ca = apigw_cache_new(1000);

	cr_assert_eq(put(ca, "short", BODY16, 1000, 500), 0);
	cr_assert_eq(put(ca, "long", BODY16, 1000, 5000), 0);
	cr_assert_not_null(get(ca, "short", 1499));
	cr_assert_null(get(ca, "short", 1500), "expired at stored + ttl");
	cr_assert_eq(apigw_cache_count(ca), 1, "an expired entry is dropped");
	cr_assert_eq(apigw_cache_bytes(ca), 4 + 16 + 22, "long's");
	cr_assert_not_null(get(ca, "long", 5999));
	cr_assert_null(get(ca, "long", 6000));
	cr_assert_eq(apigw_cache_bytes(ca), 0);
	/* Stored again, it lives again. */
	cr_assert_eq(put(ca, "short", BODY16, 7000, 500), 0);
	cr_assert_not_null(get(ca, "short", 7100));
	apigw_cache_free(ca);
}

Test(lru, many_entries_and_forget_by_function)
{
	struct apigw_cache *ca = apigw_cache_new(1 << 20);
	char key[32];
	int i;

	/* Keys as apigw_cache_key makes them: "FUNCTION\0...". */
	for (i = 0; i < 1000; i++) {
		int n = snprintf(key, sizeof(key), "%s%cGET%c/%d",
		    i % 2 ? "odd" : "even", 0, 0, i);

		cr_assert_eq(apigw_cache_put(ca, key, (size_t)n, NULL, 200,
		    NULL, 0, "b", 1, 0, 1000), 0);
	}
	cr_assert_eq(apigw_cache_count(ca), 1000);
	for (i = 0; i < 1000; i++) {
		int n = snprintf(key, sizeof(key), "%s%cGET%c/%d",
		    i % 2 ? "odd" : "even", 0, 0, i);

		cr_assert_not_null(apigw_cache_get(ca, key, (size_t)n, 1));
	}
	apigw_cache_forget(ca, "odd");
	cr_assert_eq(apigw_cache_count(ca), 500);
	apigw_cache_forget(ca, "eve");	/* a prefix of a name is not it */
	cr_assert_eq(apigw_cache_count(ca), 500);
	apigw_cache_free(ca);
}

Test(etag, strong_stable_and_of_the_body)
{
	char a[APIGW_ETAG_LEN + 1], b[APIGW_ETAG_LEN + 1], c[APIGW_ETAG_LEN + 1];
	struct apigw_cache *ca = apigw_cache_new(1000);
	const struct apigw_cache_entry *e;

	apigw_cache_etag("hello", 5, a);
	apigw_cache_etag("hello", 5, b);
	apigw_cache_etag("hellp", 5, c);
	cr_assert_str_eq(a, b);
	cr_assert_str_neq(a, c);
	cr_assert_eq(strlen(a), APIGW_ETAG_LEN);
	cr_assert_eq(a[0], '"');
	cr_assert_eq(a[APIGW_ETAG_LEN - 1], '"');
	/* The first 128 bits of SHA-256("hello"). */
	cr_assert_str_eq(a, "\"2cf24dba5fb0a30e26e83b2ac5b9e29e\"");
	cr_assert_eq(put(ca, "k", "hello", 0, 1000), 0);
	cr_assert_not_null(e = get(ca, "k", 1));
	cr_assert_str_eq(e->etag, a);
	apigw_cache_free(ca);
}

Test(etag, a_function_s_own_etag_is_kept)
{
	static const struct http_header h[] = {
		{ "Content-Type", 12, "text/plain", 10 },
		{ "etag", 4, "\"v1\"", 4 },
	};
	struct apigw_cache *ca = apigw_cache_new(1000);
	const struct apigw_cache_entry *e;

	cr_assert_eq(apigw_cache_put(ca, "k", 1, NULL, 200, h, 2, "b", 1, 0,
	    1000), 0);
	cr_assert_not_null(e = get(ca, "k", 1));
	cr_assert(e->fn_etag);
	cr_assert_str_eq(e->etag, "\"v1\"");
	cr_assert_eq(e->etag_len, 4);
	cr_assert_eq(e->nhdrs, 2, "sent among the stored headers");
	cr_assert_eq(e->size, 1 + 1 + 22 + 8);
	apigw_cache_free(ca);
}

Test(etag, if_none_match_lists)
{
	const char *t = "\"abc\"";

	cr_assert(apigw_cache_inm_match("\"abc\"", 5, t));
	cr_assert(apigw_cache_inm_match("W/\"abc\"", 7, t), "weak compare");
	cr_assert(apigw_cache_inm_match("\"x\", \"abc\"", 10, t));
	cr_assert(apigw_cache_inm_match("*", 1, t));
	cr_assert_not(apigw_cache_inm_match("\"abcd\"", 6, t));
	cr_assert_not(apigw_cache_inm_match("abc", 3, t), "unquoted");
	cr_assert_not(apigw_cache_inm_match("", 0, t));
	cr_assert(apigw_cache_max_age0("max-age=0", 9));
	cr_assert(apigw_cache_max_age0("no-store, MAX-AGE=0", 19));
	cr_assert_not(apigw_cache_max_age0("max-age=01", 10), "one second");
	cr_assert_not(apigw_cache_max_age0("max-age=10", 10));
	cr_assert_not(apigw_cache_max_age0("s-max-age=0", 11));
	cr_assert_not(apigw_cache_max_age0("no-cache", 8));
}

/* ---- keys and the stage, on a real configuration ------------------------ */


static void
setup(void)
{
	tmpdir_make("test_cache", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

TestSuite(cache, .init = setup, .fini = teardown);

#define FNS "[function a]\nbootstrap = /bin/true\nroute = GET /a\n" \
	"cache_ttl = 30\n" \
	"cache_key = $request.querystring.n, $request.header.X-Lang\n" \
	"[function open]\nbootstrap = /bin/true\nroute = GET /open\n" \
	"cache_ttl = 5\ncache_invalidate = anyone\n" \
	"[function iam]\nbootstrap = /bin/true\nroute = GET /iam\n" \
	"cache_ttl = 5\nauth = aws_iam\n" \
	"[function off]\nbootstrap = /bin/true\nroute = GET /off\n"

Test(cache, config_keys_and_defaults)
{
	struct conf *c = load_ok("cache_size = 2\n", FNS);
	const struct function_conf *a = conf_find(c, "a");

	cr_assert_eq(c->cache_size_mb, 2);
	cr_assert_eq(a->cache_ttl_s, 30);
	cr_assert_eq(a->ncache_key, 2);
	cr_assert_not(a->cache_key[0].header);
	cr_assert_str_eq(a->cache_key[0].name, "n");
	cr_assert(a->cache_key[1].header);
	cr_assert_str_eq(a->cache_key[1].name, "x-lang");
	cr_assert_eq(a->cache_invalidate_anyone, 0, "authorized by default");
	cr_assert_eq(conf_find(c, "open")->cache_invalidate_anyone, 1);
	cr_assert_eq(conf_find(c, "off")->cache_ttl_s, 0, "off by default");
	conf_free(c);
	c = load_ok("", FNS);
	cr_assert_eq(c->cache_size_mb, 64);
	conf_free(c);
}

Test(cache, config_errors)
{
	cr_assert_str_eq(load_err("cache_size = lots\n", FNS),
	    "lambdad.conf:5: cache_size: \"lots\" is not an integer from 0 "
	    "to 65536");
	cr_assert_str_eq(load_err("", FNS "cache_ttl = 3601\n"),
	    "fd/f.conf:19: cache_ttl: \"3601\" is not an integer from 0 to "
	    "3600");
	cr_assert_str_eq(load_err("", FNS "cache_key = $request.path\n"),
	    "fd/f.conf:19: cache_key: \"$request.path\": expected "
	    "$request.querystring.NAME or $request.header.NAME (method and "
	    "path are always part of the key)");
	cr_assert_str_eq(load_err("", FNS "cache_key = $request.header.a:b\n"),
	    "fd/f.conf:19: cache_key: \"$request.header.a:b\": \"a:b\" is not "
	    "a header name");
	cr_assert_str_eq(load_err("", FNS "cache_key = $request.querystring.q "
	    "$request.querystring.q\n"),
	    "fd/f.conf:19: cache_key: \"$request.querystring.q\" is listed "
	    "twice");
	cr_assert_str_eq(load_err("", FNS "cache_key = ,\n"),
	    "fd/f.conf:19: cache_key: expected one or more "
	    "$request.querystring.NAME or $request.header.NAME");
	cr_assert_str_eq(load_err("", FNS "cache_invalidate = everyone\n"),
	    "fd/f.conf:19: cache_invalidate: expected anyone or authorized, "
	    "not \"everyone\"");
	cr_assert_str_eq(load_err("", FNS "[function k]\nbootstrap = /bin/true\n"
	    "cache_key = $request.querystring.q\n"),
	    "fd/f.conf:19: function k: cache_key without cache_ttl caches "
	    "nothing");
}

/* A request the test owns: method, target, up to four headers. */
struct req {
	struct http_request r;
	struct http_header h[4];
	struct route_match m;
};

static void
req_make(struct req *q, const char *method, const char *path,
    const char *query, ...)
{
	va_list ap;
	const char *name;
	size_t n = 0;

	memset(q, 0, sizeof(*q));
	q->r.method = method;
	q->r.path = path;
	q->r.path_len = strlen(path);
	q->r.query = query;
	q->r.query_len = strlen(query);
	va_start(ap, query);
	while (n < 4 && (name = va_arg(ap, const char *)) != NULL) {
		q->h[n].name = name;
		q->h[n].name_len = strlen(name);
		q->h[n].value = va_arg(ap, const char *);
		q->h[n].value_len = strlen(q->h[n].value);
		n++;
	}
	va_end(ap);
	q->r.headers = q->h;
	q->r.nheaders = n;
}

static int
key_eq(const struct function_conf *fn, struct req *x, struct req *y)
{
	struct buf a, b;
	int eq;

	buf_init(&a);
	buf_init(&b);
	apigw_cache_key(fn, &x->r, &a);
	apigw_cache_key(fn, &y->r, &b);
	eq = buf_eq(&a, &b);
	buf_free(&a);
	buf_free(&b);
	return eq;
}

Test(cache, keys_have_the_named_query_and_header_parts)
{
	struct conf *c = load_ok("", FNS);
	const struct function_conf *a = conf_find(c, "a");
	const struct function_conf *open = conf_find(c, "open");
	struct req x, y;

	req_make(&x, "GET", "/a", "n=1&other=1", "X-Lang", "fr", NULL);
	req_make(&y, "GET", "/a", "other=2&n=1", "x-lang", "fr", "Accept",
	    "*/*", NULL);
	cr_assert(key_eq(a, &x, &y), "unnamed parts do not count");
	req_make(&y, "GET", "/a", "n=2", "X-Lang", "fr", NULL);
	cr_assert_not(key_eq(a, &x, &y), "another n");
	req_make(&y, "GET", "/a", "n=1", "X-Lang", "de", NULL);
	cr_assert_not(key_eq(a, &x, &y), "another X-Lang");
	req_make(&y, "HEAD", "/a", "n=1", "X-Lang", "fr", NULL);
	cr_assert_not(key_eq(a, &x, &y), "the method is part of it");
	req_make(&y, "GET", "/a/b", "n=1", "X-Lang", "fr", NULL);
	cr_assert_not(key_eq(a, &x, &y), "the path is part of it");
	req_make(&y, "GET", "/a", "n=1&n=2", "X-Lang", "fr", NULL);
	cr_assert(key_eq(a, &x, &y), "the first value counts");
	req_make(&x, "GET", "/a", "n=", NULL);
	req_make(&y, "GET", "/a", "", NULL);
	cr_assert_not(key_eq(a, &x, &y), "empty is not absent");
	req_make(&y, "GET", "/a", "n", NULL);
	req_make(&x, "GET", "/a", "n=", NULL);
	cr_assert(key_eq(a, &x, &y), "n and n= are both empty");
	/* Without cache_key the query does not count at all. */
	req_make(&x, "GET", "/open", "n=1", NULL);
	req_make(&y, "GET", "/open", "n=2", NULL);
	cr_assert(key_eq(open, &x, &y));
	/* Two functions never share a key. */
	{
		struct buf ka, ko;

		buf_init(&ka);
		buf_init(&ko);
		apigw_cache_key(a, &x.r, &ka);
		apigw_cache_key(open, &x.r, &ko);
		cr_assert_not(buf_eq(&ka, &ko));
		buf_free(&ka);
		buf_free(&ko);
	}
	conf_free(c);
}

/* Run the stage over q for fn at now. */
static int
stage(struct apigw *gw, const struct function_conf *fn, struct req *q,
    uint64_t now, struct metrics_fn *mf, struct apigw_call *c)
{
	q->m.route_key = "GET /x";
	apigw_call_init(c, gw, &q->r, &q->m, fn, now);
	c->mf = mf;
	return apigw_cache(c);
}

/* The function's reply to a call the stage let through. */
static void
reply(struct apigw_call *c, int status, const char *body, uint64_t now)
{
	struct http_header h = { "Content-Type", 12, "text/plain", 10 };
	struct event_reply r = {
		.status = status, .headers = &h, .nheaders = 1,
		.body = (char *)body, .body_len = strlen(body),
	};

	apigw_cache_store(c->reply, &r, now);
}

static const char *
reply_hdr(const struct apigw_reply *x, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; x != NULL && i < x->n; i++)
		if (strcmp(x->name[i], name) == 0) {
			*len = x->len[i];
			return x->text.data + x->off[i];
		}
	return NULL;
}

Test(cache, miss_store_hit_and_304)
{
	struct conf *c = load_ok("", FNS);
	const struct function_conf *a = conf_find(c, "a");
	struct apigw *gw = apigw_new();
	struct metrics *m = metrics_new();
	struct metrics_fn *mf = metrics_fn(m, "a");
	struct apigw_call call;
	char etag[APIGW_ETAG_LEN + 1];
	const char *v;
	struct req q;
	struct buf out;
	size_t n;

	apigw_set_cache(gw, c);
	req_make(&q, "GET", "/a", "n=1", NULL);
	cr_assert_eq(stage(gw, a, &q, 1000, mf, &call), APIGW_PASS);
	cr_assert_not_null(call.reply, "a miss marks the call");
	cr_assert_not_null(call.reply->cache_store);
	reply(&call, 200, "hello", 1200);
	cr_assert_not_null(v = reply_hdr(call.reply, "ETag", &n),
	    "the filling reply carries the ETag");
	apigw_cache_etag("hello", 5, etag);
	cr_assert_eq(n, APIGW_ETAG_LEN);
	cr_assert_eq(memcmp(v, etag, n), 0);
	apigw_reply_free(call.reply);
	cr_assert_eq(apigw_cache_count(apigw_cache_of(gw)), 1);

	/* A hit 3.5 s later: the stored reply, Age 3, the same ETag. */
	cr_assert_eq(stage(gw, a, &q, 4700, mf, &call), APIGW_ANSWER);
	cr_assert(call.own_answer);
	cr_assert_eq(call.status, 200);
	cr_assert_eq(call.body_len, 5);
	cr_assert_eq(memcmp(call.body, "hello", 5), 0);
	cr_assert_eq(call.nhdrs, 1);
	cr_assert_eq(memcmp(call.hdrs[0].value, "text/plain", 10), 0);
	cr_assert_not_null(v = reply_hdr(call.reply, "Age", &n));
	cr_assert_eq(n, 1);
	cr_assert_eq(*v, '3');
	cr_assert_not_null(v = reply_hdr(call.reply, "ETag", &n));
	cr_assert_eq(memcmp(v, etag, n), 0);
	apigw_reply_free(call.reply);

	/* If-None-Match with it: 304 and no body. */
	req_make(&q, "GET", "/a", "n=1", "If-None-Match", etag, NULL);
	cr_assert_eq(stage(gw, a, &q, 4800, mf, &call), APIGW_ANSWER);
	cr_assert_eq(call.status, 304);
	cr_assert_null(call.body);
	cr_assert_eq(call.body_len, 0);
	cr_assert_not_null(reply_hdr(call.reply, "ETag", &n));
	apigw_reply_free(call.reply);
	req_make(&q, "GET", "/a", "n=1", "If-None-Match", "\"other\"", NULL);
	cr_assert_eq(stage(gw, a, &q, 4800, mf, &call), APIGW_ANSWER);
	cr_assert_eq(call.status, 200, "another tag: the full reply");
	apigw_reply_free(call.reply);

	/* Past the TTL (30 s): a miss again. */
	req_make(&q, "GET", "/a", "n=1", NULL);
	cr_assert_eq(stage(gw, a, &q, 31200, mf, &call), APIGW_PASS);
	apigw_reply_free(call.reply);

	buf_init(&out);
	metrics_render(m, NULL, 0, &out);
	buf_addc(&out, '\0');
	cr_assert_not_null(strstr(out.data,
	    "lambdad_apigw_cache_hits_total{function=\"a\"} 3\n"), "%s",
	    out.data);
	cr_assert_not_null(strstr(out.data,
	    "lambdad_apigw_cache_misses_total{function=\"a\"} 2\n"));
	cr_assert_not_null(strstr(out.data,
	    "lambdad_apigw_cache_evictions_total{function=\"a\"} 0\n"));
	cr_assert_not_null(strstr(out.data,
	    "lambdad_apigw_cache_bytes{function=\"a\"} 0\n"),
	    "the expired entry was dropped");
	buf_free(&out);
	apigw_free(gw);
	metrics_free(m);
	conf_free(c);
}

Test(cache, a_function_s_etag_is_the_one_compared)
{
	struct conf *c = load_ok("", FNS);
	const struct function_conf *fn = conf_find(c, "open");
	struct apigw *gw = apigw_new();
	struct http_header h = { "ETag", 4, "\"v7\"", 4 };
	struct event_reply r = {
		.status = 200, .headers = &h, .nheaders = 1,
		.body = "x", .body_len = 1,
	};
	struct apigw_call call;
	struct req q;
	size_t n;

	apigw_set_cache(gw, c);
	req_make(&q, "GET", "/open", "", NULL);
	cr_assert_eq(stage(gw, fn, &q, 0, NULL, &call), APIGW_PASS);
	apigw_cache_store(call.reply, &r, 0);
	cr_assert_null(reply_hdr(call.reply, "ETag", &n), "no second ETag");
	apigw_reply_free(call.reply);
	cr_assert_eq(stage(gw, fn, &q, 1, NULL, &call), APIGW_ANSWER);
	cr_assert_null(reply_hdr(call.reply, "ETag", &n), "it is among hdrs");
	cr_assert_eq(call.nhdrs, 1);
	apigw_reply_free(call.reply);
	req_make(&q, "GET", "/open", "", "If-None-Match", "\"v7\"", NULL);
	cr_assert_eq(stage(gw, fn, &q, 1, NULL, &call), APIGW_ANSWER);
	cr_assert_eq(call.status, 304);
	cr_assert_not_null(reply_hdr(call.reply, "ETag", &n), "the 304 has it");
	apigw_reply_free(call.reply);
	apigw_free(gw);
	conf_free(c);
}

Test(cache, what_is_never_stored)
{
	struct conf *c = load_ok("", FNS);
	const struct function_conf *a = conf_find(c, "a");
	struct apigw *gw = apigw_new();
	struct apigw_call call;
	struct req q;

	apigw_set_cache(gw, c);
	req_make(&q, "POST", "/a", "", NULL);
	cr_assert_eq(stage(gw, a, &q, 0, NULL, &call), APIGW_PASS);
	cr_assert_null(call.reply, "POST is not looked up nor marked");
	req_make(&q, "GET", "/a", "", NULL);
	cr_assert_eq(stage(gw, a, &q, 0, NULL, &call), APIGW_PASS);
	reply(&call, 404, "nope", 0);
	apigw_reply_free(call.reply);
	cr_assert_eq(apigw_cache_count(apigw_cache_of(gw)), 0, "not a 200");
	req_make(&q, "GET", "/off", "", NULL);
	cr_assert_eq(stage(gw, conf_find(c, "off"), &q, 0, NULL, &call),
	    APIGW_PASS);
	cr_assert_null(call.reply, "cache_ttl = 0");
	apigw_free(gw);
	conf_free(c);
}

/* Fill fn's entry for q with body at now. */
static void
fill(struct apigw *gw, const struct function_conf *fn, struct req *q,
    const char *body, uint64_t now)
{
	struct apigw_call call;

	cr_assert_eq(stage(gw, fn, q, now, NULL, &call), APIGW_PASS);
	reply(&call, 200, body, now);
	apigw_reply_free(call.reply);
}

/* The body a request for fn gets from the cache, or NULL on a miss. */
static char *
served(struct apigw *gw, const struct function_conf *fn, struct req *q,
    uint64_t now)
{
	static char body[64];
	struct apigw_call call;

	if (stage(gw, fn, q, now, NULL, &call) == APIGW_PASS) {
		apigw_reply_free(call.reply);
		return NULL;
	}
	snprintf(body, sizeof(body), "%.*s", (int)call.body_len, call.body);
	apigw_reply_free(call.reply);
	return body;
}

Test(cache, max_age_0_refreshes_where_cache_invalidate_allows)
{
	struct conf *c = load_ok("", FNS);
	struct apigw *gw = apigw_new();
	const char *names[] = { "a", "open", "iam" };
	const bool allowed[] = { false, true, true };
	struct req q, fresh;
	size_t i;

	apigw_set_cache(gw, c);
	for (i = 0; i < 3; i++) {
		const struct function_conf *fn = conf_find(c, names[i]);

		req_make(&q, "GET", "/x", "", NULL);
		req_make(&fresh, "GET", "/x", "", "Cache-Control",
		    "max-age=0", NULL);
		fill(gw, fn, &q, "one", 0);
		cr_assert_str_eq(served(gw, fn, &q, 10), "one");
		if (!allowed[i]) {
			/* authorized on a route without auth: ignored. */
			cr_assert_str_eq(served(gw, fn, &fresh, 20), "one",
			    "%s", names[i]);
			continue;
		}
		cr_assert_null(served(gw, fn, &fresh, 20), "%s", names[i]);
		fill(gw, fn, &fresh, "two", 30);
		cr_assert_str_eq(served(gw, fn, &q, 40), "two", "%s",
		    names[i]);
	}
	apigw_free(gw);
	conf_free(c);
}

Test(cache, a_reload_drops_removed_functions_and_pending_stores)
{
	struct conf *c = load_ok("", FNS);
	struct conf *c2;
	struct apigw *gw = apigw_new();
	struct apigw_call call;
	struct req q;

	apigw_set_cache(gw, c);
	req_make(&q, "GET", "/x", "", NULL);
	fill(gw, conf_find(c, "a"), &q, "a1", 0);
	fill(gw, conf_find(c, "open"), &q, "o1", 0);
	fill(gw, conf_find(c, "iam"), &q, "i1", 0);
	/* A miss whose reply comes after the reload. */
	req_make(&q, "GET", "/y", "", NULL);
	cr_assert_eq(stage(gw, conf_find(c, "a"), &q, 0, NULL, &call),
	    APIGW_PASS);
	/* open is gone, iam stops caching, a stays. */
	c2 = load_ok("", "[function a]\nbootstrap = /bin/true\n"
	    "route = GET /a\ncache_ttl = 30\n"
	    "cache_key = $request.querystring.n $request.header.X-Lang\n"
	    "[function iam]\nbootstrap = /bin/true\nroute = GET /iam\n");
	apigw_set_cache(gw, c2);
	cr_assert_eq(apigw_cache_count(apigw_cache_of(gw)), 1);
	reply(&call, 200, "late", 0);
	cr_assert_null(reply_hdr(call.reply, "ETag", &(size_t){ 0 }));
	apigw_reply_free(call.reply);
	cr_assert_eq(apigw_cache_count(apigw_cache_of(gw)), 1,
	    "the store pending across the reload was discarded");
	req_make(&q, "GET", "/x", "", NULL);
	cr_assert_str_eq(served(gw, conf_find(c2, "a"), &q, 1), "a1");
	apigw_free(gw);
	conf_free(c);
	conf_free(c2);
}
