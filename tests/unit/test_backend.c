/*
 * Unit tests for gateway/tables/backend: calls go to a real HTTP server on
 * the same loop (the gateway's own http_server standing in for the
 * engine), signed so that sigv4_verify accepts them; the engine's status
 * and body come back; a connection the engine closed while idle is
 * replaced without losing the call; a kept-alive connection is reused; the
 * engine's reply headers can be read; an engine that never answers times
 * the call out once, without sending it again; an unreachable engine fails
 * every call once, with a reason.
 */
#include <criterion/criterion.h>

#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "sigv4.h"
#include "tables/backend.h"

static char key[] = "BKEY:backend-secret";
static char *keys[] = { key };

struct engine {
	uv_loop_t	 loop;
	struct http_server *srv;
	int		 port;
	int		 calls, signed_ok;
	bool		 close_after;	/* Connection: close on every reply */
	bool		 silent;	/* never answer */
	char		 last_target[128];
	int		 ports[8];	/* distinct client ports seen */
	int		 nports;
};

struct result {
	int		 status;
	char		 body[256];
	char		 err[256];
	int		 error;
	char		 rid[64];
	char		 crc[16];
	int		 calls;
};

static struct engine E;

static void
engine_request(struct http_request *req, void *arg)
{
	struct engine *e = arg;
	struct http_header h[3] = { { "x-amzn-RequestId", 16, "RID42", 5 },
	    { "X-Amz-Crc32", 11, "12345", 5 }, { "Connection", 10, "close", 5 } };
	const char *t;
	char reply[256];
	size_t n;
	int i, port = ntohs(((struct sockaddr_in *)&req->peer)->sin_port);

	e->calls++;
	for (i = 0; i < e->nports && e->ports[i] != port; i++)
		;
	if (i == e->nports && e->nports < 8)
		e->ports[e->nports++] = port;
	if (e->silent)
		return;		/* the test process ends with it unanswered */
	t = http_header_get(req, "X-Amz-Target", &n);
	snprintf(e->last_target, sizeof(e->last_target), "%.*s", (int)n,
	    t != NULL ? t : "");
	if (sigv4_verify(req, keys, 1, "dynamodb", time(NULL), NULL, 0) ==
	    SIGV4_OK)
		e->signed_ok++;
	snprintf(reply, sizeof(reply), "{\"echo\":%s}", req->body);
	http_respond(req, 200, h, e->close_after ? 3 : 2, reply, strlen(reply));
}

static void
engine_start(bool close_after)
{
	struct http_server_cfg cfg = {
		.max_header_size = 16384, .max_body = 1 << 20,
		.header_timeout_ms = 5000, .body_timeout_ms = 5000,
		.keepalive_timeout_ms = 5000, .on_request = engine_request,
		.arg = &E,
	};

	memset(&E, 0, sizeof(E));
	E.close_after = close_after;
	uv_loop_init(&E.loop);
	E.srv = http_server_new(&E.loop, &cfg);
	cr_assert_not_null(E.srv);
	cr_assert_eq(http_server_listen(E.srv, "127.0.0.1", 0), 0);
	E.port = http_server_port(E.srv);
}

static void
done_cb(void *arg, const struct tables_backend_reply *rep)
{
	struct result *r = arg;
	const char *v;

	r->calls++;
	r->status = rep->status;
	r->error = rep->error;
	snprintf(r->body, sizeof(r->body), "%.*s", (int)rep->len, rep->body);
	snprintf(r->err, sizeof(r->err), "%s", rep->errmsg != NULL ?
	    rep->errmsg : "");
	v = tables_backend_header(rep, "X-AMZN-REQUESTID");
	snprintf(r->rid, sizeof(r->rid), "%s", v != NULL ? v : "");
	v = tables_backend_header(rep, "x-amz-crc32");
	snprintf(r->crc, sizeof(r->crc), "%s", v != NULL ? v : "");
}

/* Run the loop until every result has been called back (or 5 s). */
static void
run_until(struct result *r, int n)
{
	time_t end = time(NULL) + 5;
	int i, left;

	do {
		uv_run(&E.loop, UV_RUN_ONCE);
		for (i = 0, left = 0; i < n; i++)
			left += r[i].calls == 0;
	} while (left > 0 && time(NULL) < end);
}

static struct tables_backend *
backend_t(int port, const char *k, unsigned timeout_ms)
{
	char url[64], err[256];
	struct tables_backend *be;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	be = tables_backend_new(&E.loop, url, k, NULL, timeout_ms, err,
	    sizeof(err));
	cr_assert_not_null(be, "%s", err);
	return be;
}

static struct tables_backend *
backend(int port, const char *k)
{
	return backend_t(port, k, 0);
}

Test(backend, signed_calls_and_replies)
{
	struct result r[3] = { { 0 } };
	struct tables_backend *be;
	int i;

	engine_start(false);
	be = backend(E.port, key);
	for (i = 0; i < 3; i++)
		cr_assert_eq(tables_backend_call(be, "GetItem", "{\"n\":1}", 7,
		    done_cb, &r[i]), 0);
	run_until(r, 3);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(r[i].calls, 1, "each call is answered once");
		cr_assert_eq(r[i].status, 200);
		cr_assert_str_eq(r[i].body, "{\"echo\":{\"n\":1}}");
		cr_assert_str_eq(r[i].rid, "RID42", "the engine's request id");
		cr_assert_str_eq(r[i].crc, "12345", "the engine's CRC-32");
	}
	cr_assert_eq(E.signed_ok, 3, "the engine verified every signature");
	cr_assert_str_eq(E.last_target, "DynamoDB_20120810.GetItem");
	cr_assert_eq(tables_backend_pending(be), 0);
	tables_backend_free(be);
}

