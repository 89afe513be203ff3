/*
 * front_stream: a route's streamed reply.  See front_stream.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "apigw/apigw.h"
#include "buf.h"
#include "event.h"
#include "front_stream.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "stream.h"

#define DELIM_LEN	8	/* the prelude's end: 8 NUL bytes */

struct fstream {
	struct invocation *inv;
	struct apigw_reply *x;		/* the door's (inv->door) */
	struct http_request *req;	/* the client's, until released */
	void		*owner;		/* req->data as front.c set it */
	struct buf	 pre;		/* the prelude so far */
	bool		 in_prelude;	/* HTTP-shaped, prelude not whole */
	bool		 begun;		/* the client's reply has started */
	bool		 answered;	/* it was answered (a bad prelude) */
	bool		 gone;		/* the client left, or a write failed */
	int		 status;
	uint64_t	 sent;
};

static struct fstream *
fs_of(const struct invocation *inv)
{
	return inv->sink_arg;
}

void *
front_stream_owner(const struct invocation *inv)
{
	const struct apigw_reply *x = inv->door;

	/* A stream may have answered (and freed) the door's reply already. */
	return fs_of(inv) != NULL ? fs_of(inv)->owner : x->req->data;
}

/* The client's socket took what was queued: the worker may go on. */
static void
fs_drain(struct http_request *req, void *arg)
{
	struct fstream *st = req->data;

	(void)arg;
	inv_stream_pause(st->inv, false);
}

static void
fs_abort(struct http_request *req, void *arg)
{
	struct fstream *st = req->data;

	(void)arg;
	st->gone = true;
	inv_stream_pause(st->inv, false);	/* read on, to drop */
}

static void
fs_write(struct fstream *st, const char *p, size_t n)
{
	if (st->gone || n == 0)
		return;
	if (http_stream_write(st->req, p, n) < 0) {
		st->gone = true;
		inv_stream_pause(st->inv, false);
		return;
	}
	st->sent += n;
	if (http_stream_queued(st->req) > STREAM_HIGH_WATER)
		inv_stream_pause(st->inv, true);
}

/* The client's reply starts: status, and hdrs with the gateway's own. */
static void
fs_open(struct fstream *st, int status, const struct http_header *hdrs,
    size_t n)
{
	struct http_header *h = calloc(n + APIGW_MAX_HDRS + 1, sizeof(*h));

	if (h == NULL)
		abort();	/* as buf.c: no memory for a few bytes */
	n = apigw_reply_merge(st->x, hdrs, n, h);
	st->begun = true;
	st->status = status;
	apigw_integration(st->x, 200, NULL, st->inv->enqueued_ns);
	if (http_stream_begin(st->req, status, h, n, HTTP_CHUNKED) < 0)
		st->gone = true;
	free(h);
}

/* A prelude that cannot be read: 502, and the rest is dropped. */
static void
fs_bad_prelude(struct fstream *st, const char *why)
{
	struct invocation *inv = st->inv;

	log_warnx("%s: %s: malformed stream prelude: %s",
	    pool_conf(inv->pool)->name, inv->id, why);
	metrics_error(pool_metrics(inv->pool), "MalformedReply");
	st->answered = st->gone = true;
	st->req->data = st->owner;
	apigw_integration(st->x, 200, NULL, inv->enqueued_ns);
	apigw_finish_error(st->x, 502, "{\"message\":\"Bad Gateway\"}", NULL);
	st->x = NULL;
	st->req = NULL;
	inv_stream_pause(inv, false);
}

/*
 * The prelude is whole (pre[0..n)): {statusCode, headers, cookies}, read
 * as a payload 2.0 reply would be (the same checks on names and values);
 * statusCode defaults to 200, as function URLs have it.
 */
static void
fs_prelude(struct fstream *st, size_t n)
{
	struct event_reply r;
	const char *why = "the prelude is not a JSON object";
	cJSON *j = cJSON_ParseWithLength(st->pre.data, n);
	char *s = NULL;

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		fs_bad_prelude(st, why);
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(j, "body");
	if (cJSON_GetObjectItemCaseSensitive(j, "statusCode") == NULL)
		cJSON_AddNumberToObject(j, "statusCode", 200);
	if ((s = cJSON_PrintUnformatted(j)) == NULL ||
	    event_map_reply(2, s, strlen(s), &r, &why) != 0) {
		cJSON_Delete(j);
		free(s);
		fs_bad_prelude(st, why != NULL ? why : "out of memory");
		return;
	}
	cJSON_Delete(j);
	free(s);
	fs_open(st, r.status, r.headers, r.nheaders);
	event_reply_free(&r);
}

