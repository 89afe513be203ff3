/*
 * front: HTTP request -> route -> event -> pool -> HTTP reply.  See front.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw/apigw.h"
#include "apigw/apikey.h"
#include "apigw/authorizer.h"
#include "apigw/cache.h"
#include "apigw/cors.h"
#include "apigw/docs.h"
#include "apigw/iam.h"
#include "apigw/throttle.h"
#include "apigw/validate.h"
#include "apigw/ws.h"
#include "buckets/site.h"
#include "buf.h"
#include "event.h"
#include "front.h"
#include "front_stream.h"
#include "http.h"
#include "invoke.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "route.h"
#include "stream.h"

struct front {
	uv_loop_t	*loop;
	struct http_server *srv;
	struct route_table *rt;
	struct invoke	*invoke;	/* NULL: the Invoke API is off */
	struct apigw	*gw;		/* the stages' shared state */
	struct docs	*docs;		/* docs_path's page and document */
	struct ws	*ws;		/* the WebSocket APIs (apigw/ws.h) */
	struct site_table *sites;	/* [site] routes (buckets/site.h) */
	unsigned	 inflight;
};

/*
 * The policy stages a routed request passes before its function, in API
 * Gateway's order (apigw.h): CORS preflight, throttling, API key,
 * authorizer, validation, cache.  Only the stages that exist are listed.
 */
static const apigw_stage_fn front_stages[] = {
	apigw_cors,
	apigw_throttle,
	apigw_apikey,
	apigw_iam,
	apigw_authorizer,
	apigw_validate,
	apigw_cache,
};

static void
front_reply_error(struct apigw_reply *x, const struct pool *p,
    const struct inv_result *res)
{
	char ra[16];

	if (res->status == INV_THROTTLED) {
		snprintf(ra, sizeof(ra), "%u", pool_retry_after(p));
		apigw_finish_error(x, 429, "{\"message\":\"Too Many Requests\"}",
		    ra);
	} else if (res->error_type != NULL &&
	    strcmp(res->error_type, "Sandbox.Timedout") == 0)
		apigw_finish_error(x, 504, "{\"message\":\"Gateway Timeout\"}",
		    NULL);
	else if (res->error_type != NULL &&
	    strcmp(res->error_type, "Function.ResponseSizeTooLarge") == 0)
		apigw_finish_error(x, 502, "{\"message\":\"Bad Gateway\"}", NULL);
	else
		apigw_finish_error(x, 500,
		    "{\"message\":\"Internal Server Error\"}", NULL);
}

/* A finished invocation: its reply, with what the stages attached. */
static void
front_done(struct invocation *inv, const struct inv_result *res)
{
	struct apigw_reply *x = inv->door;
	struct front *f = front_stream_owner(inv);
	const struct function_conf *fc = pool_conf(inv->pool);
	struct event_reply r;
	const char *why;

	f->inflight--;
	if (res->streamed) {		/* front_stream.h */
		front_stream_done(inv, res);
		inv_free(inv);
		return;
	}
	/* Lambda's status: 200 for a function that ran, errors included. */
	apigw_integration(x, res->status == INV_THROTTLED ? 429 :
	    res->status == INV_PLATFORM_ERROR ? 500 : 200, res->error_type,
	    inv->enqueued_ns);
	if (res->status != INV_OK)
		front_reply_error(x, inv->pool, res);
	else if (event_map_reply(fc->payload, res->body, res->body_len, &r,
	    &why) != 0) {
		log_warnx("%s: %s: malformed reply: %s", fc->name, inv->id, why);
		metrics_error(pool_metrics(inv->pool), "MalformedReply");
		apigw_finish_error(x, 502, "{\"message\":\"Bad Gateway\"}", NULL);
	} else {
		apigw_cache_store(x, &r, uv_now(f->loop));
		apigw_finish(x, r.status, r.headers, r.nheaders, r.body,
		    r.body_len);
		event_reply_free(&r);
	}
	inv_free(inv);
}

