/*
 * front: HTTP request -> route -> event -> pool -> HTTP reply.  See front.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "event.h"
#include "front.h"
#include "http.h"
#include "invoke.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "route.h"
#include "sigv4.h"

struct front {
	uv_loop_t	*loop;
	struct http_server *srv;
	struct route_table *rt;
	struct invoke	*invoke;	/* NULL: the Invoke API is off */
	char *const	*keys;		/* access_key "ID:SECRET", not owned */
	size_t		 nkeys;
	unsigned	 inflight;
};

static uint64_t
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
peer_text(const struct sockaddr_storage *ss, char *out, size_t n)
{
	const void *a = ss->ss_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (inet_ntop(ss->ss_family, a, out, (socklen_t)n) == NULL)
		snprintf(out, n, "127.0.0.1");
}

static void
front_reply_error(struct http_request *req, const struct pool *p,
    const struct inv_result *res)
{
	if (res->status == INV_THROTTLED) {
		static const char body[] = "{\"message\":\"Too Many Requests\"}";
		char ra[16];
		struct http_header h[] = {
			{ "Content-Type", 12, "application/json", 16 },
			{ "Retry-After", 11, ra, 0 },
		};

		h[1].value_len = (size_t)snprintf(ra, sizeof(ra), "%u",
		    pool_retry_after(p));
		http_respond(req, 429, h, 2, body, sizeof(body) - 1);
	} else if (res->error_type != NULL &&
	    strcmp(res->error_type, "Sandbox.Timedout") == 0)
		http_respond_json(req, 504, "{\"message\":\"Gateway Timeout\"}");
	else if (res->error_type != NULL &&
	    strcmp(res->error_type, "Function.ResponseSizeTooLarge") == 0)
		http_respond_json(req, 502, "{\"message\":\"Bad Gateway\"}");
	else
		http_respond_json(req, 500,
		    "{\"message\":\"Internal Server Error\"}");
}

static void
front_done(struct invocation *inv, const struct inv_result *res)
{
	struct http_request *req = inv->door;
	struct front *f = req->data;
	const struct function_conf *fc = pool_conf(inv->pool);
	struct event_reply r;
	const char *why;

	f->inflight--;
	if (res->status != INV_OK)
		front_reply_error(req, inv->pool, res);
	else if (event_map_reply(fc->payload, res->body, res->body_len, &r,
	    &why) != 0) {
		log_warnx("%s: %s: malformed reply: %s", fc->name, inv->id, why);
		metrics_error(pool_metrics(inv->pool), "MalformedReply");
		http_respond_json(req, 502, "{\"message\":\"Bad Gateway\"}");
	} else {
		http_respond(req, r.status, r.headers, r.nheaders, r.body,
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

/*
 * auth = aws_iam: the route needs a SigV4 signature (service execute-api)
 * from an access key, as API Gateway's IAM authorization.  Refusals are
 * 403 {"message":"Forbidden"}; the reason goes to the log, not the client.
 */
static int
front_authorized(struct front *f, struct http_request *req, struct pool *p)
{
	struct http_header h[2] = {
		{ "Content-Type", 12, "application/json", 16 },
		{ "x-amzn-ErrorType", 16, NULL, 0 },
	};
	static const char body[] = "{\"message\":\"Forbidden\"}";
	enum sigv4_status st;
	char why[256];

	if (pool_conf(p)->auth != CONF_AUTH_AWS_IAM)
		return 0;
	st = sigv4_verify(req, f->keys, f->nkeys, "execute-api", time(NULL),
	    why, sizeof(why));
	if (st == SIGV4_OK)
		return 0;
	log_info("%s: %s %.*s refused (auth = aws_iam): %s",
	    pool_conf(p)->name, req->method, (int)req->path_len, req->path, why);
	h[1].value = sigv4_error_type(st);
	h[1].value_len = strlen(h[1].value);
	http_respond(req, 403, h, 2, body, sizeof(body) - 1);
	return -EPERM;
}

static char *
dup_header(const struct http_request *req, const char *name)
{
	size_t n;
	const char *v = http_header_get(req, name, &n);

	return v != NULL && n > 0 ? strndup(v, n) : NULL;
}

static void
front_on_request(struct http_request *req, void *arg)
{
	struct front *f = arg;
	struct route_match m;
	struct invocation *inv;
	struct event_ctx ctx;
	struct pool *p;
	char ip[INET6_ADDRSTRLEN];

	/* Before the routes: those paths are the API's, and so is its 413. */
	if (f->invoke != NULL && invoke_match(req->path, req->path_len)) {
		invoke_handle(f->invoke, req);
		return;
	}
	if (req->too_large) {
		http_respond_json(req, 413,
		    "{\"message\":\"Request Entity Too Large\"}");
		return;
	}
	if (route_lookup(f->rt, req->method, req->path, req->path_len, &m) != 0) {
		http_respond_json(req, 404, "{\"message\":\"Not Found\"}");
		return;
	}
	p = m.target;
	if (front_authorized(f, req, p) != 0)
		return;
	if ((inv = inv_new()) == NULL) {
		http_respond_json(req, 500, "{\"message\":\"Internal Server Error\"}");
		return;
	}
	peer_text(&req->peer, ip, sizeof(ip));
	ctx.request_id = inv->id;
	ctx.time_ms = epoch_ms();
	ctx.source_ip = ip;
	ctx.stage = NULL;
	event_build(&inv->event, pool_conf(p)->payload, req, &m, &ctx);
	inv->trace_id = dup_header(req, "X-Amzn-Trace-Id");
	inv->done = front_done;
	inv->door = req;
	req->data = f;
	req->on_abort = front_aborted;
	if (pool_submit(p, inv) != 0) {
		struct inv_result res = { .status = INV_THROTTLED };

		log_info("%s: throttled (queue full)", pool_conf(p)->name);
		front_reply_error(req, p, &res);
		inv_free(inv);
		return;
	}
	f->inflight++;
}

struct front *
front_new(uv_loop_t *loop, struct route_table *rt)
{
	struct front *f = calloc(1, sizeof(*f));
	struct http_server_cfg cfg = {
		.max_header_size = 16 * 1024,
		.max_body = FRONT_MAX_BODY,
		.header_timeout_ms = 10000,
		.body_timeout_ms = 10000,
		.keepalive_timeout_ms = 75000,
		.max_conns = 4096,
		.on_request = front_on_request,
	};

	if (f == NULL)
		return NULL;
	f->loop = loop;
	f->rt = rt;
	cfg.arg = f;
	if ((f->srv = http_server_new(loop, &cfg)) == NULL) {
		free(f);
		return NULL;
	}
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
front_set_access_keys(struct front *f, char *const *keys, size_t n)
{
	f->keys = keys;
	f->nkeys = n;
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
}

unsigned
front_inflight(const struct front *f)
{
	return f->inflight + invoke_inflight(f->invoke);
}

unsigned
front_nconns(const struct front *f)
{
	return http_server_nconns(f->srv);
}

void
front_set_max_conns(struct front *f, unsigned n)
{
	http_server_set_max_conns(f->srv, n);
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
	free(f);
}
