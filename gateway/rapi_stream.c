/*
 * rapi_stream: a worker's POST /response in streaming mode, relayed to its
 * invocation's door as it is read.  See stream.h.
 *
 * The worker's endpoint (http.c) asks rapi_stream_wanted at the end of
 * each request's headers; a streamed /response for an invocation whose
 * door has a sink is handed out then (body_streamed), and its body comes
 * through st_body piece by piece.  The invocation stays with its worker,
 * under its timeout, until the body ends (st_end: the error trailers make
 * it an error), the connection is cut (st_abort: the worker died or gave
 * up, Runtime.TruncatedResponse), or the invocation is answered from
 * elsewhere (a timeout, the worker's exit: rapi_stream_detach), after
 * which the rest of the body is read and dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "pool.h"
#include "pool_int.h"
#include "rapi.h"
#include "stream.h"

struct rapi_stream {
	struct http_request *req;	/* the worker's POST, until answered */
	struct worker	*w;
	struct invocation *inv;		/* NULL once answered */
	char		 id[37];
	uint64_t	 bytes;
	bool		 too_large;
};

bool
rapi_stream_wanted(struct worker *w, const struct http_request *req)
{
	struct invocation *inv;
	const char *id;
	size_t idlen;

	if (rapi_parse(req, &id, &idlen) != RAPI_RESPONSE ||
	    rapi_response_mode(req) != 1)
		return false;
	inv = wk_find_inv(w, id, idlen);
	return inv != NULL && inv->sink != NULL;
}

void
rapi_stream_detach(struct invocation *inv)
{
	struct rapi_stream *st = inv->stream;

	if (st == NULL)
		return;
	inv->stream = NULL;
	st->inv = NULL;
	/* Read the rest, to drop it: the worker is not to block on us. */
	if (st->req != NULL)
		http_body_pause(st->req, false);
}

void
inv_stream_pause(struct invocation *inv, bool pause)
{
	if (inv->stream != NULL && inv->stream->req != NULL)
		http_body_pause(inv->stream->req, pause);
}

/* The invocation leaves its worker, as rapi_reply's do. */
static void
st_leave(struct rapi_stream *st)
{
	struct worker *w = st->w;
	struct invocation *inv = st->inv;

	wk_log_drain(w);
	wk_log_report(w, inv);
	wk_inv_detach(w, inv);
	if (!w->exited)
		wk_event(w, WE_REPLY);
}

static void
st_free(struct rapi_stream *st, struct http_request *req)
{
	req->data = NULL;
	req->on_body = NULL;
	req->on_body_end = NULL;
	req->on_abort = NULL;
	if (st->inv != NULL)
		st->inv->stream = NULL;
	free(st);
}

static void
st_body(struct http_request *req, const char *p, size_t n, void *arg)
{
	struct rapi_stream *st = req->data;
	struct invocation *inv = st->inv;

	(void)arg;
	st->bytes += n;
	if (inv == NULL)
		return;
	if (st->bytes > STREAM_MAX_RESPONSE) {
		log_warnx("%s: %s: streamed response over %llu bytes",
		    st->w->pool->fc->name, st->id,
		    (unsigned long long)STREAM_MAX_RESPONSE);
		st->too_large = true;
		st_leave(st);
		inv_fail(inv, INV_PLATFORM_ERROR, "Function.ResponseSizeTooLarge",
		    "Response payload size exceeded maximum allowed payload "
		    "size (%llu bytes).", (unsigned long long)STREAM_MAX_RESPONSE);
		return;
	}
	inv->sink->data(inv, p, n);
}

/* The body is whole: the trailers tell success from error. */
static void
st_end(struct http_request *req, void *arg)
{
	struct rapi_stream *st = req->data;
	struct worker *w = arg;
	struct invocation *inv = st->inv;
	struct inv_result res = { .status = INV_OK };
	struct buf eb;
	const char *type;

	if (inv == NULL) {
		/* Answered already: a timeout (its late answer), or too large. */
		if (st->too_large)
			rapi_send_error(req, 413, "RequestEntityTooLarge",
			    "Exceeded maximum allowed streamed payload size.");
		else if (!wk_late_answer(w, req, st->id, strlen(st->id)))
			rapi_send_error(req, 403, "InvalidStateTransition",
			    "the invocation was answered before its stream ended");
		st_free(st, req);
		return;
	}
	buf_init(&eb);
	if (rapi_trailer_error(req, &eb, &type)) {
		res.status = INV_FUNC_ERROR;
		res.error_type = type;
		res.body = eb.data;
		res.body_len = eb.len;
		res.content_type = "application/json";
		log_info("%s: %s: the stream ended in error %s",
		    w->pool->fc->name, st->id, type);
	}
	st_leave(st);
	st_free(st, req);
	inv->stream = NULL;
	res.streamed = true;
	inv_finish(inv, &res);
	rapi_send_accepted(req);
	buf_free(&eb);
	pool_run(w->pool);
}

/* The worker's connection went mid-body. */
static void
st_abort(struct http_request *req, void *arg)
{
	struct rapi_stream *st = req->data;
	struct invocation *inv = st->inv;

	(void)arg;
	st->req = NULL;
	if (inv != NULL) {
		log_warnx("%s: %s: the streamed response was cut after %llu "
		    "bytes", st->w->pool->fc->name, st->id,
		    (unsigned long long)st->bytes);
		st_leave(st);
		inv_fail(inv, INV_PLATFORM_ERROR, "Runtime.TruncatedResponse",
		    "RequestId: %s Error: the runtime's streamed response was "
		    "cut short", st->id);
	}
	st_free(st, req);
	rapi_send_accepted(req);	/* discarded: released */
}

void
rapi_stream_start(struct worker *w, struct http_request *req,
    struct invocation *inv)
{
	struct rapi_stream *st = calloc(1, sizeof(*st));
	const char *ct, *id;
	size_t ctlen, idlen;

	if (st == NULL) {
		/* The body cannot be taken: the connection closes. */
		rapi_send_error(req, 500, "InternalServerError", "out of memory");
		return;
	}
	(void)rapi_parse(req, &id, &idlen);
	snprintf(st->id, sizeof(st->id), "%.*s", (int)idlen, id);
	st->req = req;
	st->w = w;
	req->data = st;
	req->on_body = st_body;
	req->on_body_end = st_end;
	req->on_abort = st_abort;
	if (inv == NULL)
		return;		/* not one it holds: read, then refused */
	st->inv = inv;
	inv->stream = st;
	ct = http_header_get(req, "Content-Type", &ctlen);
	inv->sink->begin(inv, ct, ct != NULL ? ctlen : 0);
}
