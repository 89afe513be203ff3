/*
 * Unit tests for gateway/event.c: API Gateway 2.0 and 1.0 events built from
 * hand-made requests and parsed back with cJSON, and function output mapped
 * to replies (spec/lambda-protocols.md §4, checklist items 35-41).  Cases
 * are tables where the behaviour is a mapping (content types, query
 * strings, reply shapes).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <criterion/criterion.h>

#include "event.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXH 64

/* A request built by hand; names and values point at string literals. */
struct req {
	struct http_request r;
	struct http_header h[MAXH];
	char		 target[1024];
	char		 path[1024];
};

/* hdrs: "Name", "value", ..., NULL.  body may hold NULs (body_len). */
static void
req_make(struct req *q, const char *method, const char *target,
    const char *const *hdrs, const char *body, size_t body_len)
{
	const char *qm;
	size_t n = 0;

	memset(q, 0, sizeof(*q));
	snprintf(q->target, sizeof(q->target), "%s", target);
	snprintf(q->path, sizeof(q->path), "%s", target);
	if ((qm = strchr(target, '?')) != NULL)
		q->path[qm - target] = '\0';
	q->r.method = method;
	q->r.target = q->target;
	q->r.target_len = strlen(q->target);
	q->r.path = q->path;
	q->r.path_len = strlen(q->path);
	q->r.query = qm != NULL ? q->target + (qm - target) + 1 : "";
	q->r.query_len = strlen(q->r.query);
	for (; hdrs != NULL && hdrs[2 * n] != NULL; n++) {
		cr_assert_lt(n, MAXH);
		q->h[n].name = hdrs[2 * n];
		q->h[n].name_len = strlen(hdrs[2 * n]);
		q->h[n].value = hdrs[2 * n + 1];
		q->h[n].value_len = strlen(hdrs[2 * n + 1]);
	}
	q->r.headers = q->h;
	q->r.nheaders = n;
	q->r.body = body != NULL ? body : "";
	q->r.body_len = body != NULL ? body_len : 0;
	q->r.http_minor = 1;
}

/* Route the request through a one-route table, build, parse. */
static cJSON *
build(int version, const char *spec, const struct req *q,
    const struct event_ctx *ctx)
{
	static const struct event_ctx dflt = { .request_id = "req-1", .time_ms = 1587481701000ULL,
	    .source_ip = "203.0.113.9" };
	struct route_table *rt = route_table_new();
	struct route_match m;
	struct buf b;
	cJSON *j;

	cr_assert_eq(route_add(rt, spec, NULL, NULL), 0, "%s", spec);
	cr_assert_eq(route_lookup(rt, q->r.method, q->r.path, q->r.path_len,
	    &m), 0, "%s does not match %s", spec, q->r.path);
	buf_init(&b);
	event_build(&b, version, &q->r, &m, ctx != NULL ? ctx : &dflt);
	j = cJSON_ParseWithLength(b.data, b.len);
	cr_assert_not_null(j, "not JSON: %s", b.data);
	cr_assert(cJSON_IsObject(j));
	buf_free(&b);
	route_table_free(rt);
	return j;
}

/* The value at a dotted path ("requestContext.http.method"), or NULL. */
static const cJSON *
at(const cJSON *j, const char *path)
{
	char key[128];
	const char *dot;

	while (j != NULL && *path != '\0') {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s",
		    (int)(dot ? (size_t)(dot - path) : strlen(path)), path);
		j = cJSON_GetObjectItemCaseSensitive(j, key);
		path = dot ? dot + 1 : path + strlen(path);
	}
	return j;
}

static void
expect_str(const cJSON *j, const char *path, const char *want)
{
	const cJSON *v = at(j, path);

	cr_expect(cJSON_IsString(v), "%s: not a string", path);
	if (cJSON_IsString(v))
		cr_expect_str_eq(v->valuestring, want, "%s = \"%s\", want "
		    "\"%s\"", path, v->valuestring, want);
}

static void
expect_absent(const cJSON *j, const char *path)
{
	cr_expect_null(at(j, path), "%s should be absent", path);
}

static void
expect_null(const cJSON *j, const char *path)
{
	cr_expect(cJSON_IsNull(at(j, path)), "%s should be null", path);
}

static void
expect_bool(const cJSON *j, const char *path, bool want)
{
	const cJSON *v = at(j, path);

	cr_expect(cJSON_IsBool(v) && cJSON_IsTrue(v) == want,
	    "%s should be %s", path, want ? "true" : "false");
}

/* An array of strings equal to want (NULL-terminated). */
static void
expect_strs(const cJSON *j, const char *path, const char *const *want)
{
	const cJSON *v = at(j, path);
	size_t n;

	cr_assert(cJSON_IsArray(v), "%s: not an array", path);
	for (n = 0; want[n] != NULL; n++) {
		const cJSON *e = cJSON_GetArrayItem(v, (int)n);

		cr_assert(cJSON_IsString(e), "%s[%zu] missing", path, n);
		cr_expect_str_eq(e->valuestring, want[n], "%s[%zu]", path, n);
	}
	cr_expect_eq((size_t)cJSON_GetArraySize(v), n, "%s size", path);
}

