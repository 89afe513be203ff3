/*
 * invoke_stream: InvokeWithResponseStream (POST /2021-11-15/functions/NAME/
 * response-streaming-invocations), the Invoke API's streaming call.
 *
 * The request is read and checked as Invoke's is (invoke.c), then the
 * invocation runs with a sink (stream.h): the reply is 200 with an event
 * stream (evstream.h), a PayloadChunk event for each piece of the
 * function's response as it comes, then one InvokeComplete event
 * {ErrorCode, ErrorDetails, LogResult}, which is where an error (error
 * trailers, a timeout, the worker gone, or a /error before anything
 * streamed) is told.  A response the worker did not stream arrives whole
 * and goes out as one PayloadChunk.  Failures before the function runs
 * (not found, throttled, bad payload) are the usual API error replies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "buf.h"
#include "evstream.h"
#include "front.h"
#include "http.h"
#include "invoke.h"
#include "invoke_int.h"
#include "log.h"
#include "pool.h"
#include "stream.h"

#define OP_SUFFIX	"/response-streaming-invocations"
#define LOG_RESULT_MAX	4096
#define PIECE_MAX	(1024 * 1024)	/* payload bytes per event */

struct istream {
	struct invoke	*iv;
	struct http_request *req;
	struct invocation *inv;
	struct buf	 ev;		/* an event being framed */
	bool		 tail;		/* X-Amz-Log-Type: Tail */
	bool		 begun;
	bool		 gone;
};

#define HDR(n, v)	((struct http_header){ n, sizeof(n) - 1, v, strlen(v) })

bool
invoke_stream_match(const struct http_request *req)
{
	size_t n = strlen(STREAM_FN_PATH);

	return req->path_len > n && memcmp(req->path, STREAM_FN_PATH, n) == 0 &&
	    req->path[n] == '/';
}

static void
is_drain(struct http_request *req, void *arg)
{
	struct istream *st = req->data;

	(void)arg;
	inv_stream_pause(st->inv, false);
}

static void
is_abort(struct http_request *req, void *arg)
{
	struct istream *st = req->data;

	(void)arg;
	st->gone = true;
	inv_stream_pause(st->inv, false);
}

/* The reply's head: 200, an event stream. */
static void
is_open(struct istream *st)
{
	struct http_header h[4];
	size_t nh = 0;

	if (st->begun)
		return;
	st->begun = true;
	h[nh++] = HDR("Content-Type", "application/vnd.amazon.eventstream");
	h[nh++] = HDR("X-Amz-Executed-Version", pool_version(st->inv->pool));
	h[nh++] = HDR("X-Amzn-RequestId", st->inv->id);
	if (st->inv->trace_id != NULL)
		h[nh++] = HDR("X-Amzn-Trace-Id", st->inv->trace_id);
	if (http_stream_begin(st->req, 200, h, nh, HTTP_CHUNKED) < 0)
		st->gone = true;
}

static void
is_send(struct istream *st)
{
	if (!st->gone && st->ev.len > 0 &&
	    http_stream_write(st->req, st->ev.data, st->ev.len) < 0)
		st->gone = true;
	buf_reset(&st->ev);
}

static void
is_payload(struct istream *st, const char *p, size_t n)
{
	size_t k;

	while (n > 0 && !st->gone) {
		k = n > PIECE_MAX ? PIECE_MAX : n;
		evs_event(&st->ev, "PayloadChunk", "application/octet-stream",
		    p, k);
		is_send(st);
		p += k;
		n -= k;
	}
}

static void
is_begin(struct invocation *inv, const char *ct, size_t ctlen)
{
	(void)ct;
	(void)ctlen;
	is_open(inv->sink_arg);
}

static void
is_data(struct invocation *inv, const char *p, size_t n)
{
	struct istream *st = inv->sink_arg;

	is_payload(st, p, n);
	if (!st->gone && http_stream_queued(st->req) > STREAM_HIGH_WATER)
		inv_stream_pause(inv, true);
}

static const struct inv_sink invoke_sink = {
	.begin = is_begin,
	.data = is_data,
};

