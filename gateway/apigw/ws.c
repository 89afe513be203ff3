/*
 * ws: the WebSocket APIs' registry, configuration and upgrades (ws.h).
 *
 * An upgrade request is checked (RFC 6455's handshake), authorized by the
 * API's auth = AUTHORIZER through the same authorizer stage the routes
 * use (apigw_start: a Lambda authorizer pends), then $connect's function
 * decides, and only then is the 101 written and the socket taken from
 * the HTTP server (ws_conn.c has it from there).  Until the 101 the
 * request is an HTTP request like any other: refusals are JSON answers
 * with an access-log line, and a client that leaves meanwhile only has
 * its answer discarded.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "apigw/apigw.h"
#include "apigw/authorizer.h"
#include "apigw/ws_int.h"
#include "http.h"
#include "log.h"
#include "pool.h"
#include "route.h"

/* An upgrade waiting for $connect's function. */
struct ws_upgrade {
	struct ws	*w;
	struct ws_api	*api;		/* a reference */
	struct http_request *req;
	struct apigw_reply *x;
	struct ws_origin o;
	bool		 aborted;
};

static const apigw_stage_fn ws_stages[] = { apigw_authorizer };

/* ---- the registry ------------------------------------------------------ */

void
ws_random_id(char *out, size_t n)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[64];
	uint64_t x = uv_hrtime() | 1;
	size_t i;

	if (n > sizeof(r) || getrandom(r, n, 0) != (ssize_t)n)
		for (i = 0; i < sizeof(r); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			r[i] = (unsigned char)x;
		}
	for (i = 0; i < n; i++)
		out[i] = set[r[i % sizeof(r)] % (sizeof(set) - 1)];
	out[n] = '\0';
}

static size_t
ws_hash(const char *id, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)id[i]) * 16777619u;
	return h & (WS_NBUCKETS - 1);
}

struct ws_conn *
ws_find(const struct ws *w, const char *id, size_t len)
{
	struct ws_conn *c;

	if (w == NULL || len != WS_ID_LEN)
		return NULL;
	for (c = w->buckets[ws_hash(id, len)]; c != NULL; c = c->hnext)
		if (memcmp(c->o.id, id, len) == 0)
			return c;
	return NULL;
}

void
ws_link(struct ws *w, struct ws_conn *c)
{
	size_t h = ws_hash(c->o.id, WS_ID_LEN);

	c->hnext = w->buckets[h];
	w->buckets[h] = c;
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
}

/* Out of the hash (so @connections says 410 at once); the list keeps it
 * until its handles are closed. */
void
ws_unlink(struct ws *w, struct ws_conn *c)
{
	struct ws_conn **pp = &w->buckets[ws_hash(c->o.id, WS_ID_LEN)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	w->nconns--;
}

void
ws_maybe_free(struct ws *w)
{
	size_t i;

	if (!w->freeing || w->conns != NULL || w->inflight > 0)
		return;
	for (i = 0; i < w->napis; i++)
		ws_api_unref(w->apis[i]);
	free(w->apis);
	free(w->stage);
	free(w);
}

/* ---- APIs ---------------------------------------------------------------- */

void
ws_api_unref(struct ws_api *a)
{
	size_t i;

	if (a == NULL || --a->refs > 0)
		return;
	for (i = 0; i < a->nroutes; i++) {
		free(a->routes[i].key);
		free(a->routes[i].function);
	}
	free(a->routes);
	free(a->authfn.authorizer);
	free(a->name);
	free(a->path);
	free(a->selection);
	free(a);
}

/* apiId: ten characters of [a-z0-9], the same for a name every time. */
static void
ws_api_id(const char *name, char out[11])
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	for (i = 0; i < 10; i++, h /= 36)
		out[i] = set[h % 36];
	out[10] = '\0';
}

static struct ws_api *
ws_api_new(const struct conf_websocket *s)
{
	struct ws_api *a = calloc(1, sizeof(*a));
	size_t i;

	if (a == NULL || (a->routes = calloc(s->nroutes + 1,
	    sizeof(*a->routes))) == NULL)
		goto fail;
	a->refs = 1;
	a->name = strdup(s->name);
	a->path = strdup(s->path);
	a->selection = strdup(s->selection);
	if (a->name == NULL || a->path == NULL || a->selection == NULL)
		goto fail;
	for (i = 0; i < s->nroutes; i++, a->nroutes++) {
		a->routes[i].key = strdup(s->routes[i].key);
		a->routes[i].function = strdup(s->routes[i].function);
		a->routes[i].fn_index = s->routes[i].fn_index;
		if (a->routes[i].key == NULL || a->routes[i].function == NULL) {
			a->nroutes++;
			goto fail;
		}
	}
	ws_api_id(s->name, a->api_id);
	a->idle_ms = (uint64_t)s->idle_timeout_s * 1000;
	a->lifetime_ms = (uint64_t)s->max_lifetime_s * 1000;
	a->max_message = s->max_message;
	a->max_frame = s->max_frame;
	a->authfn.name = a->name;
	a->authfn.payload = 1;	/* a REQUEST authorizer's, as on AWS */
	if (s->authz != NULL) {
		a->authfn.auth = CONF_AUTH_AUTHORIZER;
		a->authfn.authz = s->authz;
		if ((a->authfn.authorizer = strdup(s->auth)) == NULL)
			goto fail;
	}
	return a;
fail:
	if (a != NULL && a->routes == NULL) {
		free(a);
		return NULL;
	}
	ws_api_unref(a);
	return NULL;
}