/* ---- payload 2.0 ------------------------------------------------------------ */

/* Checklist 35: routeKey, rawPath, rawQueryString, headers, method. */
Test(event_v2, full_request)
{
	static const char *const hdrs[] = {
		"Host", "api.example.com:8080", "User-Agent", "curl/8.0",
		"X-Multi", "a", "Cookie", "c1=v1; c2=v2", "x-multi", "b",
		"Content-Type", "application/json", NULL,
	};
	static const char *const cookies[] = { "c1=v1", "c2=v2", NULL };
	struct req q;
	cJSON *j;

	req_make(&q, "POST", "/pets/42?a=1&b=2", hdrs, "{\"x\":1}", 7);
	j = build(2, "POST /pets/{id}", &q, NULL);
	expect_str(j, "version", "2.0");
	expect_str(j, "routeKey", "POST /pets/{id}");
	expect_str(j, "rawPath", "/pets/42");
	expect_str(j, "rawQueryString", "a=1&b=2");
	expect_strs(j, "cookies", cookies);
	expect_str(j, "headers.host", "api.example.com:8080");
	expect_str(j, "headers.user-agent", "curl/8.0");
	expect_str(j, "headers.x-multi", "a,b");
	expect_str(j, "headers.content-type", "application/json");
	expect_absent(j, "headers.cookie");
	expect_absent(j, "headers.Host");
	expect_str(j, "queryStringParameters.a", "1");
	expect_str(j, "queryStringParameters.b", "2");
	expect_str(j, "pathParameters.id", "42");
	expect_absent(j, "stageVariables");
	expect_str(j, "requestContext.accountId", "123456789012");
	expect_str(j, "requestContext.apiId", "lambdad");
	expect_str(j, "requestContext.domainName", "api.example.com");
	expect_str(j, "requestContext.domainPrefix", "api");
	expect_str(j, "requestContext.http.method", "POST");
	expect_str(j, "requestContext.http.path", "/pets/42");
	expect_str(j, "requestContext.http.protocol", "HTTP/1.1");
	expect_str(j, "requestContext.http.sourceIp", "203.0.113.9");
	expect_str(j, "requestContext.http.userAgent", "curl/8.0");
	expect_str(j, "requestContext.requestId", "req-1");
	expect_str(j, "requestContext.routeKey", "POST /pets/{id}");
	expect_str(j, "requestContext.stage", "$default");
	expect_str(j, "requestContext.time", "21/Apr/2020:15:08:21 +0000");
	cr_expect_eq(at(j, "requestContext.timeEpoch")->valuedouble,
	    1587481701000.0);
	expect_str(j, "body", "{\"x\":1}");
	expect_bool(j, "isBase64Encoded", false);
	cJSON_Delete(j);
}

/* Keys with no value are left out, never null. */
Test(event_v2, absent_things_are_omitted)
{
	static const struct event_ctx ctx = { .stage = "prod" };
	struct req q;
	cJSON *j, *c;

	req_make(&q, "GET", "/", NULL, NULL, 0);
	q.r.http_minor = 0;
	j = build(2, "$default", &q, &ctx);
	expect_str(j, "routeKey", "$default");
	expect_str(j, "rawPath", "/");
	expect_str(j, "rawQueryString", "");
	expect_absent(j, "cookies");
	expect_absent(j, "headers");
	expect_absent(j, "queryStringParameters");
	expect_absent(j, "pathParameters");
	expect_absent(j, "body");
	expect_absent(j, "requestContext.http.userAgent");
	expect_absent(j, "requestContext.http.sourceIp");
	expect_absent(j, "requestContext.requestId");
	expect_str(j, "requestContext.domainName", "localhost");
	expect_str(j, "requestContext.domainPrefix", "localhost");
	expect_str(j, "requestContext.http.protocol", "HTTP/1.0");
	expect_str(j, "requestContext.stage", "prod");
	expect_str(j, "requestContext.time", "01/Jan/1970:00:00:00 +0000");
	expect_bool(j, "isBase64Encoded", false);
	/* no null anywhere at the top level */
	cJSON_ArrayForEach(c, j)
		cr_expect(!cJSON_IsNull(c), "%s is null", c->string);
	cJSON_Delete(j);
}

/* stage_variable lines: stageVariables in both payloads. */
Test(event, stage_variables)
{
	static const char *const vars[] = { "color=blue", "url=https://x/?a=b" };
	static const struct event_ctx ctx = { .stage = "prod",
	    .stage_vars = vars, .nstage_vars = 2 };
	static const struct event_ctx none = { .stage = "prod" };
	struct req q;
	cJSON *j;
	int v;

	for (v = 1; v <= 2; v++) {
		req_make(&q, "GET", "/", NULL, NULL, 0);
		j = build(v, "$default", &q, &ctx);
		expect_str(j, "stageVariables.color", "blue");
		expect_str(j, "stageVariables.url", "https://x/?a=b");
		expect_str(j, "requestContext.stage", "prod");
		cJSON_Delete(j);
	}
	req_make(&q, "GET", "/", NULL, NULL, 0);
	j = build(1, "$default", &q, &none);
	cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "stageVariables")),
	    "1.0 without stage variables: null");
	cJSON_Delete(j);
}

