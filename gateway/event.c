/*
 * event: builds API Gateway events from HTTP requests and maps function
 * output back to HTTP replies.  See event.h for the contract and
 * spec/lambda-protocols.md §4 for the formats.
 *
 * The event is written straight into a buf.  Headers and query parameters
 * are first gathered as (key, value) items and stably sorted by key, so
 * repeated keys can be joined (2.0) or listed (1.0) in one pass without an
 * O(n^2) scan over a request that may carry thousands of them.
 *
 * Decisions worth knowing:
 *   - query keys and values are URL-decoded (%XX, and '+' as a space, since
 *     query strings are form-encoded); a broken %-escape is kept as is;
 *     pieces with an empty key are dropped;
 *   - pathParameters are %-decoded ('+' stays: it is literal in a path);
 *   - rawPath and requestContext.http.path are the path as received;
 *   - domainName is the Host header without its port, else "localhost".
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "event.h"

#define EVENT_ACCOUNT	"123456789012"
#define EVENT_API_ID	"lambdad"

/* A key/value item; idx keeps the sort stable. */
struct kv {
	const char	*k;
	size_t		 klen;
	const char	*v;
	size_t		 vlen;
	size_t		 idx;
};

enum kv_mode {
	KV_JOIN,	/* 2.0: one string, values joined with ',' */
	KV_LAST,	/* 1.0 single-value map: the last value wins */
	KV_MULTI	/* 1.0 multi-value map: an array of values */
};

static int
kv_cmp_key(const struct kv *a, const struct kv *b, bool ci)
{
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = ci ? strncasecmp(a->k, b->k, n) : memcmp(a->k, b->k, n);

	if (c == 0 && a->klen != b->klen)
		c = a->klen < b->klen ? -1 : 1;
	return c;
}

static int
kv_sort_ci(const void *pa, const void *pb)
{
	const struct kv *a = pa, *b = pb;
	int c = kv_cmp_key(a, b, true);

	return c != 0 ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

static int
kv_sort_cs(const void *pa, const void *pb)
{
	const struct kv *a = pa, *b = pb;
	int c = kv_cmp_key(a, b, false);

	return c != 0 ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

static bool
name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

static const struct http_header *
req_header(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (name_is(req->headers[i].name, req->headers[i].name_len,
		    name))
			return &req->headers[i];
	return NULL;
}

/*
 * Emit the sorted items as the members of a JSON object (without braces).
 * lower writes keys in lower case; otherwise a group's key is spelt as its
 * first item.
 */
static void
kv_emit(struct buf *out, const struct kv *kv, size_t n, enum kv_mode mode,
    bool ci, bool lower, struct buf *tmp)
{
	size_t i, j, g;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && kv_cmp_key(&kv[i], &kv[j], ci) == 0;
		    j++)
			;
		if (i > 0)
			buf_addc(out, ',');
		buf_reset(tmp);
		buf_add(tmp, kv[i].k, kv[i].klen);
		for (g = 0; lower && g < tmp->len; g++)
			if (tmp->data[g] >= 'A' && tmp->data[g] <= 'Z')
				tmp->data[g] += 'a' - 'A';
		buf_json_str(out, tmp->data != NULL ? tmp->data : "", tmp->len);
		buf_addc(out, ':');
		if (mode == KV_LAST) {
			buf_json_str(out, kv[j - 1].v, kv[j - 1].vlen);
			continue;
		}
		if (mode == KV_MULTI) {
			buf_addc(out, '[');
			for (g = i; g < j; g++) {
				if (g > i)
					buf_addc(out, ',');
				buf_json_str(out, kv[g].v, kv[g].vlen);
			}
			buf_addc(out, ']');
			continue;
		}
		buf_reset(tmp);
		for (g = i; g < j; g++) {
			if (g > i)
				buf_addc(tmp, ',');
			buf_add(tmp, kv[g].v, kv[g].vlen);
		}
		buf_json_str(out, tmp->data != NULL ? tmp->data : "", tmp->len);
	}
}

/* Emit `,"key":{...}` from items, or `,"key":null` / nothing when empty. */
static void
kv_member(struct buf *out, const char *key, struct kv *kv, size_t n,
    enum kv_mode mode, bool ci, bool lower, bool null_if_empty)
{
	struct buf tmp;