const struct ws_route *
ws_api_route(const struct ws_api *a, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < a->nroutes; i++)
		if (strlen(a->routes[i].key) == len &&
		    memcmp(a->routes[i].key, key, len) == 0)
			return &a->routes[i];
	return NULL;
}

struct pool *
ws_route_pool(struct ws *w, const struct ws_route *r)
{
	return apigw_pool(w->gw, r->fn_index, r->function);
}

static struct ws_api *
ws_api_named(struct ws_api **apis, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(apis[i]->name, name) == 0)
			return apis[i];
	return NULL;
}

/* Connections move to their API's new copy, or close with it. */
static void
ws_rebind(struct ws *w, struct ws_api **apis, size_t n)
{
	struct ws_conn *c;
	struct ws_api *a;

	for (c = w->conns; c != NULL; c = c->next) {
		if (c->dead)
			continue;
		if ((a = ws_api_named(apis, n, c->api->name)) == NULL) {
			ws_conn_close(c, 1001, "Going away");
			continue;
		}
		a->refs++;
		ws_api_unref(c->api);
		c->api = a;
	}
}

int
ws_configure(struct ws *w, const struct conf *c)
{
	struct ws_api **apis;
	char *stage;
	size_t i, n = 0;

	if ((apis = calloc(c->nwebsockets + 1, sizeof(*apis))) == NULL ||
	    (stage = strdup(c->stage != NULL ? c->stage : "$default")) ==
	    NULL) {
		free(apis);
		return -ENOMEM;
	}
	for (; n < c->nwebsockets; n++)
		if ((apis[n] = ws_api_new(&c->websockets[n])) == NULL) {
			for (i = 0; i < n; i++)
				ws_api_unref(apis[i]);
			free(apis);
			free(stage);
			return -ENOMEM;
		}
	ws_rebind(w, apis, n);
	for (i = 0; i < w->napis; i++) {
		w->apis[i]->removed = true;
		ws_api_unref(w->apis[i]);
	}
	free(w->apis);
	free(w->stage);
	w->apis = apis;
	w->napis = n;
	w->stage = stage;
	return 0;
}

/* ---- the daemon's side --------------------------------------------------- */

struct ws *
ws_new(uv_loop_t *loop, struct apigw *gw)
{
	struct ws *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->loop = loop;
	w->gw = gw;
	if ((w->stage = strdup("$default")) == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

void
ws_free(struct ws *w)
{
	struct ws_conn *c;

	if (w == NULL)
		return;
	w->freeing = true;
	w->stopping = true;
	for (c = w->conns; c != NULL; c = c->next)
		ws_conn_kill(c);
	ws_maybe_free(w);
}

void
ws_stop(struct ws *w)
{
	struct ws_conn *c;

	w->stopping = true;
	for (c = w->conns; c != NULL; c = c->next)
		ws_conn_close(c, 1001, "Going away");
}

void
ws_set_max_conns(struct ws *w, unsigned n)
{
	w->max_conns = n;
}

unsigned
ws_nconns(const struct ws *w)
{
	return w != NULL ? w->nconns : 0;
}

unsigned
ws_inflight(const struct ws *w)
{
	return w != NULL ? w->inflight : 0;
}

void
ws_stats(const struct ws *w, struct ws_stats *st)
{
	*st = w->st;
	st->open = w->nconns;
}

static struct ws_api *
ws_api_at(const struct ws *w, const struct http_request *req)
{
	size_t i;

	for (i = 0; i < w->napis; i++)
		if (strlen(w->apis[i]->path) == req->path_len &&
		    memcmp(w->apis[i]->path, req->path, req->path_len) == 0)
			return w->apis[i];
	return NULL;
}

bool
ws_match(const struct ws *w, const struct http_request *req)
{
	return w != NULL && ws_api_at(w, req) != NULL;
}

/* ---- the handshake -------------------------------------------------------- */

/* Whether the comma-separated header value v holds token tok. */
static bool
ws_has_token(const char *v, size_t n, const char *tok)
{
	size_t tn = strlen(tok), i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tn && strncasecmp(v + s, tok, tn) == 0)
			return true;
	}
	return false;
}