Test(event_v2, query_string_decoding)
{
	static const struct {
		const char *query, *key, *want;	/* want NULL: key absent */
	} rows[] = {
		{ "a=%20x+y", "a", " x y" },
		{ "k", "k", "" },
		{ "k=", "k", "" },
		{ "k=1&k=2&k=3", "k", "1,2,3" },
		{ "k=1&j=0&k=2", "k", "1,2" },
		{ "=v", "", NULL },
		{ "a=%zz%4", "a", "%zz%4" },
		{ "&&a=1&", "a", "1" },
		{ "x=1=2", "x", "1=2" },
		{ "%41%42=b", "AB", "b" },
		{ "a%3Db=c", "a=b", "c" },
		{ "q=caf%C3%A9", "q", "caf\xc3\xa9" },
		{ "Q=1&q=2", "q", "2" },
		{ "u=a%26b", "u", "a&b" },
	};
	char target[256];
	struct req q;
	size_t i;
	cJSON *j;

	for (i = 0; i < NELEM(rows); i++) {
		const cJSON *qs, *v;

		snprintf(target, sizeof(target), "/q?%s", rows[i].query);
		req_make(&q, "GET", target, NULL, NULL, 0);
		j = build(2, "GET /q", &q, NULL);
		expect_str(j, "rawQueryString", rows[i].query);
		qs = at(j, "queryStringParameters");
		v = cJSON_GetObjectItemCaseSensitive(qs, rows[i].key);
		if (rows[i].want == NULL)
			cr_expect_null(v, "%s: key \"%s\" present",
			    rows[i].query, rows[i].key);
		else if (!cJSON_IsString(v))
			cr_expect_fail("%s: no \"%s\"", rows[i].query,
			    rows[i].key);
		else
			cr_expect_str_eq(v->valuestring, rows[i].want, "%s",
			    rows[i].query);
		cJSON_Delete(j);
	}
}

/* Checklist 36: the base64 rule, per Content-Type. */
Test(event_v2, body_base64_by_content_type)
{
	static const struct {
		const char *type;	/* NULL: no Content-Type header */
		bool b64;
	} rows[] = {
		{ "application/octet-stream", true },
		{ "application/json", false },
		{ "application/json; charset=utf-8", false },
		{ "Application/JSON", false },
		{ "text/plain", false },
		{ "Text/HTML;charset=x", false },
		{ "text/csv", false },
		{ "application/xml", false },
		{ "application/javascript", false },
		{ "application/x-www-form-urlencoded", true },
		{ "multipart/form-data; boundary=x", true },
		{ "image/png", true },
		{ "application/jsonp", true },
		{ "application/json-patch+json", true },
		{ "text/", true },
		{ "", true },
		{ NULL, true },
	};
	static const char body[] = "b\0dy\xff\"x";
	const char *hdrs[3];
	struct req q;
	struct buf dec;
	size_t i;
	cJSON *j;

	for (i = 0; i < NELEM(rows); i++) {
		const cJSON *b;

		hdrs[0] = rows[i].type ? "Content-Type" : NULL;
		hdrs[1] = rows[i].type;
		hdrs[2] = NULL;
		req_make(&q, "POST", "/b", hdrs, body, sizeof(body) - 1);
		j = build(2, "POST /b", &q, NULL);
		expect_bool(j, "isBase64Encoded", rows[i].b64);
		b = at(j, "body");
		cr_assert(cJSON_IsString(b), "%s: no body", rows[i].type);
		buf_init(&dec);
		if (rows[i].b64) {
			cr_expect_eq(buf_unbase64(&dec, b->valuestring,
			    strlen(b->valuestring)), 0);
			cr_expect_eq(dec.len, sizeof(body) - 1, "%s",
			    rows[i].type);
			cr_expect(dec.len == sizeof(body) - 1 &&
			    memcmp(dec.data, body, dec.len) == 0, "%s",
			    rows[i].type);
		} else	/* cJSON stops at the escaped NUL: compare up to it */
			cr_expect_str_eq(b->valuestring, "b", "%s",
			    rows[i].type);
		buf_free(&dec);
		cJSON_Delete(j);
	}
}

/* Text bodies and header values survive any bytes, escaped. */
Test(event_v2, json_escaping)
{
	static const char weird[] = "q\"uo\\te\ttab\x01\x1f ctl \xc3\xa9 </x>";
	static const char *const hdrs[] = {
		"X-Weird", weird, "Content-Type", "text/plain",
		"X-\"Name", "v", NULL,
	};
	static const char body[] = "line1\nline2\r\n\"q\" \\ \x7f";
	struct req q;
	cJSON *j;

	req_make(&q, "POST", "/e?k=%22%5C%0A", hdrs, body, sizeof(body) - 1);
	j = build(2, "POST /e", &q, NULL);
	expect_str(j, "headers.x-weird", weird);
	expect_str(j, "headers.x-\"name", "v");
	expect_str(j, "body", body);
	expect_str(j, "queryStringParameters.k", "\"\\\n");
	cJSON_Delete(j);
}