	if (n == 0) {
		if (null_if_empty)
			buf_printf(out, ",\"%s\":null", key);
		return;
	}
	qsort(kv, n, sizeof(*kv), ci ? kv_sort_ci : kv_sort_cs);
	buf_init(&tmp);
	buf_printf(out, ",\"%s\":{", key);
	kv_emit(out, kv, n, mode, ci, lower, &tmp);
	buf_addc(out, '}');
	buf_free(&tmp);
}

/* Request headers as items; the Cookie header left out when asked.  The
 * gateway's trace id, when given, replaces the caller's X-Amzn-Trace-Id
 * (the same when it was well-formed), as API Gateway passes it on. */
static struct kv *
headers_items(const struct http_request *req, bool skip_cookie,
    const char *trace, size_t *n)
{
	struct kv *kv = calloc(req->nheaders + 2, sizeof(*kv));
	size_t i;

	if (kv == NULL)
		abort();
	*n = 0;
	if (trace != NULL) {
		kv[0] = (struct kv){ "x-amzn-trace-id", 15, trace,
		    strlen(trace), 0 };
		(*n)++;
	}
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (skip_cookie && name_is(h->name, h->name_len, "cookie"))
			continue;
		if (trace != NULL &&
		    name_is(h->name, h->name_len, "x-amzn-trace-id"))
			continue;
		kv[*n] = (struct kv){ h->name, h->name_len, h->value,
		    h->value_len, *n };
		(*n)++;
	}
	return kv;
}

/*
 * Query parameters as items, decoded into *store (one allocation as big as
 * the query, since decoding never grows text, so pointers stay put).
 */
static struct kv *
query_items(const char *q, size_t qlen, char **store, size_t *n)
{
	struct kv *kv;
	const char *p = q, *end = q + qlen, *amp, *eq;
	char *d;
	size_t cnt = 1, i;

	for (i = 0; i < qlen; i++)
		cnt += q[i] == '&';
	if ((kv = calloc(cnt, sizeof(*kv))) == NULL ||
	    (d = *store = malloc(qlen + 1)) == NULL)
		abort();
	*n = 0;
	for (;; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (eq > p) {		/* "" and "=v" have no key: dropped */
			kv[*n].k = d;
			kv[*n].klen = (size_t)buf_pct_decode(d, p,
			    (size_t)(eq - p), BUF_PCT_PLUS);
			d += kv[*n].klen;
			kv[*n].v = d;
			kv[*n].vlen = eq < amp ? (size_t)buf_pct_decode(d, eq + 1,
			    (size_t)(amp - eq - 1), BUF_PCT_PLUS) : 0;
			d += kv[*n].vlen;
			kv[*n].idx = *n;
			(*n)++;
		}
		if (amp == end)
			break;
	}
	return kv;
}

static void
query_member(struct buf *out, const struct http_request *req, int version)
{
	const char *q = req->query != NULL ? req->query : "";
	struct kv *kv;
	char *store;
	size_t n;

	kv = query_items(q, req->query != NULL ? req->query_len : 0, &store,
	    &n);
	if (version == 2)
		kv_member(out, "queryStringParameters", kv, n, KV_JOIN, false,
		    false, false);
	else {
		kv_member(out, "queryStringParameters", kv, n, KV_LAST, false,
		    false, true);
		kv_member(out, "multiValueQueryStringParameters", kv, n,
		    KV_MULTI, false, false, true);
	}
	free(kv);
	free(store);
}

/* pathParameters: omitted (2.0) or null (1.0) when there are none. */
static void
params_member(struct buf *out, const struct route_match *m, int version)
{
	char *tmp;
	size_t i, len;

	if (m == NULL || m->nparams == 0) {
		if (version == 1)
			buf_adds(out, ",\"pathParameters\":null");
		return;
	}
	buf_adds(out, ",\"pathParameters\":{");
	for (i = 0; i < m->nparams; i++) {
		const struct route_param *p = &m->params[i];

		if ((tmp = malloc(p->value_len + 1)) == NULL)
			abort();
		len = (size_t)buf_pct_decode(tmp, p->value, p->value_len, 0);
		if (i > 0)
			buf_addc(out, ',');
		buf_json_str(out, p->name, strlen(p->name));
		buf_addc(out, ':');
		buf_json_str(out, tmp, len);
		free(tmp);
	}
	buf_addc(out, '}');
}