/* 0, or the status of the refusal (400, 426) with *msg its body. */
static int
ws_handshake(const struct http_request *req, const char **msg)
{
	const char *v;
	size_t n;

	*msg = "{\"message\":\"Upgrade Required\"}";
	if (strcmp(req->method, "GET") != 0)
		return 426;
	if ((v = http_header_get(req, "Upgrade", &n)) == NULL ||
	    !ws_has_token(v, n, "websocket"))
		return 426;
	if ((v = http_header_get(req, "Sec-WebSocket-Version", &n)) == NULL ||
	    n != 2 || memcmp(v, "13", 2) != 0)
		return 426;
	*msg = "{\"message\":\"Bad Request\"}";
	if ((v = http_header_get(req, "Connection", &n)) == NULL ||
	    !ws_has_token(v, n, "upgrade"))
		return 400;
	/* 16 bytes, base64: 22 characters and "==". */
	if ((v = http_header_get(req, "Sec-WebSocket-Key", &n)) == NULL ||
	    n != 24 || v[22] != '=' || v[23] != '=')
		return 400;
	return 0;
}

static void
ws_refuse(struct ws *w, struct apigw_reply *x, int status, const char *body)
{
	static const struct http_header h[] = {
		{ "Content-Type", 12, "application/json", 16 },
		{ "Sec-WebSocket-Version", 21, "13", 2 },
	};

	w->st.refused++;
	if (status == 426) {
		apigw_reply_put(x, "Upgrade", "websocket", 9);
		apigw_finish(x, status, h, 2, body, strlen(body));
	} else
		apigw_finish_error(x, status, body, NULL);
}

/* ---- accepting ------------------------------------------------------------- */

static char *
ws_header_dup(const struct http_request *req, const char *name)
{
	const char *v;
	size_t n;

	return (v = http_header_get(req, name, &n)) != NULL ? strndup(v, n) :
	    NULL;
}

static void
ws_upgrade_free(struct ws_upgrade *up)
{
	free(up->o.user_agent);
	free(up->o.domain);
	free(up->o.authorizer);
	ws_api_unref(up->api);
	free(up);
}

/* Write the 101 and hand the socket to a connection of its own. */
static void
ws_accept(struct ws_upgrade *up)
{
	struct http_request *req = up->req;
	const char *key;
	char accept[29], *rest;
	size_t n, restlen;
	int fd, rc;

	key = http_header_get(req, "Sec-WebSocket-Key", &n);
	ws_event_accept(key, n, accept);
	apigw_finish_upgrade(up->x);	/* logged while req is whole */
	up->x = NULL;
	if ((rc = http_detach(req, &fd, &rest, &restlen)) == -EBUSY) {
		http_respond_json(req, 503, "{\"message\":\"Service "
		    "Unavailable\"}");
		up->w->st.refused++;
	} else if (rc == 0 && ws_conn_open(up->w, up->api, fd, rest,
	    restlen, &up->o, accept) == 0)
		up->w->st.accepted++;
	else
		up->w->st.refused++;
	ws_upgrade_free(up);
}

static void
ws_up_aborted(struct http_request *req, void *arg)
{
	struct ws_upgrade *up = req->data;

	(void)arg;
	up->aborted = true;
}

/* $connect's answer: accept, or refuse with its status. */
static void
ws_connect_done(struct invocation *inv, const struct inv_result *res)
{
	struct ws_upgrade *up = inv->door;
	struct ws *w = up->w;
	struct buf body;
	bool binary;
	int status = 403, rc = -EINVAL;

	w->inflight--;
	w->upgrading--;
	up->req->on_abort = NULL;
	apigw_integration(up->x, res->status == INV_OK ? 200 : 500,
	    res->error_type, inv->enqueued_ns);
	buf_init(&body);
	if (res->status == INV_OK)
		rc = ws_event_reply(res->body, res->body_len, &body, &binary,
		    &status);
	buf_free(&body);
	if (up->aborted || w->stopping)
		ws_refuse(w, up->x, 503, "{\"message\":\"Service Unavailable\"}");
	else if (rc < 0 || status < 200 || status > 299) {
		log_info("websocket %s: $connect refused by %s (%d%s%s)",
		    up->api->name, pool_conf(inv->pool)->name, rc < 0 ? 403 :
		    status, res->error_type != NULL ? ": " : "",
		    res->error_type != NULL ? res->error_type : "");
		ws_refuse(w, up->x, rc < 0 || status == 403 ? 403 : status,
		    rc < 0 || status == 403 ? "{\"message\":\"Forbidden\"}" :
		    "{\"message\":\"Refused\"}");
	} else {
		ws_accept(up);
		inv_free(inv);
		ws_maybe_free(w);
		return;
	}
	up->x = NULL;
	ws_upgrade_free(up);
	inv_free(inv);
	ws_maybe_free(w);
}