Test(event_v2, headers_lowercased_and_joined_in_order)
{
	static const char *const hdrs[] = {
		"X-A", "1", "Accept", "text/html", "x-a", "2", "X-a", "3",
		"ACCEPT", "*/*", "Empty", "", NULL,
	};
	struct req q;
	cJSON *j;

	req_make(&q, "GET", "/h", hdrs, NULL, 0);
	j = build(2, "GET /h", &q, NULL);
	expect_str(j, "headers.x-a", "1,2,3");
	expect_str(j, "headers.accept", "text/html,*/*");
	expect_str(j, "headers.empty", "");
	cr_expect_eq(cJSON_GetArraySize(at(j, "headers")), 3);
	cJSON_Delete(j);
}

Test(event_v2, cookies_from_every_cookie_header)
{
	static const struct {
		const char *const hdrs[7];
		const char *const want[6];	/* NULL-terminated; empty: absent */
	} rows[] = {
		{ { "Cookie", "a=1; b=2", NULL }, { "a=1", "b=2", NULL } },
		{ { "Cookie", "a=1;b=2", NULL }, { "a=1", "b=2", NULL } },
		{ { "cookie", ";;  c=3 ;", NULL }, { "c=3", NULL } },
		{ { "Cookie", "a=1", "COOKIE", "b=2; c=\"x y\"", NULL },
		    { "a=1", "b=2", "c=\"x y\"", NULL } },
		{ { "Cookie", "", NULL }, { NULL } },
		{ { "Cookie", " ; ", NULL }, { NULL } },
	};
	struct req q;
	size_t i;
	cJSON *j;

	for (i = 0; i < NELEM(rows); i++) {
		req_make(&q, "GET", "/c", rows[i].hdrs, NULL, 0);
		j = build(2, "GET /c", &q, NULL);
		if (rows[i].want[0] == NULL)
			expect_absent(j, "cookies");
		else
			expect_strs(j, "cookies", rows[i].want);
		expect_absent(j, "headers.cookie");
		cJSON_Delete(j);
	}
}

Test(event_v2, path_parameters_greedy_and_decoded)
{
	struct req q;
	cJSON *j;

	req_make(&q, "GET", "/files/cat/1", NULL, NULL, 0);
	j = build(2, "GET /files/{proxy+}", &q, NULL);
	expect_str(j, "pathParameters.proxy", "cat/1");
	expect_str(j, "routeKey", "GET /files/{proxy+}");
	cJSON_Delete(j);

	req_make(&q, "GET", "/u/a%20b+c/x%2Fy", NULL, NULL, 0);
	j = build(2, "GET /u/{name}/{rest+}", &q, NULL);
	expect_str(j, "pathParameters.name", "a b+c");
	expect_str(j, "pathParameters.rest", "x/y");
	expect_str(j, "rawPath", "/u/a%20b+c/x%2Fy");
	cJSON_Delete(j);
}

Test(event_v2, domain_name_from_host)
{
	static const struct {
		const char *host, *domain, *prefix;
	} rows[] = {
		{ "abc.execute-api.us-east-1.amazonaws.com",
		    "abc.execute-api.us-east-1.amazonaws.com", "abc" },
		{ "localhost:9000", "localhost", "localhost" },
		{ "[::1]:8080", "[::1]", "[::1]" },
		{ "127.0.0.1", "127.0.0.1", "127" },
		{ ":80", "localhost", "localhost" },
	};
	const char *hdrs[3] = { "Host", NULL, NULL };
	struct req q;
	size_t i;
	cJSON *j;

	for (i = 0; i < NELEM(rows); i++) {
		hdrs[1] = rows[i].host;
		req_make(&q, "GET", "/", hdrs, NULL, 0);
		j = build(2, "GET /", &q, NULL);
		expect_str(j, "requestContext.domainName", rows[i].domain);
		expect_str(j, "requestContext.domainPrefix", rows[i].prefix);
		cJSON_Delete(j);
	}
}

/* Many repeated headers: grouped correctly (the sort must be stable). */
Test(event_v2, many_headers)
{
	static char names[MAXH][16], values[MAXH][16];
	const char *hdrs[2 * MAXH + 1];
	char want[512] = "";
	struct req q;
	size_t i;
	cJSON *j;

	for (i = 0; i < MAXH; i++) {
		if (i % 2)
			snprintf(names[i], sizeof(names[i]), "X-R");
		else
			snprintf(names[i], sizeof(names[i]), "x-%zu", i);
		snprintf(values[i], sizeof(values[i]), "v%zu", i);
		hdrs[2 * i] = names[i];
		hdrs[2 * i + 1] = values[i];
		if (i % 2)
			snprintf(want + strlen(want), sizeof(want) -
			    strlen(want), "%sv%zu", i > 1 ? "," : "", i);
	}
	hdrs[2 * MAXH] = NULL;
	req_make(&q, "GET", "/", hdrs, NULL, 0);
	j = build(2, "GET /", &q, NULL);
	expect_str(j, "headers.x-r", want);
	expect_str(j, "headers.x-62", "v62");
	cr_expect_eq(cJSON_GetArraySize(at(j, "headers")), MAXH / 2 + 1);
	cJSON_Delete(j);
}