/* 2.0 cookies[]: every Cookie header split on ';', blanks trimmed. */
static void
cookies_member(struct buf *out, const struct http_request *req)
{
	bool any = false;
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		const char *p = h->value, *end = h->value + h->value_len, *e;

		if (!name_is(h->name, h->name_len, "cookie"))
			continue;
		for (;; p = e + 1) {
			const char *a = p, *z;

			if ((e = memchr(p, ';', (size_t)(end - p))) == NULL)
				e = end;
			for (z = e; a < z && (*a == ' ' || *a == '\t'); a++)
				;
			while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
				z--;
			if (a < z) {
				buf_adds(out, any ? "," : ",\"cookies\":[");
				any = true;
				buf_json_str(out, a, (size_t)(z - a));
			}
			if (e == end)
				break;
		}
	}
	if (any)
		buf_addc(out, ']');
}

/* Text or base64, by the HTTP API rule quoted in event.h. */
static bool
event_body_is_text(const struct http_request *req)
{
	static const char *const text[] = { "application/json",
	    "application/xml", "application/javascript" };
	const struct http_header *h = req_header(req, "content-type");
	const char *p, *e;
	size_t i;

	if (h == NULL)
		return false;
	p = h->value;
	e = memchr(p, ';', h->value_len);
	if (e == NULL)
		e = p + h->value_len;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - p > 5 && strncasecmp(p, "text/", 5) == 0)
		return true;
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		if (name_is(p, (size_t)(e - p), text[i]))
			return true;
	return false;
}

/* `,"body":...,"isBase64Encoded":...`; no body is omitted (2) or null (1). */
static void
body_members(struct buf *out, const struct http_request *req, int version)
{
	bool b64 = false;

	if (req->body_len == 0) {
		if (version == 1)
			buf_adds(out, ",\"body\":null");
	} else {
		b64 = !event_body_is_text(req);
		buf_adds(out, ",\"body\":");
		if (b64) {
			buf_addc(out, '"');
			buf_base64(out, req->body, req->body_len);
			buf_addc(out, '"');
		} else
			buf_json_str(out, req->body, req->body_len);
	}
	buf_printf(out, ",\"isBase64Encoded\":%s", b64 ? "true" : "false");
}