static const char *
find_delim(const char *p, size_t n)
{
	static const char zero[DELIM_LEN];
	const char *q = p, *end = p + n;

	while ((q = memchr(q, '\0', (size_t)(end - q))) != NULL) {
		if ((size_t)(end - q) < DELIM_LEN)
			return NULL;
		if (memcmp(q, zero, DELIM_LEN) == 0)
			return q;
		q++;
	}
	return NULL;
}

static void
fs_prelude_data(struct fstream *st, const char *p, size_t n)
{
	size_t old = st->pre.len, at, skip;
	const char *d;

	/* The delimiter may straddle pieces: look from 7 bytes back. */
	buf_add(&st->pre, p, n);
	skip = old >= DELIM_LEN - 1 ? old - (DELIM_LEN - 1) : 0;
	if ((d = find_delim(st->pre.data + skip, st->pre.len - skip)) == NULL) {
		if (st->pre.len > STREAM_PRELUDE_MAX)
			fs_bad_prelude(st, "no 8-NUL delimiter in its first "
			    "64 KiB");
		return;
	}
	at = (size_t)(d - st->pre.data);
	st->in_prelude = false;
	fs_prelude(st, at);
	if (!st->answered)
		fs_write(st, d + DELIM_LEN, st->pre.len - at - DELIM_LEN);
	buf_free(&st->pre);
}

static void
fs_data(struct invocation *inv, const char *p, size_t n)
{
	struct fstream *st = fs_of(inv);

	if (st->in_prelude)
		fs_prelude_data(st, p, n);
	else
		fs_write(st, p, n);
}

static void
fs_begin(struct invocation *inv, const char *ct, size_t ctlen)
{
	struct apigw_reply *x = inv->door;
	struct fstream *st = calloc(1, sizeof(*st));
	char type[256];
	struct http_header h = { "Content-Type", 12, type, 0 };

	if (st == NULL)
		abort();
	st->inv = inv;
	st->x = x;
	st->req = x->req;
	st->owner = x->req->data;
	buf_init(&st->pre);
	inv->sink_arg = st;
	x->req->data = st;
	x->req->on_drain = fs_drain;
	x->req->on_abort = fs_abort;
	if (ct != NULL && ctlen == strlen(STREAM_HTTP_TYPE) &&
	    strncasecmp(ct, STREAM_HTTP_TYPE, ctlen) == 0) {
		st->in_prelude = true;
		return;
	}
	if (ct == NULL || ctlen == 0 || ctlen >= sizeof(type))
		snprintf(type, sizeof(type), "application/octet-stream");
	else
		snprintf(type, sizeof(type), "%.*s", (int)ctlen, ct);
	h.value_len = strlen(type);
	fs_open(st, 200, &h, 1);
}

const struct inv_sink front_sink = {
	.begin = fs_begin,
	.data = fs_data,
};

/* Not begun: the error replies front.c gives a buffered one. */
static void
fs_unbegun(struct fstream *st, const struct inv_result *res)
{
	struct invocation *inv = st->inv;
	int status = 500;
	const char *body = "{\"message\":\"Internal Server Error\"}";

	st->req->data = st->owner;
	if (res->status == INV_OK) {
		fs_bad_prelude(st, "the stream ended inside its prelude");
		return;
	}
	if (res->error_type != NULL &&
	    strcmp(res->error_type, "Sandbox.Timedout") == 0) {
		status = 504;
		body = "{\"message\":\"Gateway Timeout\"}";
	} else if (res->error_type != NULL &&
	    strcmp(res->error_type, "Function.ResponseSizeTooLarge") == 0) {
		status = 502;
		body = "{\"message\":\"Bad Gateway\"}";
	}
	apigw_integration(st->x, 500, res->error_type, inv->enqueued_ns);
	apigw_finish_error(st->x, status, body, NULL);
}

void
front_stream_done(struct invocation *inv, const struct inv_result *res)
{
	struct fstream *st = fs_of(inv);
	struct http_request *req = st->req;

	if (st->answered)
		;
	else if (!st->begun)
		fs_unbegun(st, res);
	else {
		if (res->status != INV_OK) {
			log_info("%s: %s: streamed reply cut after %llu bytes: %s",
			    pool_conf(inv->pool)->name, inv->id,
			    (unsigned long long)st->sent,
			    res->error_type != NULL ? res->error_type : "error");
			apigw_integration(st->x, 200, res->error_type,
			    inv->enqueued_ns);
		}
		/* The log line reads req: before it is released. */
		apigw_finish_streamed(st->x, st->status, st->sent);
		if (res->status == INV_OK && !st->gone)
			http_stream_finish(req);
		else
			http_stream_end(req);
	}
	inv->sink_arg = NULL;
	buf_free(&st->pre);
	free(st);
}