/* ---- payload 1.0 ------------------------------------------------------------ */

Test(event_v1, full_request)
{
	static const char *const hdrs[] = {
		"Host", "h.example", "X-A", "1", "User-Agent", "ua/1",
		"x-a", "2", "Cookie", "k=v", "X-A", "3", NULL,
	};
	static const char *const xa[] = { "1", "2", "3", NULL };
	static const char *const mk[] = { "1", "2", NULL };
	struct req q;
	cJSON *j;

	req_make(&q, "PUT", "/pets/7?m=1&m=2&s=x", hdrs, "hi", 2);
	j = build(1, "PUT /pets/{id}", &q, NULL);
	expect_str(j, "version", "1.0");
	expect_str(j, "resource", "/pets/{id}");
	expect_str(j, "path", "/pets/7");
	expect_str(j, "httpMethod", "PUT");
	expect_str(j, "headers.X-A", "3");
	expect_str(j, "headers.Cookie", "k=v");
	expect_str(j, "headers.Host", "h.example");
	expect_strs(j, "multiValueHeaders.X-A", xa);
	expect_str(j, "queryStringParameters.m", "2");
	expect_str(j, "queryStringParameters.s", "x");
	expect_strs(j, "multiValueQueryStringParameters.m", mk);
	expect_str(j, "pathParameters.id", "7");
	expect_null(j, "stageVariables");
	expect_str(j, "requestContext.accountId", "123456789012");
	expect_str(j, "requestContext.apiId", "lambdad");
	expect_str(j, "requestContext.resourcePath", "/pets/{id}");
	expect_str(j, "requestContext.httpMethod", "PUT");
	expect_str(j, "requestContext.path", "/pets/7");
	expect_str(j, "requestContext.stage", "$default");
	expect_str(j, "requestContext.requestId", "req-1");
	expect_str(j, "requestContext.identity.sourceIp", "203.0.113.9");
	expect_str(j, "requestContext.identity.userAgent", "ua/1");
	expect_str(j, "requestContext.requestTime",
	    "21/Apr/2020:15:08:21 +0000");
	cr_expect_eq(at(j, "requestContext.requestTimeEpoch")->valuedouble,
	    1587481701000.0);
	expect_str(j, "requestContext.domainName", "h.example");
	/* no Content-Type: base64, as for 2.0 */
	expect_str(j, "body", "aGk=");
	expect_bool(j, "isBase64Encoded", true);
	expect_absent(j, "cookies");
	expect_absent(j, "routeKey");
	cJSON_Delete(j);
}

/* A route with api_key = required: the key and its id, as API Gateway's
 * REST API puts them; without one, neither member is there. */
Test(event_v1, api_key_identity)
{
	static const char *const hdrs[] = { "X-Api-Key", "k3y", NULL };
	static const struct event_ctx ctx = { .request_id = "req-1",
	    .time_ms = 1, .source_ip = "203.0.113.9",
	    .api_key_id = "abcdefghij" };
	struct req q;
	cJSON *j;

	req_make(&q, "GET", "/k", hdrs, NULL, 0);
	j = build(1, "GET /k", &q, &ctx);
	expect_str(j, "requestContext.identity.apiKey", "k3y");
	expect_str(j, "requestContext.identity.apiKeyId", "abcdefghij");
	expect_str(j, "requestContext.identity.sourceIp", "203.0.113.9");
	cJSON_Delete(j);
	j = build(1, "GET /k", &q, NULL);
	expect_absent(j, "requestContext.identity.apiKey");
	expect_absent(j, "requestContext.identity.apiKeyId");
	cJSON_Delete(j);
	/* 2.0: HTTP APIs have no API keys, so no place for one. */
	j = build(2, "GET /k", &q, &ctx);
	expect_absent(j, "requestContext.identity");
	cJSON_Delete(j);
}

/* Checklist 41 and the 1.0 rule: empty maps and body are null. */
Test(event_v1, empty_maps_and_body_are_null)
{
	static const char *const paths[] = { "/r", "/r?" };
	struct req q;
	size_t i;
	cJSON *j;

	for (i = 0; i < NELEM(paths); i++) {
		req_make(&q, "GET", paths[i], NULL, NULL, 0);
		j = build(1, "GET /r", &q, NULL);
		expect_null(j, "queryStringParameters");
		expect_null(j, "multiValueQueryStringParameters");
		expect_null(j, "pathParameters");
		expect_null(j, "headers");
		expect_null(j, "multiValueHeaders");
		expect_null(j, "stageVariables");
		expect_null(j, "body");
		expect_bool(j, "isBase64Encoded", false);
		expect_null(j, "requestContext.identity.userAgent");
		expect_str(j, "requestContext.domainName", "localhost");
		cJSON_Delete(j);
	}
}