/* InvokeComplete: {ErrorCode, ErrorDetails, LogResult}, as they apply. */
static void
is_complete(struct istream *st, const struct inv_result *res)
{
	cJSON *j = cJSON_CreateObject();
	struct buf b;
	char *s;

	buf_init(&b);
	if (res->status != INV_OK) {
		cJSON_AddStringToObject(j, "ErrorCode", res->error_type != NULL ?
		    res->error_type : "Unhandled");
		buf_add(&b, res->body != NULL ? res->body : "", res->body_len);
		cJSON_AddStringToObject(j, "ErrorDetails", b.data != NULL ?
		    b.data : "");
		buf_reset(&b);
	}
	if (st->tail) {
		size_t n = res->log_tail_len, skip = n > LOG_RESULT_MAX ?
		    n - LOG_RESULT_MAX : 0;

		buf_base64(&b, res->log_tail != NULL ? res->log_tail + skip :
		    "", n - skip);
		cJSON_AddStringToObject(j, "LogResult", b.data != NULL ?
		    b.data : "");
	}
	if ((s = cJSON_PrintUnformatted(j)) != NULL) {
		evs_event(&st->ev, "InvokeComplete", "application/json", s,
		    strlen(s));
		is_send(st);
	}
	free(s);
	cJSON_Delete(j);
	buf_free(&b);
}

static void
is_done(struct invocation *inv, const struct inv_result *res)
{
	struct istream *st = inv->sink_arg;
	struct http_request *req = st->req;

	st->iv->inflight--;
	if (res->status == INV_THROTTLED && !st->begun) {
		if (res->error_type != NULL &&
		    strcmp(res->error_type, "ServiceException") == 0)
			api_error(req, 500, "ServiceException", inv->id,
			    "lambdad is shutting down");
		else
			api_throttled(req, inv->pool, inv->id);
	} else {
		is_open(st);
		/* Not streamed: the whole response, as one piece. */
		if (!res->streamed && res->status == INV_OK)
			is_payload(st, res->body, res->body_len);
		is_complete(st, res);
		if (st->gone)
			http_stream_end(req);
		else
			http_stream_finish(req);
	}
	buf_free(&st->ev);
	free(st);
	inv_free(inv);
}

static void
is_submit(struct invoke *iv, struct pool *p, struct http_request *req,
    struct invocation *inv)
{
	struct istream *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		api_error(req, 500, "ServiceException", inv->id, "out of memory");
		inv_free(inv);
		return;
	}
	st->iv = iv;
	st->req = req;
	st->inv = inv;
	st->tail = wants_tail(req);
	buf_init(&st->ev);
	inv->done = is_done;
	inv->door = req;
	inv->via = INV_VIA_INVOKE;
	inv->sink = &invoke_sink;
	inv->sink_arg = st;
	req->data = st;
	req->on_abort = is_abort;
	req->on_drain = is_drain;
	if (pool_submit(p, inv) != 0) {
		log_info("%s: %s: throttled (queue full)", pool_conf(p)->name,
		    inv->id);
		req->data = NULL;
		req->on_abort = NULL;
		api_throttled(req, p, inv->id);
		free(st);
		inv_free(inv);
		return;
	}
	iv->inflight++;
}

void
invoke_stream_handle(struct invoke *iv, struct http_request *req)
{
	const char *seg = req->path + strlen(STREAM_FN_PATH) + 1, *op;
	size_t n = req->path_len - strlen(STREAM_FN_PATH) - 1;
	struct invocation *inv;
	enum inv_type type;
	struct pool *p;

	op = memchr(seg, '/', n);
	if (op == NULL || op == seg || strcmp(req->method, "POST") != 0 ||
	    (size_t)(seg + n - op) != strlen(OP_SUFFIX) ||
	    memcmp(op, OP_SUFFIX, strlen(OP_SUFFIX)) != 0) {
		api_error(req, 404, "UnknownOperationException", NULL,
		    "Unknown operation %s %.*s", req->method,
		    (int)req->path_len, req->path);
		return;
	}
	if (req->too_large) {
		api_error(req, 413, "RequestEntityTooLargeException", NULL,
		    "Request must be smaller than %d bytes for the "
		    "InvokeWithResponseStream operation", FRONT_MAX_BODY);
		return;
	}
	if ((inv = inv_new()) == NULL) {
		api_error(req, 500, "ServiceException", NULL, "out of memory");
		return;
	}
	if ((p = invoke_resolve(iv, req, seg, (size_t)(op - seg),
	    inv->id)) == NULL || invoke_read_headers(req, inv, &type) != 0)
		goto done;
	if (type == TYPE_EVENT) {
		api_error(req, 400, "InvalidParameterValueException", inv->id,
		    "InvokeWithResponseStream takes RequestResponse or DryRun "
		    "invocations, not Event");
		goto done;
	}
	if (invoke_client_context(req, inv) != 0 ||
	    invoke_read_body(req, inv) != 0)
		goto done;
	if (type == TYPE_DRYRUN) {
		struct http_header h = HDR("X-Amzn-RequestId", inv->id);

		http_respond(req, 204, &h, 1, NULL, 0);
		goto done;
	}
	is_submit(iv, p, req, inv);
	return;
done:
	inv_free(inv);
}