static void
front_aborted(struct http_request *req, void *arg)
{
	/* The invocation still runs and is answered; the reply is dropped. */
	(void)req;
	(void)arg;
}

/* Every stage passed: the function's turn (apigw_start's done). */
static void
front_submit(struct apigw_call *c, void *arg)
{
	struct front *f = arg;
	struct apigw_reply *x = c->reply;	/* apigw_begin's */
	struct http_request *req = c->req;
	struct pool *p = c->m->target;
	struct invocation *inv;
	struct event_ctx ctx;

	c->reply = NULL;	/* answered here, or the invocation's */
	if ((inv = inv_new()) == NULL || (inv->trace_id =
	    strdup(x->trace_id)) == NULL) {
		inv_free(inv);
		apigw_finish_error(x, 500,
		    "{\"message\":\"Internal Server Error\"}", NULL);
		return;
	}
	apigw_event_ctx(x, inv->id, &ctx);
	ctx.api_key_id = c->api_key_id;
	event_build_auth(&inv->event, pool_conf(p)->payload, req, c->m, &ctx,
	    c->authorizer);
	inv->done = front_done;
	inv->door = x;
	inv->sink = &front_sink;	/* a streamed reply streams on */
	req->data = f;
	req->on_abort = front_aborted;
	if (pool_submit(p, inv) != 0) {
		struct inv_result res = { .status = INV_THROTTLED };

		log_info("%s: throttled (queue full)", pool_conf(p)->name);
		apigw_integration(x, 429, NULL, 0);
		front_reply_error(x, p, &res);
		inv_free(inv);
		return;
	}
	f->inflight++;
}

static void
front_on_request(struct http_request *req, void *arg)
{
	struct front *f = arg;
	struct route_match m;
	struct apigw_call *c;
	struct apigw_reply *x;
	struct pool *p;

	/* WebSocket upgrades and @connections are apigw/ws.h's. */
	if (ws_match(f->ws, req)) {
		ws_handle(f->ws, req);
		return;
	}
	if (f->invoke != NULL && ws_mgmt_match(req->path, req->path_len)) {
		if (invoke_check_access(f->invoke, req, "execute-api") == 0)
			ws_mgmt_handle(f->ws, req);
		return;
	}
	/* Before the routes: those paths are the API's, and so is its 413. */
	if (f->invoke != NULL && invoke_match(req->path, req->path_len)) {
		invoke_handle(f->invoke, req);
		return;
	}
	x = apigw_begin(f->gw, req);
	if (req->too_large) {
		apigw_finish_error(x, 413,
		    "{\"message\":\"Request Entity Too Large\"}", NULL);
		return;
	}
	if (docs_serve(f->docs, req)) {
		apigw_reply_free(x);	/* the API's reference, not the API */
		return;
	}
	if (site_serve(f->sites, req)) {
		apigw_reply_free(x);	/* a bucket's file, not the API */
		return;
	}
	if (apigw_lookup(f->rt, req, &m) != 0) {
		if (apigw_preflight(x, f->rt, uv_now(f->loop)) == APIGW_PASS)
			apigw_finish_error(x, 404, "{\"message\":\"Not Found\"}",
			    NULL);
		return;
	}
	p = m.target;
	x->route_key = strdup(m.route_key);
	if ((c = apigw_call_new(f->gw, req, &m, pool_conf(p),
	    uv_now(f->loop))) == NULL) {
		apigw_finish_error(x, 500,
		    "{\"message\":\"Internal Server Error\"}", NULL);
		return;
	}
	c->reply = x;
	/* The stages, then front_submit (maybe later: a Lambda authorizer). */
	apigw_start(c, front_stages, sizeof(front_stages) /
	    sizeof(front_stages[0]), pool_metrics(p), front_submit, f);
}