Test(backend, engine_closes_connections)
{
	struct result r[4] = { { 0 } };
	struct tables_backend *be;
	int i;

	engine_start(true);
	be = backend(E.port, NULL);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(tables_backend_call(be, "PutItem", "{}", 2, done_cb,
		    &r[i]), 0);
		run_until(&r[i], 1);
		cr_assert_eq(r[i].status, 200, "call %d: %s", i, r[i].err);
	}
	/* A call sent on a connection the engine had just closed is sent
	 * again on a new one: the engine may see it twice, the caller once. */
	cr_assert_geq(E.calls, 4);
	cr_assert_eq(E.signed_ok, 0, "no key: unsigned");
	tables_backend_free(be);
}

Test(backend, unreachable)
{
	struct result r[2] = { { 0 } };
	struct tables_backend *be;
	int port;

	engine_start(false);
	port = E.port;
	http_server_free(E.srv);	/* nobody listens there now */
	E.srv = NULL;
	be = backend(port, key);
	tables_backend_call(be, "Scan", "{}", 2, done_cb, &r[0]);
	tables_backend_call(be, "Scan", "{}", 2, done_cb, &r[1]);
	run_until(r, 2);
	cr_assert_eq(r[0].calls, 1);
	cr_assert_eq(r[1].calls, 1);
	cr_assert_eq(r[0].status, 0);
	cr_assert_neq(r[0].err[0], '\0', "a reason is given");
	cr_assert_eq(r[0].error, UV_ECONNREFUSED, "%s", r[0].err);
	tables_backend_free(be);
}

Test(backend, url_checks)
{
	char err[256];

	cr_assert_eq(tables_backend_url_ok("http://127.0.0.1:8000", err, sizeof(err)), 0);
	cr_assert_eq(tables_backend_url_ok("http://db.internal", err, sizeof(err)), 0);
	cr_assert_eq(tables_backend_url_ok("https://dynamodb.us-east-1.amazonaws.com",
	    err, sizeof(err)), -1);
	cr_assert(strstr(err, "http://") != NULL, "%s", err);
	cr_assert_eq(tables_backend_url_ok("http://h:1/path", err, sizeof(err)), -1);
	cr_assert_eq(tables_backend_url_ok("http://h:99999", err, sizeof(err)), -1);
}

Test(backend, keep_alive_reused)
{
	struct result r[4] = { { 0 } };
	struct tables_backend *be;
	int i;

	engine_start(false);
	be = backend(E.port, key);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(tables_backend_call(be, "UpdateItem", "{}", 2,
		    done_cb, &r[i]), 0);
		run_until(&r[i], 1);
		cr_assert_eq(r[i].status, 200, "call %d: %s", i, r[i].err);
	}
	cr_assert_eq(E.calls, 4, "each call sent once");
	cr_assert_eq(E.nports, 1, "one connection for calls one after another");
	tables_backend_free(be);
}

/* A call the engine took but never answered times out, and is not sent
 * again: it may have run. */
Test(backend, timeout_not_resent)
{
	struct result r[2] = { { 0 } };
	struct tables_backend *be;
	uint64_t t0;

	engine_start(false);
	be = backend_t(E.port, key, 300);
	/* First a normal call, so the next one goes on a reused connection. */
	cr_assert_eq(tables_backend_call(be, "GetItem", "{}", 2, done_cb,
	    &r[0]), 0);
	run_until(&r[0], 1);
	cr_assert_eq(r[0].status, 200);
	E.silent = true;
	t0 = uv_hrtime();
	cr_assert_eq(tables_backend_call(be, "UpdateItem", "{}", 2, done_cb,
	    &r[1]), 0);
	run_until(&r[1], 1);
	cr_assert_eq(r[1].calls, 1);
	cr_assert_eq(r[1].status, 0);
	cr_assert_eq(r[1].error, UV_ETIMEDOUT, "%s", r[1].err);
	cr_assert_geq(uv_hrtime() - t0, 250 * 1000000ull);
	cr_assert_lt(uv_hrtime() - t0, 3000 * 1000000ull);
	/* Let a resend, if any, reach the engine before counting. */
	t0 = uv_hrtime();
	while (uv_hrtime() - t0 < 200 * 1000000ull)
		uv_run(&E.loop, UV_RUN_NOWAIT);
	cr_assert_eq(E.calls, 2, "the timed-out call was sent once");
	tables_backend_free(be);
}

Test(backend, region_and_url)
{
	struct tables_backend *be;
	char err[256];

	engine_start(false);
	be = tables_backend_new(&E.loop, "http://127.0.0.1:1/", NULL,
	    "eu-west-3", 0, err, sizeof(err));
	cr_assert_not_null(be, "%s", err);
	cr_assert_str_eq(tables_backend_url(be), "http://127.0.0.1:1/");
	tables_backend_free(be);
	cr_assert_null(tables_backend_new(&E.loop, "http://no-such-host.invalid:1",
	    NULL, NULL, 0, err, sizeof(err)));
	cr_assert_neq(err[0], '\0');
}