Test(event_v1, text_body_and_default_route)
{
	static const char *const hdrs[] = {
		"Content-Type", "application/json", NULL,
	};
	struct req q;
	cJSON *j;

	req_make(&q, "POST", "/any/where", hdrs, "{\"a\":\"\\u00e9\"}",
	    strlen("{\"a\":\"\\u00e9\"}"));
	j = build(1, "$default", &q, NULL);
	expect_str(j, "resource", "$default");
	expect_str(j, "body", "{\"a\":\"\\u00e9\"}");
	expect_bool(j, "isBase64Encoded", false);
	expect_null(j, "pathParameters");
	cJSON_Delete(j);
}

/* ---- replies ---------------------------------------------------------------- */

/* "Name: value\n" per header, in order, for comparison. */
static void
reply_text(const struct event_reply *r, char *dst, size_t size)
{
	size_t i, o = 0;

	dst[0] = '\0';
	for (i = 0; i < r->nheaders && o < size; i++) {
		cr_assert_eq(strlen(r->headers[i].name), r->headers[i].name_len);
		cr_assert_eq(strlen(r->headers[i].value),
		    r->headers[i].value_len);
		o += (size_t)snprintf(dst + o, size - o, "%s: %s\n",
		    r->headers[i].name, r->headers[i].value);
	}
}

struct reply_row {
	int		 version;
	const char	*out;
	int		 status;	/* 0: expect -EINVAL */
	const char	*headers;	/* as reply_text writes them */
	const char	*body;
	size_t		 body_len;	/* 0: strlen(body) */
};

static void
check_replies(const struct reply_row *rows, size_t n)
{
	struct event_reply r;
	const char *why;
	char hdrs[1024];
	size_t i, blen;
	int rc;

	for (i = 0; i < n; i++) {
		const struct reply_row *w = &rows[i];

		why = NULL;
		rc = event_map_reply(w->version, w->out, strlen(w->out), &r,
		    &why);
		if (w->status == 0) {
			cr_expect_eq(rc, -EINVAL, "v%d %s: should be malformed",
			    w->version, w->out);
			cr_expect(why != NULL && *why != '\0',
			    "v%d %s: no reason", w->version, w->out);
			continue;
		}
		cr_expect_eq(rc, 0, "v%d %s: %s", w->version, w->out,
		    why ? why : "");
		if (rc != 0)
			continue;
		cr_expect_eq(r.status, w->status, "v%d %s: status %d",
		    w->version, w->out, r.status);
		reply_text(&r, hdrs, sizeof(hdrs));
		cr_expect_str_eq(hdrs, w->headers, "v%d %s: headers\n%s",
		    w->version, w->out, hdrs);
		blen = w->body_len ? w->body_len : strlen(w->body);
		cr_expect_eq(r.body_len, blen, "v%d %s: body length %zu",
		    w->version, w->out, r.body_len);
		cr_expect(r.body != NULL && r.body_len == blen &&
		    memcmp(r.body, w->body, blen) == 0, "v%d %s: body",
		    w->version, w->out);
		event_reply_free(&r);
	}
}

#define CT_JSON "Content-Type: application/json\n"

/* Checklist 37 and 38, and the 2.0 inferred format. */
Test(event_reply, v2_shapes)
{
	static const struct reply_row rows[] = {
		{ 2, "{\"statusCode\":201,\"cookies\":[\"a=1\",\"b=2\"],"
		    "\"body\":\"x\"}", 201, "Set-Cookie: a=1\nSet-Cookie: b=2\n"
		    CT_JSON, "x", 0 },
		{ 2, "{\"k\":1}", 200, CT_JSON, "{\"k\":1}", 0 },
		{ 2, "\"Hello, world!\"", 200, CT_JSON, "\"Hello, world!\"",
		    0 },
		{ 2, "42", 200, CT_JSON, "42", 0 },
		{ 2, "[1,{\"statusCode\":500}]", 200, CT_JSON,
		    "[1,{\"statusCode\":500}]", 0 },
		{ 2, "null", 200, CT_JSON, "null", 0 },
		{ 2, "true", 200, CT_JSON, "true", 0 },
		{ 2, " {\"k\" : 1}\n", 200, CT_JSON, " {\"k\" : 1}\n", 0 },
		{ 2, "{\"body\":\"b\",\"headers\":{\"a\":\"b\"}}", 200, CT_JSON,
		    "{\"body\":\"b\",\"headers\":{\"a\":\"b\"}}", 0 },
		{ 2, "{\"StatusCode\":404}", 200, CT_JSON,
		    "{\"StatusCode\":404}", 0 },
		{ 2, "{\"statusCode\":204}", 204, "", "", 0 },
		{ 2, "{\"statusCode\":200,\"body\":null}", 200, "", "", 0 },
		{ 2, "{\"statusCode\":100}", 100, "", "", 0 },
		{ 2, "{\"statusCode\":599,\"body\":\"\"}", 599, "", "", 0 },
		{ 2, "{\"statusCode\":302,\"headers\":{\"Location\":\"/x\"}}",
		    302, "Location: /x\n", "", 0 },
		/* 38: base64 bodies are decoded, binary included */
		{ 2, "{\"statusCode\":200,\"body\":\"aGVsbG8=\","
		    "\"isBase64Encoded\":true,\"headers\":{\"content-type\":"
		    "\"text/plain\"}}", 200, "content-type: text/plain\n",
		    "hello", 0 },
		{ 2, "{\"statusCode\":200,\"body\":\"AAEC/w\","
		    "\"isBase64Encoded\":true}", 200, CT_JSON, "\0\1\2\377",
		    4 },
		{ 2, "{\"statusCode\":200,\"body\":\"aGVsbG8=\","
		    "\"isBase64Encoded\":false}", 200, CT_JSON, "aGVsbG8=", 0 },
		{ 2, "{\"statusCode\":200,\"body\":\"\",\"isBase64Encoded\":"
		    "true}", 200, "", "", 0 },
		/* escapes in the body come out as bytes */
		{ 2, "{\"statusCode\":200,\"body\":\"a\\n\\\"\\u00e9\"}", 200,
		    CT_JSON, "a\n\"\xc3\xa9", 0 },
	};

	check_replies(rows, NELEM(rows));
}