struct front *
front_new(uv_loop_t *loop, struct route_table *rt)
{
	struct front *f = calloc(1, sizeof(*f));
	struct http_server_cfg cfg = {
		.max_header_size = 16 * 1024,
		.max_body = FRONT_MAX_BODY,
		.header_timeout_ms = 10000,	/* conf: header_timeout */
		.body_timeout_ms = 10000,	/* conf: body_timeout */
		.send_timeout_ms = 30000,	/* conf: send_timeout */
		.keepalive_timeout_ms = 75000,
		.max_conns = 4096,
		.on_request = front_on_request,
	};

	if (f == NULL)
		return NULL;
	f->loop = loop;
	f->rt = rt;
	cfg.arg = f;
	if ((f->gw = apigw_new()) == NULL || (f->docs = docs_new()) == NULL ||
	    (f->ws = ws_new(loop, f->gw)) == NULL ||
	    (f->srv = http_server_new(loop, &cfg)) == NULL) {
		ws_free(f->ws);
		apigw_free(f->gw);
		docs_free(f->docs);
		free(f);
		return NULL;
	}
	apigw_set_restart(f->gw, front_on_request, f);
	return f;
}

int
front_listen(struct front *f, const char *host, int port)
{
	return http_server_listen(f->srv, host, port);
}

void
front_set_invoke(struct front *f, struct invoke *iv)
{
	f->invoke = iv;
}

void
front_set_routes(struct front *f, struct route_table *rt)
{
	f->rt = rt;
}

void
front_set_sites(struct front *f, const struct conf *c, struct buckets *b)
{
	site_table_free(f->sites);
	f->sites = site_table_new(c, b);
}

void
front_set_cors(struct front *f, const struct conf_cors *cors)
{
	apigw_set_cors(f->gw, cors);
}

int
front_set_apigw(struct front *f, const struct conf *c, char *err,
    size_t errlen)
{
	if (ws_configure(f->ws, c) != 0) {
		snprintf(err, errlen, "websocket: out of memory");
		return -1;
	}
	return apigw_configure(f->gw, f->loop, c, err, errlen);
}

void
front_reopen_logs(struct front *f)
{
	apigw_reopen_log(f->gw);
}

void
front_access_log_stats(struct front *f, uint64_t *lines, uint64_t *dropped)
{
	apigw_log_stats(f->gw, lines, dropped);
}

void
front_set_pools(struct front *f, struct pool *const *pools, size_t n)
{
	apigw_set_pools(f->gw, pools, n);
}

void
front_set_docs(struct front *f, const struct conf *c)
{
	docs_set(f->docs, c, front_port(f));
}

void
front_set_access_keys(struct front *f, char *const *keys, size_t n)
{
	apigw_set_access_keys(f->gw, keys, n);
}

void
front_set_cache(struct front *f, const struct conf *c)
{
	apigw_set_cache(f->gw, c);
}

int
front_port(const struct front *f)
{
	return http_server_port(f->srv);
}

void
front_stop_accepting(struct front *f)
{
	http_server_stop_accepting(f->srv);
	ws_stop(f->ws);
}

unsigned
front_inflight(const struct front *f)
{
	return f->inflight + invoke_inflight(f->invoke) + apigw_pending(f->gw) +
	    ws_inflight(f->ws);
}

unsigned
front_nconns(const struct front *f)
{
	return http_server_nconns(f->srv) + ws_nconns(f->ws);
}

struct ws *
front_ws(const struct front *f)
{
	return f->ws;
}

void
front_set_max_conns(struct front *f, unsigned n)
{
	http_server_set_max_conns(f->srv, n);
	ws_set_max_conns(f->ws, n);
}

void
front_set_timeouts(struct front *f, unsigned header_s, unsigned body_s,
    unsigned send_s)
{
	http_server_set_timeouts(f->srv, (uint64_t)header_s * 1000,
	    (uint64_t)body_s * 1000, (uint64_t)send_s * 1000);
}

void
front_http_stats(const struct front *f, struct http_server_stats *st)
{
	http_server_stats(f->srv, st);
}

void
front_free(struct front *f)
{
	if (f == NULL)
		return;
	http_server_free(f->srv);
	ws_free(f->ws);
	apigw_free(f->gw);
	docs_free(f->docs);
	site_table_free(f->sites);
	free(f);
}