/* "21/Apr/2020:15:08:21 +0000", without locale-dependent strftime. */
static void
event_time(char *dst, size_t size, uint64_t time_ms)
{
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(time_ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(dst, size, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
	    mon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

/* `,"key":"value"`; when value is NULL nothing (2.0) or null (1.0). */
static void
str_member(struct buf *out, const char *key, const char *v, size_t len,
    bool null_if_absent)
{
	if (v == NULL && !null_if_absent)
		return;
	buf_printf(out, ",\"%s\":", key);
	if (v == NULL)
		buf_adds(out, "null");
	else
		buf_json_str(out, v, len);
}

static void
str_member_h(struct buf *out, const char *key, const struct http_header *h,
    bool null_if_absent)
{
	str_member(out, key, h != NULL ? h->value : NULL,
	    h != NULL ? h->value_len : 0, null_if_absent);
}

static void
str_member_s(struct buf *out, const char *key, const char *s,
    bool null_if_absent)
{
	str_member(out, key, s, s != NULL ? strlen(s) : 0, null_if_absent);
}

/* The Host header without its port ("[::1]:80" keeps its brackets). */
static void
event_domain(const struct http_request *req, const char **p, size_t *len)
{
	const struct http_header *h = req_header(req, "host");
	const char *v, *cut;
	size_t n;

	*p = "localhost";
	*len = 9;
	if (h == NULL || h->value_len == 0)
		return;
	v = h->value;
	n = h->value_len;
	if (v[0] == '[') {
		if ((cut = memchr(v, ']', n)) != NULL)
			n = (size_t)(cut - v) + 1;
	} else if ((cut = memchr(v, ':', n)) != NULL)
		n = (size_t)(cut - v);
	if (n > 0) {
		*p = v;
		*len = n;
	}
}

static void
reqctx_v2(struct buf *out, const struct http_request *req,
    const char *route_key, const struct event_ctx *ctx, const char *authz)
{
	const char *dom, *dot;
	size_t dlen;
	char tbuf[128];

	event_domain(req, &dom, &dlen);
	dot = dom[0] == '[' ? NULL : memchr(dom, '.', dlen);
	buf_adds(out, ",\"requestContext\":{\"accountId\":\"" EVENT_ACCOUNT
	    "\",\"apiId\":\"" EVENT_API_ID "\"");
	if (authz != NULL)
		buf_printf(out, ",\"authorizer\":%s", authz);
	else if (ctx->authorizer_jwt != NULL)
		buf_printf(out, ",\"authorizer\":{\"jwt\":%s}",
		    ctx->authorizer_jwt);
	str_member(out, "domainName", dom, dlen, false);
	str_member(out, "domainPrefix", dom,
	    dot != NULL ? (size_t)(dot - dom) : dlen, false);
	buf_adds(out, ",\"http\":{\"method\":");
	buf_json_str(out, req->method, strlen(req->method));
	str_member(out, "path", req->path, req->path_len, false);
	buf_printf(out, ",\"protocol\":\"HTTP/1.%d\"", req->http_minor);
	str_member_s(out, "sourceIp", ctx->source_ip, false);
	str_member_h(out, "userAgent", req_header(req, "user-agent"), false);
	buf_addc(out, '}');
	str_member_s(out, "requestId", ctx->request_id, false);
	str_member_s(out, "routeKey", route_key, false);
	str_member_s(out, "stage", ctx->stage ? ctx->stage : "$default",
	    false);
	event_time(tbuf, sizeof(tbuf), ctx->time_ms);
	str_member_s(out, "time", tbuf, false);
	buf_printf(out, ",\"timeEpoch\":%llu}",
	    (unsigned long long)ctx->time_ms);
}

/* stageVariables: an object, or (none) absent in 2.0 and null in 1.0. */
static void
stage_vars_member(struct buf *out, const struct event_ctx *ctx, int version)
{
	const char *eq;
	size_t i;

	if (ctx->nstage_vars == 0) {
		if (version == 1)
			buf_adds(out, ",\"stageVariables\":null");
		return;
	}
	buf_adds(out, ",\"stageVariables\":{");
	for (i = 0; i < ctx->nstage_vars; i++) {
		eq = strchr(ctx->stage_vars[i], '=');
		if (i > 0)
			buf_addc(out, ',');
		buf_json_str(out, ctx->stage_vars[i],
		    (size_t)(eq - ctx->stage_vars[i]));
		buf_addc(out, ':');
		buf_json_str(out, eq + 1, strlen(eq + 1));
	}
	buf_addc(out, '}');
}

static void
event_build_v2(struct buf *out, const struct http_request *req,
    const struct route_match *m, const struct event_ctx *ctx,
    const char *authz)
{
	const char *route_key = m != NULL ? m->route_key : "$default";
	struct kv *kv;
	size_t n;

	buf_adds(out, "{\"version\":\"2.0\"");
	str_member_s(out, "routeKey", route_key, false);
	str_member(out, "rawPath", req->path, req->path_len, false);
	str_member(out, "rawQueryString", req->query ? req->query : "",
	    req->query ? req->query_len : 0, false);
	cookies_member(out, req);
	kv = headers_items(req, true, ctx->trace_id, &n);
	kv_member(out, "headers", kv, n, KV_JOIN, true, true, false);
	free(kv);
	query_member(out, req, 2);
	params_member(out, m, 2);
	stage_vars_member(out, ctx, 2);
	reqctx_v2(out, req, route_key, ctx, authz);
	body_members(out, req, 2);
	buf_addc(out, '}');
}

static void
reqctx_v1(struct buf *out, const struct http_request *req,
    const char *resource, const struct event_ctx *ctx, const char *authz)
{
	const char *dom;
	size_t dlen;
	char tbuf[128];

	buf_adds(out, ",\"requestContext\":{\"accountId\":\"" EVENT_ACCOUNT
	    "\",\"apiId\":\"" EVENT_API_ID "\"");
	if (authz != NULL || ctx->authorizer_jwt != NULL)
		buf_printf(out, ",\"authorizer\":%s", authz != NULL ? authz :
		    ctx->authorizer_jwt);
	str_member_s(out, "resourcePath", resource, true);
	str_member_s(out, "httpMethod", req->method, true);
	str_member(out, "path", req->path, req->path_len, true);
	buf_printf(out, ",\"protocol\":\"HTTP/1.%d\"", req->http_minor);
	str_member_s(out, "stage", ctx->stage ? ctx->stage : "$default",
	    true);
	str_member_s(out, "requestId", ctx->request_id, true);
	buf_adds(out, ",\"identity\":{\"sourceIp\":");
	if (ctx->source_ip != NULL)
		buf_json_str(out, ctx->source_ip, strlen(ctx->source_ip));
	else
		buf_adds(out, "null");
	str_member_h(out, "userAgent", req_header(req, "user-agent"), true);
	if (ctx->api_key_id != NULL) {
		str_member_h(out, "apiKey", req_header(req, "x-api-key"), true);
		str_member_s(out, "apiKeyId", ctx->api_key_id, true);
	}
	buf_addc(out, '}');
	event_time(tbuf, sizeof(tbuf), ctx->time_ms);
	str_member_s(out, "requestTime", tbuf, true);
	buf_printf(out, ",\"requestTimeEpoch\":%llu",
	    (unsigned long long)ctx->time_ms);
	event_domain(req, &dom, &dlen);
	str_member(out, "domainName", dom, dlen, true);
	buf_addc(out, '}');
}

static void
event_build_v1(struct buf *out, const struct http_request *req,
    const struct route_match *m, const struct event_ctx *ctx,
    const char *authz)
{
	const char *resource = m != NULL ? m->resource : "$default";
	struct kv *kv;
	size_t n;

	buf_adds(out, "{\"version\":\"1.0\"");
	str_member_s(out, "resource", resource, true);
	str_member(out, "path", req->path, req->path_len, true);
	str_member_s(out, "httpMethod", req->method, true);
	kv = headers_items(req, false, ctx->trace_id, &n);
	kv_member(out, "headers", kv, n, KV_LAST, true, false, true);
	kv_member(out, "multiValueHeaders", kv, n, KV_MULTI, true, false,
	    true);
	free(kv);
	query_member(out, req, 1);
	params_member(out, m, 1);
	stage_vars_member(out, ctx, 1);
	reqctx_v1(out, req, resource, ctx, authz);
	body_members(out, req, 1);
	buf_addc(out, '}');
}

void
event_build(struct buf *out, int version, const struct http_request *req,
    const struct route_match *m, const struct event_ctx *ctx)
{
	event_build_auth(out, version, req, m, ctx, NULL);
}

void
event_build_auth(struct buf *out, int version, const struct http_request *req,
    const struct route_match *m, const struct event_ctx *ctx,
    const char *authorizer)
{
	if (version == 1)
		event_build_v1(out, req, m, ctx, authorizer);
	else
		event_build_v2(out, req, m, ctx, authorizer);
}

/* ---- function output -> HTTP reply ------------------------------------ */

/* A header being collected: offsets into the reply's store. */
struct hdr_ref {
	size_t		 name, name_len, value, value_len;
};

struct reply_build {
	struct event_reply *r;
	struct hdr_ref	*refs;
	size_t		 nrefs, cap;
	bool		 has_type;
	const char	*why;
};

/*
 * Headers that frame the message or belong to the connection are http.c's
 * to write (it adds Content-Length, Connection and Date itself); letting a
 * function set them would allow a second, conflicting Content-Length.
 */
static bool
reply_header_reserved(const char *name)
{
	static const char *const reserved[] = { "content-length",
	    "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
	    "trailer", "proxy-connection", "date" };
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return true;
	return false;
}

static bool
reply_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", *s) != NULL))
			return false;
	return true;
}

/* No CR, LF or other control byte but tab: they would split the header. */
static bool
reply_value_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

static int
reply_add(struct reply_build *rb, const char *name, const char *value)
{
	struct buf *st = &rb->r->store;
	struct hdr_ref *ref;

	if (!reply_name_ok(name)) {
		rb->why = "bad header name in function reply";
		return -EINVAL;
	}
	if (!reply_value_ok(value)) {
		rb->why = "control character in a header value of the "
		    "function reply";
		return -EINVAL;
	}
	if (reply_header_reserved(name))
		return 0;
	if (strcasecmp(name, "content-type") == 0)
		rb->has_type = true;
	if (rb->nrefs == rb->cap) {
		rb->cap = rb->cap ? rb->cap * 2 : 8;
		rb->refs = realloc(rb->refs, rb->cap * sizeof(*rb->refs));
		if (rb->refs == NULL)
			abort();
	}
	ref = &rb->refs[rb->nrefs++];
	ref->name = st->len;
	ref->name_len = strlen(name);
	buf_add(st, name, ref->name_len + 1);
	ref->value = st->len;
	ref->value_len = strlen(value);
	buf_add(st, value, ref->value_len + 1);
	return 0;
}

/* A JSON scalar as header text; objects and arrays are malformed. */
static int
reply_scalar(const cJSON *v, char *tmp, size_t size, const char **text)
{
	double d;

	if (cJSON_IsString(v)) {
		*text = v->valuestring;
	} else if (cJSON_IsBool(v)) {
		*text = cJSON_IsTrue(v) ? "true" : "false";
	} else if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 1e15)
			snprintf(tmp, size, "%.0f", d);
		else
			snprintf(tmp, size, "%.17g", d);
		*text = tmp;
	} else
		return -EINVAL;
	return 0;
}

