/*
 * request: a request's life in the gateway, from apigw_begin (its trace
 * id, its arrival) to apigw_finish (its reply and its access-log line),
 * and the stage it is served by.  See apigw.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apigw/accesslog.h"
#include "apigw/apigw.h"
#include "apigw/apigw_int.h"
#include "apigw/trace.h"
#include "conf.h"
#include "event.h"
#include "http.h"
#include "log.h"
#include "uuid.h"

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

struct apigw_reply *
apigw_begin(struct apigw *gw, struct http_request *req)
{
	struct apigw_reply *x = calloc(1, sizeof(*x));

	if (x == NULL)
		abort();	/* as buf.c: no memory for a few bytes */
	x->req = req;
	x->gw = gw;
	buf_init(&x->text);
	x->time_ms = epoch_ms();
	x->integration_latency_ms = -1;
	peer_text(&req->peer, x->source_ip, sizeof(x->source_ip));
	if (trace_make(req, x->time_ms / 1000, &x->trace_id,
	    &x->traceparent) != 0)
		abort();
	/* API Gateway returns the trace id with every reply. */
	x->n = 1;
	x->name[0] = "X-Amzn-Trace-Id";
	x->len[0] = strlen(x->trace_id);
	buf_add(&x->text, x->trace_id, x->len[0]);
	return x;
}

/* {"message":"X"}: X, into out; NULL if body is not that. */
static const char *
own_message(const char *body, size_t len, char *out, size_t n)
{
	static const char pre[] = "{\"message\":\"";
	const char *e;

	if (body == NULL || len < sizeof(pre) + 1 ||
	    memcmp(body, pre, sizeof(pre) - 1) != 0)
		return NULL;
	body += sizeof(pre) - 1;
	len -= sizeof(pre) - 1;
	if ((e = memchr(body, '"', len)) == NULL || (size_t)(e - body) >= n)
		return NULL;
	memcpy(out, body, (size_t)(e - body));
	out[e - body] = '\0';
	return out;
}

static void
record(struct apigw_reply *x, int status, const char *body, size_t len,
    bool own)
{
	struct apigw_log *lg = apigw_log(x->gw);
	struct al_record r;
	char msg[128];

	if (lg->al == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.req = x->req;
	r.request_id = x->request_id;
	r.source_ip = x->source_ip;
	r.time_ms = x->time_ms;
	r.route_key = x->route_key;
	r.stage = lg->stage;
	r.status = status;
	r.response_length = (int64_t)len;
	r.response_latency_ms = (int64_t)((uv_hrtime() - x->req->start_ns) /
	    1000000);
	r.integration_latency_ms = x->integration_latency_ms;
	r.integration_status = x->integration_status;
	r.integration_error = x->integration_error;
	r.error_message = own ? own_message(body, len, msg, sizeof(msg)) :
	    NULL;
	r.authorizer_error = x->authorizer_error;
	r.authorizer_json = x->authorizer_json;
	r.api_key_id = x->api_key_id;
	r.trace_id = x->trace_id;
	r.traceparent = x->traceparent;
	accesslog_write(lg->al, &r);
}

void
apigw_finish_ex(struct apigw_reply *x, int status,
    const struct http_header *hdrs, size_t n, const char *body, size_t len,
    bool own)
{
	/* A request refused before any invocation still gets an id: for
	 * its Apigw-Requestid header and its access-log line. */
	if (x->request_id[0] == '\0')
		uuid_random(x->request_id);
	/* Before the reply: the request's memory lasts until http_respond. */
	record(x, status, body, len, own);
	apigw_respond(x, x->req, status, hdrs, n, body, len);
	apigw_reply_free(x);
}

void
apigw_finish_upgrade(struct apigw_reply *x)
{
	if (x->request_id[0] == '\0')
		uuid_random(x->request_id);
	record(x, 101, "", 0, false);
	apigw_reply_free(x);
}

void
apigw_finish_streamed(struct apigw_reply *x, int status, uint64_t len)
{
	if (x->request_id[0] == '\0')
		uuid_random(x->request_id);
	record(x, status, "", (size_t)len, false);
	apigw_reply_free(x);
}

void
apigw_finish(struct apigw_reply *x, int status,
    const struct http_header *hdrs, size_t n, const char *body, size_t len)
{
	apigw_finish_ex(x, status, hdrs, n, body, len, false);
}

void
apigw_finish_error(struct apigw_reply *x, int status, const char *body,
    const char *retry_after)
{
	struct http_header h[] = {
		{ "Content-Type", 12, "application/json", 16 },
		{ "Retry-After", 11, retry_after, 0 },
	};

	if (retry_after != NULL)
		h[1].value_len = strlen(retry_after);
	apigw_finish_ex(x, status, h, retry_after != NULL ? 2 : 1, body,
	    strlen(body), true);
}

void
apigw_integration(struct apigw_reply *x, int status, const char *error,
    uint64_t submitted_ns)
{
	x->integration_status = status;
	x->integration_error = error;
	if (submitted_ns != 0)
		x->integration_latency_ms =
		    (int64_t)((uv_hrtime() - submitted_ns) / 1000000);
}

void
apigw_event_ctx(struct apigw_reply *x, const char *request_id,
    struct event_ctx *ctx)
{
	struct apigw_log *lg = apigw_log(x->gw);

	snprintf(x->request_id, sizeof(x->request_id), "%s", request_id);
	memset(ctx, 0, sizeof(*ctx));
	ctx->request_id = request_id;
	ctx->time_ms = x->time_ms;
	ctx->source_ip = x->source_ip;
	ctx->stage = lg->stage;
	ctx->stage_vars = (const char *const *)lg->vars;
	ctx->nstage_vars = lg->nvars;
	ctx->authorizer_jwt = x->authorizer_json;
	ctx->trace_id = x->trace_id;
}

int
apigw_configure(struct apigw *gw, uv_loop_t *loop, const struct conf *c,
    char *err, size_t errlen)
{
	struct apigw_log *lg = apigw_log(gw);
	struct accesslog *al = NULL;
	uint64_t lines, dropped;
	char why[512];
	int rc = 0;

	if (c->access_log != NULL && accesslog_same_path(lg->al, c->access_log)) {
		al = lg->al;
		if (accesslog_set_format(al, c->access_log_format, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "access_log_format: %s", why);
			rc = -1;
		}
	} else if (c->access_log != NULL && accesslog_open(loop, c->access_log,
	    c->access_log_format, &al, why, sizeof(why)) != 0) {
		/* The old file (if any) goes on; the rest changes. */
		snprintf(err, errlen, "access_log: %s", why);
		al = lg->al;
		rc = -1;
	}
	if (al != lg->al) {
		/* The counters go on across writers (they are counters). */
		accesslog_stats(lg->al, &lines, &dropped);
		lg->lines += lines;
		lg->dropped += dropped;
		accesslog_close(lg->al);	/* after what it has waiting */
	}
	lg->al = al;
	/* c is the running configuration from now on: nothing may point
	 * into the one before. */
	lg->stage = c->stage != NULL ? c->stage : "$default";
	lg->vars = c->stage_vars;
	lg->nvars = c->nstage_vars;
	return rc;
}

void
apigw_log_stats(struct apigw *gw, uint64_t *lines, uint64_t *dropped)
{
	struct apigw_log *lg = apigw_log(gw);

	accesslog_stats(lg->al, lines, dropped);
	*lines += lg->lines;
	*dropped += lg->dropped;
}

void
apigw_reopen_log(struct apigw *gw)
{
	accesslog_reopen(apigw_log(gw)->al);
}