Test(event_reply, headers_and_multi_value_headers)
{
	static const struct reply_row rows[] = {
		/* scalars become text; a given type is not duplicated */
		{ 2, "{\"statusCode\":200,\"headers\":{\"x-n\":5,\"x-f\":1.5,"
		    "\"x-b\":true,\"x-z\":false,\"Content-Type\":\"text/plain\","
		    "\"x-nil\":null,\"x-neg\":-3},\"body\":\"hi\"}", 200,
		    "x-n: 5\nx-f: 1.5\nx-b: true\nx-z: false\n"
		    "Content-Type: text/plain\nx-neg: -3\n", "hi", 0 },
		/* multiValueHeaders win a clash, whatever the case */
		{ 2, "{\"statusCode\":200,\"multiValueHeaders\":{\"X-M\":"
		    "[\"a\",\"b\",7]},\"headers\":{\"x-m\":\"c\",\"x-o\":\"d\"}}",
		    200, "x-o: d\nX-M: a\nX-M: b\nX-M: 7\n", "", 0 },
		/* cookies and a Set-Cookie header both go out */
		{ 2, "{\"statusCode\":200,\"headers\":{\"Set-Cookie\":\"h=1\"},"
		    "\"cookies\":[\"c=2; Path=/\"]}", 200,
		    "Set-Cookie: h=1\nSet-Cookie: c=2; Path=/\n", "", 0 },
		/* framing headers belong to the server */
		{ 2, "{\"statusCode\":200,\"headers\":{\"Content-Length\":\"99\","
		    "\"Transfer-Encoding\":\"chunked\",\"connection\":\"close\","
		    "\"Date\":\"x\",\"x-ok\":\"1\"},\"body\":\"ab\"}", 200,
		    "x-ok: 1\n" CT_JSON, "ab", 0 },
		{ 2, "{\"statusCode\":200,\"headers\":{\"x\":\"a\\tb\"}}", 200,
		    "x: a\tb\n", "", 0 },
		{ 2, "{\"statusCode\":200,\"headers\":null,"
		    "\"multiValueHeaders\":null,\"cookies\":null}", 200, "", "",
		    0 },
		{ 2, "{\"statusCode\":200,\"multiValueHeaders\":"
		    "{\"x\":[],\"y\":null}}", 200, "", "", 0 },
	};

	check_replies(rows, NELEM(rows));
}

Test(event_reply, malformed)
{
	static const struct reply_row rows[] = {
		{ 2, "hello", 0, NULL, NULL, 0 },
		{ 2, "", 0, NULL, NULL, 0 },
		{ 2, "{", 0, NULL, NULL, 0 },
		{ 2, "{\"a\":1} x", 0, NULL, NULL, 0 },
		{ 2, "{\"a\":1}{}", 0, NULL, NULL, 0 },
		{ 2, "'single'", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":\"200\"}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":99}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":600}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200.5}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":null}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":true}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":-200}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":1e999}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"body\":5}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"body\":{\"a\":1}}", 0, NULL, NULL,
		    0 },
		{ 2, "{\"statusCode\":200,\"body\":\"@@@\","
		    "\"isBase64Encoded\":true}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"body\":\"aGVsbG8\\n\","
		    "\"isBase64Encoded\":true}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"headers\":[\"a\"]}", 0, NULL, NULL,
		    0 },
		{ 2, "{\"statusCode\":200,\"headers\":{\"a\":{}}}", 0, NULL,
		    NULL, 0 },
		{ 2, "{\"statusCode\":200,\"headers\":{\"a\":[\"b\"]}}", 0,
		    NULL, NULL, 0 },
		/* header injection */
		{ 2, "{\"statusCode\":200,\"headers\":{\"a\":\"b\\r\\nX: y\"}}",
		    0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"headers\":{\"a b\":\"c\"}}", 0,
		    NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"headers\":{\"\":\"c\"}}", 0, NULL,
		    NULL, 0 },
		{ 2, "{\"statusCode\":200,\"headers\":{\"a:\":\"c\"}}", 0,
		    NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"cookies\":[\"a=1\\nb\"]}", 0, NULL,
		    NULL, 0 },
		{ 2, "{\"statusCode\":200,\"cookies\":\"a=1\"}", 0, NULL, NULL,
		    0 },
		{ 2, "{\"statusCode\":200,\"cookies\":[1]}", 0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"multiValueHeaders\":{\"a\":\"b\"}}",
		    0, NULL, NULL, 0 },
		{ 2, "{\"statusCode\":200,\"multiValueHeaders\":{\"a\":[[1]]}}",
		    0, NULL, NULL, 0 },
		{ 1, "{\"k\":1}", 0, NULL, NULL, 0 },
		{ 1, "\"str\"", 0, NULL, NULL, 0 },
		{ 1, "[1]", 0, NULL, NULL, 0 },
		{ 1, "hello", 0, NULL, NULL, 0 },
		{ 1, "{\"statusCode\":\"x\"}", 0, NULL, NULL, 0 },
	};

	check_replies(rows, NELEM(rows));
}

