/*
 * ws_invoke: a connection's messages and its $disconnect, to functions
 * (ws_int.h), through the pools as every door's invocations go.
 *
 * A message selects its route (ws_event_select: the route_selection
 * member of a JSON body), else $default; with neither, API Gateway's
 * error frame {"message": "Forbidden", "connectionId", "requestId"} is
 * the answer.  The function's reply body, when it has one, goes back on
 * the connection; a failed invocation sends {"message": "Internal server
 * error", ...} as API Gateway does.  An invocation knows its connection
 * by id only: it may have left by the time the function answers, and
 * then the reply is dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "apigw/ws_int.h"
#include "log.h"
#include "pool.h"

struct ws_pending {
	struct ws	*w;
	char		 id[WS_ID_LEN + 1];
	char		 api[CONF_NAME_MAX + 1];
	bool		 disconnect;
};

static uint64_t
ws_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* API Gateway's error frame: {"message", "connectionId", "requestId"}. */
static void
ws_error_frame(struct ws_conn *c, const char *msg, const char *rid)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"message\": ");
	buf_json_str(&b, msg, strlen(msg));
	buf_printf(&b, ", \"connectionId\":\"%s\", \"requestId\":\"%s\"}",
	    c->o.id, rid);
	(void)ws_conn_send(c, WSLAY_TEXT_FRAME, b.data, b.len);
	buf_free(&b);
}

static void
ws_msg_reply(struct ws_conn *c, const struct inv_result *res,
    const char *rid)
{
	struct buf out;
	bool binary;
	int status, rc;

	if (res->status != INV_OK) {
		ws_error_frame(c, "Internal server error", rid);
		return;
	}
	buf_init(&out);
	rc = ws_event_reply(res->body, res->body_len, &out, &binary, &status);
	if (rc < 0)
		ws_error_frame(c, "Internal server error", rid);
	else if (rc > 0)
		(void)ws_conn_send(c, binary ? WSLAY_BINARY_FRAME :
		    WSLAY_TEXT_FRAME, out.data != NULL ? out.data : "",
		    out.len);
	buf_free(&out);
}

static void
ws_inv_done(struct invocation *inv, const struct inv_result *res)
{
	struct ws_pending *wp = inv->door;
	struct ws *w = wp->w;
	struct ws_conn *c;

	w->inflight--;
	if (res->status != INV_OK)
		log_info("websocket %s: %s: %s failed: %s", wp->api, wp->id,
		    pool_conf(inv->pool)->name, res->error_type != NULL ?
		    res->error_type : res->status == INV_THROTTLED ?
		    "throttled" : "error");
	if (!wp->disconnect && (c = ws_find(w, wp->id, WS_ID_LEN)) != NULL &&
	    !c->closing)
		ws_msg_reply(c, res, inv->id);
	free(wp);
	inv_free(inv);
	ws_maybe_free(w);
}

/* Submit the event in inv to r's function.  0, or -1 (inv freed). */
static int
ws_submit(struct ws_conn *c, const struct ws_route *r,
    struct invocation *inv, bool disconnect)
{
	struct ws_pending *wp;
	struct pool *p;

	if ((p = ws_route_pool(c->w, r)) == NULL ||
	    (wp = calloc(1, sizeof(*wp))) == NULL) {
		inv_free(inv);
		return -1;
	}
	wp->w = c->w;
	memcpy(wp->id, c->o.id, sizeof(wp->id));
	snprintf(wp->api, sizeof(wp->api), "%s", c->api->name);
	wp->disconnect = disconnect;
	inv->done = ws_inv_done;
	inv->door = wp;
	inv->via = INV_VIA_HTTP;
	if (pool_submit(p, inv) != 0) {
		free(wp);
		inv_free(inv);
		return -1;
	}
	c->w->inflight++;
	return 0;
}

static void
ws_event_of(const struct ws_conn *c, struct ws_event_in *in,
    const char *key, const char *type, const char *rid)
{
	memset(in, 0, sizeof(*in));
	in->route_key = key;
	in->event_type = type;
	in->request_id = rid;
	in->connection_id = c->o.id;
	in->api_id = c->api->api_id;
	in->stage = c->w->stage;
	in->domain = c->o.domain;
	in->source_ip = c->o.source_ip;
	in->user_agent = c->o.user_agent;
	in->authorizer = c->o.authorizer;
	in->connected_ms = c->o.connected_ms;
	in->now_ms = ws_now_ms();
}

void
ws_invoke_message(struct ws_conn *c, const uint8_t *msg, size_t len,
    bool binary)
{
	const struct ws_route *r = NULL;
	struct invocation *inv;
	struct ws_event_in in;
	const char *key;
	char mid[WS_ID_LEN + 1];
	struct buf scratch;

	buf_init(&scratch);
	key = ws_event_select(c->api->selection, msg, len, binary, &scratch);
	if (key != NULL)
		r = ws_api_route(c->api, key, strlen(key));
	if (r == NULL || r->key[0] == '$')	/* $connect is not a message's */
		r = ws_api_route(c->api, "$default", 8);
	buf_free(&scratch);
	if ((inv = inv_new()) == NULL)
		return;
	if (r == NULL) {
		ws_error_frame(c, "Forbidden", inv->id);
		inv_free(inv);
		return;
	}
	ws_random_id(mid, WS_ID_LEN);
	ws_event_of(c, &in, r->key, "MESSAGE", inv->id);
	in.message_id = mid;
	in.body = msg != NULL ? (const void *)msg : "";
	in.body_len = len;
	in.binary = binary;
	ws_event_build(&inv->event, &in);
	if (ws_submit(c, r, inv, false) != 0)
		ws_error_frame(c, "Internal server error", "");
}

void
ws_invoke_disconnect(struct ws_conn *c, int code, const char *reason)
{
	const struct ws_route *r = ws_api_route(c->api, "$disconnect", 11);
	struct invocation *inv;
	struct ws_event_in in;

	if (r == NULL || c->w->freeing || (inv = inv_new()) == NULL)
		return;
	ws_event_of(c, &in, "$disconnect", "DISCONNECT", inv->id);
	in.disconnect_code = code;
	in.disconnect_reason = reason;
	ws_event_build(&inv->event, &in);
	(void)ws_submit(c, r, inv, true);
}