static int
reply_headers(struct reply_build *rb, const cJSON *hdrs, const cJSON *mvh)
{
	const cJSON *h, *v;
	const char *text;
	char tmp[64];

	cJSON_ArrayForEach(h, hdrs) {
		if (cJSON_IsNull(h))
			continue;
		/* multiValueHeaders wins a clash (cJSON matches any case). */
		if (cJSON_GetObjectItem(mvh, h->string) != NULL)
			continue;
		if (reply_scalar(h, tmp, sizeof(tmp), &text) != 0) {
			rb->why = "a header value must be a string, number or "
			    "boolean";
			return -EINVAL;
		}
		if (reply_add(rb, h->string, text) != 0)
			return -EINVAL;
	}
	cJSON_ArrayForEach(h, mvh) {
		if (cJSON_IsNull(h))
			continue;
		if (!cJSON_IsArray(h)) {
			rb->why = "multiValueHeaders values must be arrays";
			return -EINVAL;
		}
		cJSON_ArrayForEach(v, h) {
			if (reply_scalar(v, tmp, sizeof(tmp), &text) != 0) {
				rb->why = "a header value must be a string, "
				    "number or boolean";
				return -EINVAL;
			}
			if (reply_add(rb, h->string, text) != 0)
				return -EINVAL;
		}
	}
	return 0;
}