Test(event_reply, v1_shapes)
{
	static const struct reply_row rows[] = {
		{ 1, "{\"statusCode\":200,\"body\":\"x\",\"headers\":{\"A\":"
		    "\"1\",\"B\":\"2\"},\"multiValueHeaders\":{\"a\":[\"2\","
		    "\"3\"]}}", 200, "B: 2\na: 2\na: 3\n" CT_JSON, "x", 0 },
		/* 1.0 has no cookies field: it is ignored */
		{ 1, "{\"statusCode\":200,\"cookies\":[\"a=1\"]}", 200, "", "",
		    0 },
		{ 1, "{\"statusCode\":404,\"body\":\"aGk=\",\"isBase64Encoded\""
		    ":true,\"headers\":{\"Content-Type\":\"text/plain\"}}", 404,
		    "Content-Type: text/plain\n", "hi", 0 },
		{ 1, "{\"statusCode\":500,\"body\":null,\"headers\":null,"
		    "\"multiValueHeaders\":null,\"isBase64Encoded\":false}", 500,
		    "", "", 0 },
	};

	check_replies(rows, NELEM(rows));
}

/* Output is taken by length, not up to a NUL. */
Test(event_reply, uses_length_not_nul)
{
	static const char out[] = "{\"k\":1}garbage";
	struct event_reply r;
	const char *why = NULL;

	cr_assert_eq(event_map_reply(2, out, 7, &r, &why), 0);
	cr_expect_eq(r.body_len, 7);
	cr_expect_eq(memcmp(r.body, "{\"k\":1}", 7), 0);
	event_reply_free(&r);
	cr_expect_eq(event_map_reply(2, "{\"k\":1}\0x", 9, &r, &why),
	    -EINVAL);
	cr_expect_eq(event_map_reply(2, "{\"k\":1}", 3, &r, NULL), -EINVAL);
	event_reply_free(NULL);
}

/* A reply with many headers: the store grows, pointers must follow. */
Test(event_reply, many_headers_survive_store_growth)
{
	struct buf out;
	struct event_reply r;
	char name[32];
	size_t i;

	buf_init(&out);
	buf_adds(&out, "{\"statusCode\":200,\"headers\":{");
	for (i = 0; i < 500; i++)
		buf_printf(&out, "%s\"x-h%zu\":\"value-%zu-%0100d\"",
		    i ? "," : "", i, i, 0);
	buf_adds(&out, "}}");
	cr_assert_eq(event_map_reply(2, out.data, out.len, &r, NULL), 0);
	cr_assert_eq(r.nheaders, 500);
	for (i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "x-h%zu", i);
		cr_expect_str_eq(r.headers[i].name, name);
		cr_expect_eq(strncmp(r.headers[i].value, "value-", 6), 0);
		cr_expect_eq(r.headers[i].value_len, 6 + strlen(name) - 3 +
		    1 + 100);
	}
	event_reply_free(&r);
	buf_free(&out);
}

/* A JWT authorizer's claims: requestContext.authorizer.jwt in 2.0, right
 * under requestContext.authorizer in 1.0, as API Gateway puts them. */
Test(event, authorizer_jwt_in_both_payloads)
{
	static const struct event_ctx ctx = { .request_id = "req-1",
	    .time_ms = 1587481701000ULL, .source_ip = "203.0.113.9",
	    .authorizer_jwt = "{\"claims\":{\"sub\":\"user-1\"},\"scopes\":null}" };
	const cJSON *a;
	struct req q;
	cJSON *j;

	req_make(&q, "GET", "/x", NULL, NULL, 0);
	j = build(2, "GET /x", &q, &ctx);
	a = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requestContext"),
	    "authorizer");
	cr_assert_not_null(a, "2.0: requestContext.authorizer");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(a, "jwt"), "claims"), "sub")->valuestring,
	    "user-1");
	cr_expect(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(a,
	    "jwt"), "scopes")));
	cJSON_Delete(j);
	j = build(1, "GET /x", &q, &ctx);
	a = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requestContext"),
	    "authorizer");
	cr_assert_not_null(a, "1.0: requestContext.authorizer");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "claims"),
	    "sub")->valuestring, "user-1");
	cJSON_Delete(j);
	j = build(2, "GET /x", &q, NULL);
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "requestContext"), "authorizer"), "none without an authorizer");
	cJSON_Delete(j);
}
