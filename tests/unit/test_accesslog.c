/*
 * Unit tests for the access log (gateway/apigw/accesslog.c): the format's
 * compilation and the expansion of each $context variable against a
 * request made by hand; the writer on a real file with a real loop
 * (lines reach the file, and past AL_PENDING_MAX waiting they are dropped
 * and counted); and the trace ids (gateway/apigw/trace.c).
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "apigw/accesslog.h"
#include "apigw/trace.h"
#include "buf.h"
#include "http.h"
#include "tmpdir.h"

static const struct http_header hdrs[] = {
	{ "Host", 4, "api.example.com:8080", 20 },
	{ "User-Agent", 10, "curl/8.0 \"x\"", 12 },
};

static struct http_request req = {
	.method = "POST", .path = "/pets/7", .path_len = 7,
	.headers = hdrs, .nheaders = 2, .http_minor = 1,
};

static struct al_record
rec(void)
{
	struct al_record r = {
		.req = &req, .request_id = "rid-1", .source_ip = "203.0.113.9",
		.time_ms = 1587481701123ULL, .route_key = "POST /pets/{id}",
		.stage = "prod", .status = 201, .response_length = 42,
		.response_latency_ms = 12, .integration_latency_ms = 10,
		.integration_status = 200,
		.authorizer_json = "{\"claims\":{\"sub\":\"u-1\",\"n\":5},"
		    "\"scopes\":[\"a\",\"b\"]}",
		.trace_id = "Root=1-5e8f3b65-0123456789abcdef01234567;Sampled=0",
		.traceparent = "00-5e8f3b650123456789abcdef01234567-"
		    "1111111111111111-00",
	};
	return r;
}

/* fmt expanded over r, as a malloc'd string. */
static char *
expand(const char *fmt, const struct al_record *r)
{
	struct al_format *f;
	struct buf b;
	char why[256];
	char *s;

	cr_assert_eq(al_format_new(fmt, &f, why, sizeof(why)), 0, "%s: %s",
	    fmt, why);
	buf_init(&b);
	al_format_expand(f, r, &b);
	s = strndup(b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	al_format_free(f);
	return s;
}

static void
check(const char *fmt, const char *want)
{
	struct al_record r = rec();
	char *got = expand(fmt, &r);

	cr_expect_str_eq(got, want, "%s", fmt);
	free(got);
}

Test(accesslog, every_variable)
{
	check("$context.requestId $context.extendedRequestId", "rid-1 rid-1");
	check("$context.identity.sourceIp", "203.0.113.9");
	check("$context.identity.userAgent", "curl/8.0 \\\"x\\\"");
	check("$context.requestTime", "21/Apr/2020:15:08:21 +0000");
	check("$context.requestTimeEpoch", "1587481701123");
	check("$context.httpMethod $context.routeKey $context.path",
	    "POST POST /pets/{id} /pets/7");
	check("$context.protocol $context.status", "HTTP/1.1 201");
	check("$context.responseLength $context.responseLatency", "42 12");
	check("$context.integrationLatency $context.integration.latency",
	    "10 10");
	check("$context.integrationStatus $context.integration.status",
	    "200 200");
	check("$context.integrationErrorMessage", "-");
	check("$context.error.message $context.authorizer.error", "- -");
	check("$context.authorizer.claims.sub", "u-1");
	check("$context.authorizer.claims.n", "5");
	check("$context.authorizer.claims.nope", "-");
	check("$context.authorizer.scopes", "[\\\"a\\\",\\\"b\\\"]");
	check("$context.identity.apiKeyId", "-");
	check("$context.domainName $context.domainPrefix", "api.example.com api");
	check("$context.stage", "prod");
	check("$context.xrayTraceId", "1-5e8f3b65-0123456789abcdef01234567");
	check("$context.traceparent",
	    "00-5e8f3b650123456789abcdef01234567-1111111111111111-00");
}

Test(accesslog, literal_text_and_sentence_ends)
{
	check("status=$context.status.", "status=201.");
	check("{\"s\":\"$context.status\"}", "{\"s\":\"201\"}");
	check("no variables at all", "no variables at all");
	check("$contextual $context.status", "$contextual 201");
}

Test(accesslog, absent_values_are_dashes)
{
	struct al_record r = { .status = 404, .response_length = -1,
	    .response_latency_ms = -1, .integration_latency_ms = -1 };
	char *got = expand("$context.requestId $context.httpMethod "
	    "$context.routeKey $context.responseLength $context.integrationStatus "
	    "$context.integrationLatency $context.authorizer.claims.sub "
	    "$context.xrayTraceId $context.domainName $context.status", &r);

	cr_expect_str_eq(got, "- - - - - - - - - 404");
	free(got);
}

Test(accesslog, values_cannot_break_the_line)
{
	struct al_record r = rec();
	char *got;

	r.error_message = "a\nb\"c\\";
	got = expand("$context.error.message", &r);
	cr_expect_str_eq(got, "a\\u000ab\\\"c\\\\");
	free(got);
}

Test(accesslog, unknown_variables_are_refused)
{
	struct al_format *f = NULL;
	char why[256];

	cr_expect_eq(al_format_new("$context.requestid", &f, why,
	    sizeof(why)), -1);
	cr_expect_str_eq(why, "unknown variable $context.requestid");
	cr_expect_eq(al_format_new("", &f, why, sizeof(why)), -1);
	cr_expect_eq(al_format_new(AL_FORMAT_DEFAULT, &f, why, sizeof(why)),
	    0);
	cr_expect_eq(al_format_uses_authorizer(f), 0);
	al_format_free(f);
}

Test(accesslog, default_format_is_json)
{
	struct al_record r = rec();
	char *got = expand(AL_FORMAT_DEFAULT, &r);

	cr_expect(strstr(got, "\"status\":\"201\"") != NULL, "%s", got);
	cr_expect(strstr(got, "\"routeKey\":\"POST /pets/{id}\"") != NULL);
	cr_expect(strstr(got, "\"userAgent\":\"curl/8.0 \\\"x\\\"\"") != NULL);
	cr_expect_eq(got[0], '{');
	cr_expect_eq(got[strlen(got) - 1], '}');
	free(got);
}

/* ---- the writer ---------------------------------------------------------- */

static char tmpdir[PATH_MAX];

static size_t
count_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	size_t n = 0;
	int ch;

	cr_assert_not_null(fp);
	while ((ch = fgetc(fp)) != EOF)
		n += ch == '\n';
	fclose(fp);
	return n;
}