static int
reply_cookies(struct reply_build *rb, const cJSON *cookies)
{
	const cJSON *c;

	if (cookies == NULL || cJSON_IsNull(cookies))
		return 0;
	if (!cJSON_IsArray(cookies)) {
		rb->why = "cookies must be an array of strings";
		return -EINVAL;
	}
	cJSON_ArrayForEach(c, cookies) {
		if (!cJSON_IsString(c)) {
			rb->why = "cookies must be an array of strings";
			return -EINVAL;
		}
		if (reply_add(rb, "Set-Cookie", c->valuestring) != 0)
			return -EINVAL;
	}
	return 0;
}

static int
reply_body(struct reply_build *rb, const cJSON *body, bool b64)
{
	struct event_reply *r = rb->r;
	struct buf out;
	const char *s;

	if (body == NULL || cJSON_IsNull(body))
		s = "";
	else if (cJSON_IsString(body))
		s = body->valuestring;
	else {
		rb->why = "body must be a string";
		return -EINVAL;
	}
	buf_init(&out);
	if (b64 && buf_unbase64(&out, s, strlen(s)) != 0) {
		buf_free(&out);
		rb->why = "body is not valid base64 although isBase64Encoded "
		    "is true";
		return -EINVAL;
	}
	if (!b64)
		buf_adds(&out, s);
	r->body = buf_steal(&out, &r->body_len);
	return 0;
}

static int
reply_status(struct reply_build *rb, const cJSON *sc)
{
	double d = cJSON_IsNumber(sc) ? sc->valuedouble : 0;

	if (d != floor(d) || d < 100 || d > 599) {
		rb->why = "statusCode must be an integer from 100 to 599";
		return -EINVAL;
	}
	rb->r->status = (int)d;
	return 0;
}

