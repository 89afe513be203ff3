/*
 * worker_rapi: the Runtime API as one worker's endpoint serves it
 * (worker.c has the process and its state machine, rapi.c the routes):
 * each request is matched to the worker's invocations by request id,
 * answered, and turned into an event of the state machine; a late or
 * unknown answer gets its own reply.  See pool_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "endpoint.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "pool.h"
#include "pool_int.h"
#include "rapi.h"
#include "sandbox.h"
#include "stream.h"

/* ---- the Runtime API, per worker --------------------------------------- */

static bool
id_is(const char *id, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(id, want, n) == 0;
}

void
wk_inv_detach(struct worker *w, struct invocation *inv)
{
	unsigned i;

	for (i = 0; i < w->nlive; i++)
		if (w->invs[i] == inv) {
			memmove(w->invs + i, w->invs + i + 1,
			    (w->nlive - i - 1) * sizeof(*w->invs));
			w->nlive--;
			break;
		}
	inv->worker = NULL;
	snprintf(w->last_id, sizeof(w->last_id), "%s", inv->id);
}

struct invocation *
wk_find_inv(struct worker *w, const char *id, size_t n)
{
	unsigned i;

	for (i = 0; i < w->nlive; i++)
		if (id_is(id, n, w->invs[i]->id))
			return w->invs[i];
	return NULL;
}

/*
 * The late answer of an invocation that timed out while the worker held
 * others: it was answered already; take this one and drop it, so the
 * runtime's thread goes on to its next /next.
 */
bool
wk_late_answer(struct worker *w, struct http_request *req, const char *id,
    size_t n)
{
	unsigned i;

	for (i = 0; i < w->nlate; i++)
		if (id_is(id, n, w->late[i])) {
			log_debug("%s: worker %d: the answer of %s after its "
			    "timeout, dropped", w->pool->fc->name, (int)w->pid,
			    w->late[i]);
			memmove(w->late + i, w->late + i + 1,
			    (w->nlate - i - 1) * sizeof(*w->late));
			w->nlate--;
			wk_log_drain(w);
			rapi_send_accepted(req);
			wk_ready_sync(w);
			return true;
		}
	return false;
}

/* POST /response or /error for an invocation the worker holds. */
static void
rapi_reply(struct worker *w, struct http_request *req, enum rapi_call call,
    struct invocation *inv)
{
	struct inv_result res = { .status = INV_OK };
	struct buf eb;
	size_t ctlen;
	const char *type;

	buf_init(&eb);
	wk_log_drain(w);
	if (req->too_large || req->body_len > RAPI_MAX_RESPONSE) {
		rapi_send_error(req, 413, "RequestEntityTooLarge",
		    "Exceeded maximum allowed payload size (6291556 bytes).");
		wk_log_report(w, inv);
		wk_inv_detach(w, inv);
		wk_event(w, WE_REPLY);
		inv_fail(inv, INV_PLATFORM_ERROR, "Function.ResponseSizeTooLarge",
		    "Response payload size exceeded maximum allowed payload size "
		    "(6291556 bytes).");
		return;
	}
	if (call == RAPI_RESPONSE && rapi_response_mode(req) < 0) {
		rapi_send_error(req, 400, "InvalidFunctionResponseMode",
		    "Lambda-Runtime-Function-Response-Mode must be streaming");
		wk_log_report(w, inv);
		wk_inv_detach(w, inv);
		wk_event(w, WE_REPLY);
		inv_fail(inv, INV_PLATFORM_ERROR, "Runtime.InvalidResponseModeHeader",
		    "the runtime sent an invalid response mode");
		return;
	}
	if (call == RAPI_ERROR) {
		type = rapi_error_body(req, &eb, "Runtime.Unknown");
		res.status = INV_FUNC_ERROR;
		res.error_type = type;
		res.body = eb.data;
		res.body_len = eb.len;
		res.content_type = "application/json";
	} else if (rapi_trailer_error(req, &eb, &type)) {
		res.status = INV_FUNC_ERROR;
		res.error_type = type;
		res.body = eb.data;
		res.body_len = eb.len;
		res.content_type = "application/json";
	} else {
		res.body = req->body;
		res.body_len = req->body_len;
		res.content_type = http_header_get(req, "Content-Type", &ctlen);
	}
	wk_log_report(w, inv);
	wk_inv_detach(w, inv);
	wk_event(w, WE_REPLY);
	/* res points into req: finish before answering, which frees req. */
	inv_finish(inv, &res);
	rapi_send_accepted(req);
	buf_free(&eb);
	pool_run(w->pool);
}

static void
rapi_init_error(struct worker *w, struct http_request *req)
{
	struct pool *p = w->pool;
	const char *type;
	struct buf eb;

	if (w->state != WS_SPAWNING) {
		rapi_send_error(req, 403, "InvalidStateTransition",
		    "init/error after init");
		return;
	}
	buf_init(&eb);
	type = rapi_error_body(req, &eb, "Runtime.Unknown");
	log_warnx("%s: worker %d: init error %s", p->fc->name, (int)w->pid, type);
	rapi_send_accepted(req);
	pool_init_failed(p, type, eb.data, eb.len, NULL);
	buf_free(&eb);
	wk_event(w, WE_INIT_ERROR);
}

void
pool_rapi_request(struct worker *w, struct http_request *req)
{
	struct invocation *inv;
	const char *id;
	size_t idlen;
	enum rapi_call call = rapi_parse(req, &id, &idlen);

	switch (call) {
	case RAPI_NEXT:
		wk_next(w, req);
		return;
	case RAPI_RESPONSE:
	case RAPI_ERROR:
		if (req->body_streamed) {	/* rapi_stream_wanted's */
			rapi_stream_start(w, req, wk_find_inv(w, id, idlen));
			return;
		}
		if ((inv = wk_find_inv(w, id, idlen)) != NULL) {
			rapi_reply(w, req, call, inv);
			return;
		}
		if (wk_late_answer(w, req, id, idlen))
			return;
		if (id_is(id, idlen, w->last_id))
			rapi_send_error(req, 403, "InvalidStateTransition",
			    "State transition from Ready to InvocationResponse failed");
		else if (w->state == WS_SPAWNING)
			rapi_send_error(req, 403, "InvalidStateTransition",
			    "no invocation has been handed out yet");
		else
			rapi_send_error(req, 400, "InvalidRequestID",
			    "Invalid request ID");
		return;
	case RAPI_INIT_ERROR:
		rapi_init_error(w, req);
		return;
	case RAPI_PING:
		http_respond(req, 200, NULL, 0, "pong", 4);
		return;
	case RAPI_BAD:
		break;
	}
	rapi_send_error(req, 404, "InvalidRequest", "unknown Runtime API call");
}

bool
rapi_stream_body(const struct http_request *req, void *arg)
{
	return rapi_stream_wanted(arg, req);
}

void
rapi_on_request(struct http_request *req, void *arg)
{
	struct worker *w = arg;

	/* The same endpoint serves the DynamoDB API (endpoint.h). */
	if (!endpoint_serve(w->pool->fc->name, req))
		pool_rapi_request(w, req);
}