static void
ws_connect_event(struct ws_upgrade *up, struct invocation *inv)
{
	struct ws_event_in in = {
		.route_key = "$connect",
		.event_type = "CONNECT",
		.request_id = inv->id,
		.connection_id = up->o.id,
		.api_id = up->api->api_id,
		.stage = up->w->stage,
		.domain = up->o.domain,
		.source_ip = up->o.source_ip,
		.user_agent = up->o.user_agent,
		.authorizer = up->o.authorizer,
		.connected_ms = up->o.connected_ms,
		.now_ms = up->o.connected_ms,
		.req = up->req,
	};

	ws_event_build(&inv->event, &in);
}

/* Invoke $connect's function (or accept at once when there is none). */
static void
ws_connect(struct ws_upgrade *up)
{
	const struct ws_route *r = ws_api_route(up->api, "$connect", 8);
	struct invocation *inv;
	struct pool *p;

	if (r == NULL) {
		ws_accept(up);
		return;
	}
	if ((p = ws_route_pool(up->w, r)) == NULL ||
	    (inv = inv_new()) == NULL) {
		ws_refuse(up->w, up->x, 500,
		    "{\"message\":\"Internal server error\"}");
		up->x = NULL;
		ws_upgrade_free(up);
		return;
	}
	snprintf(up->x->request_id, sizeof(up->x->request_id), "%s", inv->id);
	inv->trace_id = strdup(up->x->trace_id);
	ws_connect_event(up, inv);
	inv->done = ws_connect_done;
	inv->door = up;
	inv->via = INV_VIA_HTTP;
	up->req->data = up;
	up->req->on_abort = ws_up_aborted;
	if (pool_submit(p, inv) != 0) {
		up->req->on_abort = NULL;
		ws_refuse(up->w, up->x, 429,
		    "{\"message\":\"Too Many Requests\"}");
		up->x = NULL;
		ws_upgrade_free(up);
		inv_free(inv);
		return;
	}
	up->w->inflight++;
	up->w->upgrading++;
}

static void
ws_begin(struct ws *w, struct ws_api *api, struct http_request *req,
    struct apigw_reply *x, const char *authorizer)
{
	struct ws_upgrade *up = calloc(1, sizeof(*up));

	if (up == NULL) {
		ws_refuse(w, x, 500, "{\"message\":\"Internal server error\"}");
		return;
	}
	up->w = w;
	up->api = api;
	api->refs++;
	up->req = req;
	up->x = x;
	ws_random_id(up->o.id, WS_ID_LEN);
	snprintf(up->o.source_ip, sizeof(up->o.source_ip), "%s", x->source_ip);
	up->o.user_agent = ws_header_dup(req, "User-Agent");
	up->o.domain = ws_header_dup(req, "Host");
	up->o.authorizer = authorizer != NULL ? strdup(authorizer) : NULL;
	up->o.connected_ms = x->time_ms;
	ws_connect(up);
}

/* The authorizer let the upgrade through (apigw_start's done). */
static void
ws_authorized(struct apigw_call *c, void *arg)
{
	struct ws *w = arg;
	struct ws_api *api = (struct ws_api *)((char *)c->fn -
	    offsetof(struct ws_api, authfn));
	struct apigw_reply *x = c->reply;
	const char *authz = c->authorizer != NULL ? c->authorizer :
	    x->authorizer_json;

	c->reply = NULL;
	ws_begin(w, api, c->req, x, authz);
}

void
ws_handle(struct ws *w, struct http_request *req)
{
	struct ws_api *api = ws_api_at(w, req);
	struct apigw_reply *x = apigw_begin(w->gw, req);
	struct route_match m;
	struct apigw_call *c;
	const char *msg;
	int st;

	x->route_key = strdup("$connect");
	if ((st = ws_handshake(req, &msg)) != 0) {
		ws_refuse(w, x, st, msg);
		return;
	}
	if (w->stopping || (w->max_conns != 0 &&
	    w->nconns + w->upgrading >= w->max_conns)) {
		ws_refuse(w, x, 503, "{\"message\":\"Service Unavailable\"}");
		return;
	}
	if (api->authfn.auth != CONF_AUTH_AUTHORIZER) {
		ws_begin(w, api, req, x, NULL);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.route_key = "$connect";
	m.resource = api->path;
	if ((c = apigw_call_new(w->gw, req, &m, &api->authfn,
	    uv_now(w->loop))) == NULL) {
		ws_refuse(w, x, 500, "{\"message\":\"Internal server error\"}");
		return;
	}
	c->reply = x;
	(void)apigw_start(c, ws_stages, 1, NULL, ws_authorized, w);
}