Test(accesslog, writer_drops_and_counts_past_the_cap)
{
	uv_loop_t loop;
	struct accesslog *al;
	struct al_record r = rec();
	char path[PATH_MAX + 16], why[256];
	uint64_t lines, dropped;
	size_t i, n = 0;

	tmpdir_make("test_accesslog", tmpdir);
	snprintf(path, sizeof(path), "%s/a.log", tmpdir);
	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_assert_eq(accesslog_open(&loop, path, NULL, &al, why, sizeof(why)),
	    0, "%s", why);
	/* The loop does not run: the first line is in flight, the rest wait
	 * until the cap, then are dropped. */
	for (i = 0; i < 20000; i++)
		accesslog_write(al, &r);
	accesslog_stats(al, &lines, &dropped);
	cr_expect_gt(dropped, 0);
	cr_expect_eq(lines + dropped, 20000);
	accesslog_close(al);
	uv_run(&loop, UV_RUN_DEFAULT);
	n = count_lines(path);
	cr_expect_eq(n, lines, "%zu lines in the file, %llu written", n,
	    (unsigned long long)lines);
	uv_loop_close(&loop);
	tmpdir_remove(tmpdir);
}

Test(accesslog, reopen_follows_a_rename)
{
	uv_loop_t loop;
	struct accesslog *al;
	struct al_record r = rec();
	char path[PATH_MAX + 16], old[PATH_MAX + 16], why[256];

	tmpdir_make("test_accesslog", tmpdir);
	snprintf(path, sizeof(path), "%s/a.log", tmpdir);
	snprintf(old, sizeof(old), "%s/a.log.1", tmpdir);
	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_assert_eq(accesslog_open(&loop, path, NULL, &al, why, sizeof(why)),
	    0);
	accesslog_write(al, &r);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(rename(path, old), 0);
	accesslog_reopen(al);
	accesslog_write(al, &r);	/* waits for the open */
	accesslog_write(al, &r);
	uv_run(&loop, UV_RUN_DEFAULT);
	accesslog_close(al);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(count_lines(old), 1);
	cr_expect_eq(count_lines(path), 2);
	uv_loop_close(&loop);
	tmpdir_remove(tmpdir);
}

Test(accesslog, open_errors_say_why)
{
	struct accesslog *al;
	char why[256];

	cr_expect_eq(accesslog_open(uv_default_loop(), "/nonexistent/dir/a.log",
	    NULL, &al, why, sizeof(why)), -1);
	cr_expect_str_eq(why, "/nonexistent/dir/a.log: No such file or "
	    "directory");
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);	/* its timer's close */
}

/* ---- trace ids ----------------------------------------------------------- */

static void
trace(const char *x, const char *tp, char **xo, char **to)
{
	cr_assert_eq(trace_from(x, x != NULL ? strlen(x) : 0, tp,
	    tp != NULL ? strlen(tp) : 0, 0x5e8f3b65, xo, to), 0);
}

Test(trace, a_given_xray_header_is_kept)
{
	char *x, *t;

	trace("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
	    "Sampled=1", NULL, &x, &t);
	cr_expect_str_eq(x, "Root=1-5759e988-bd862e3fe1be46a994272793;"
	    "Parent=53995c3f42cd8ad8;Sampled=1");
	cr_expect_str_eq(t, "00-5759e988bd862e3fe1be46a994272793-"
	    "53995c3f42cd8ad8-01");
	free(x);
	free(t);
}

Test(trace, traceparent_becomes_the_same_trace)
{
	char *x, *t;

	trace(NULL, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
	    &x, &t);
	cr_expect_str_eq(x, "Root=1-0af76519-16cd43dd8448eb211c80319c;"
	    "Parent=b7ad6b7169203331;Sampled=1");
	cr_expect_str_eq(t, "00-0af7651916cd43dd8448eb211c80319c-"
	    "b7ad6b7169203331-01");
	free(x);
	free(t);
}

Test(trace, made_when_absent_or_malformed)
{
	static const char *const bad[] = {
		NULL, "", "Root=1-zz", "Root=1-5759e988-bd862e3fe1be46a99427279",
		"Root=1-5759E988-bd862e3fe1be46a994272793",
		"Root=1-5759e988-bd862e3fe1be46a994272793 x",
		"xRoot=1-5759e988-bd862e3fe1be46a994272793",
	};
	char *x, *t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		trace(bad[i], "00-00000000000000000000000000000000-"
		    "b7ad6b7169203331-01", &x, &t);
		cr_expect_eq(strncmp(x, "Root=1-5e8f3b65-", 16), 0, "%s", x);
		cr_expect_eq(strlen(x), strlen("Root=1-5e8f3b65-"
		    "0123456789abcdef01234567;Parent=0123456789abcdef;"
		    "Sampled=0"), "%s", x);
		/* The traceparent is the same trace. */
		cr_expect_eq(strncmp(t + 3, x + 7, 8), 0);
		cr_expect_eq(strncmp(t + 11, x + 16, 24), 0);
		free(x);
		free(t);
	}
}