static int
reply_from_object(struct reply_build *rb, int version, const cJSON *o)
{
	const cJSON *hdrs, *mvh;

	hdrs = cJSON_GetObjectItemCaseSensitive(o, "headers");
	mvh = cJSON_GetObjectItemCaseSensitive(o, "multiValueHeaders");
	if (reply_status(rb, cJSON_GetObjectItemCaseSensitive(o,
	    "statusCode")) != 0)
		return -EINVAL;
	if ((hdrs != NULL && !cJSON_IsNull(hdrs) && !cJSON_IsObject(hdrs)) ||
	    (mvh != NULL && !cJSON_IsNull(mvh) && !cJSON_IsObject(mvh))) {
		rb->why = "headers and multiValueHeaders must be objects";
		return -EINVAL;
	}
	if (reply_headers(rb, cJSON_IsObject(hdrs) ? hdrs : NULL,
	    cJSON_IsObject(mvh) ? mvh : NULL) != 0)
		return -EINVAL;
	/* Payload 1.0 has no cookies field: REST functions set Set-Cookie. */
	if (version == 2 && reply_cookies(rb,
	    cJSON_GetObjectItemCaseSensitive(o, "cookies")) != 0)
		return -EINVAL;
	return reply_body(rb, cJSON_GetObjectItemCaseSensitive(o, "body"),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
	    "isBase64Encoded")));
}

/* Any valid JSON that is not a statusCode object: sent as it came. */
static void
reply_raw(struct reply_build *rb, const char *out, size_t len)
{
	struct event_reply *r = rb->r;

	r->status = 200;
	if ((r->body = malloc(len + 1)) == NULL)
		abort();
	memcpy(r->body, out, len);
	r->body[len] = '\0';
	r->body_len = len;
	reply_add(rb, "Content-Type", "application/json");
}

/* Point the headers into the store, now that it no longer moves. */
static void
reply_finish(struct reply_build *rb)
{
	struct event_reply *r = rb->r;
	size_t i;

	r->nheaders = rb->nrefs;
	if ((r->headers = calloc(rb->nrefs + 1, sizeof(*r->headers))) == NULL)
		abort();
	for (i = 0; i < rb->nrefs; i++) {
		r->headers[i].name = r->store.data + rb->refs[i].name;
		r->headers[i].name_len = rb->refs[i].name_len;
		r->headers[i].value = r->store.data + rb->refs[i].value;
		r->headers[i].value_len = rb->refs[i].value_len;
	}
}

/* Parse all of out as one JSON value; trailing blanks only. */
static cJSON *
reply_parse(const char *out, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	if (len == 0)
		return NULL;
	root = cJSON_ParseWithLengthOpts(out, len, &end, 0);
	if (root == NULL)
		return NULL;
	for (; end != NULL && end < out + len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\r' &&
		    *end != '\n') {
			cJSON_Delete(root);
			return NULL;
		}
	return root;
}

int
event_map_reply(int version, const char *out, size_t len,
    struct event_reply *r, const char **why)
{
	struct reply_build rb = { .r = r };
	const char *dummy;
	cJSON *root;
	int rc = 0;

	if (why == NULL)
		why = &dummy;
	memset(r, 0, sizeof(*r));
	buf_init(&r->store);
	if ((root = reply_parse(out, len)) == NULL) {
		*why = "function output is not valid JSON";
		return -EINVAL;
	}
	if (cJSON_IsObject(root) &&
	    cJSON_GetObjectItemCaseSensitive(root, "statusCode") != NULL)
		rc = reply_from_object(&rb, version, root);
	else if (version == 1) {
		rb.why = "a payload 1.0 reply must be an object with statusCode";
		rc = -EINVAL;
	} else
		reply_raw(&rb, out, len);
	/*
	 * No Content-Type given: say application/json, as API Gateway does
	 * for the inferred format, so both reply forms behave alike and
	 * clients do not have to sniff; most functions answer JSON.  An
	 * empty body (a 204, a redirect) gets no type.
	 */
	if (rc == 0 && !rb.has_type && r->body_len > 0)
		reply_add(&rb, "Content-Type", "application/json");
	cJSON_Delete(root);
	if (rc != 0) {
		*why = rb.why;
		free(rb.refs);
		event_reply_free(r);
		return rc;
	}
	reply_finish(&rb);
	free(rb.refs);
	return 0;
}

void
event_reply_free(struct event_reply *r)
{
	if (r == NULL)
		return;
	free(r->headers);
	free(r->body);
	buf_free(&r->store);
	r->headers = NULL;
	r->nheaders = 0;
	r->body = NULL;
	r->body_len = 0;
}
