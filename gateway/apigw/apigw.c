/*
 * apigw: the pipeline that runs the front's policy stages over a routed
 * request, and the headers stages attach to its reply.  See apigw.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw/accesslog.h"
#include "apigw/apigw.h"
#include "apigw/apigw_int.h"
#include "apigw/authorizer.h"
#include "apigw/authz_cache.h"
#include "apigw/bucket.h"
#include "apigw/cache.h"
#include "apigw/cors.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "route.h"

#define APIGW_NSLOTS	256	/* bucket hash chains; routes are few */

struct apigw_bucket {
	struct apigw_bucket *next;
	struct tbucket	 b;
	char		 key[];		/* the route key */
};

struct apigw {
	struct apigw_log log;		/* stage and access log (request.c) */
	const struct conf_cors *cors;	/* [cors], not owned */
	char *const	*keys;		/* access_key "ID:SECRET", not owned */
	size_t		 nkeys;
	struct apigw_cache *cache;	/* the response cache */
	struct apigw_bucket *slot[APIGW_NSLOTS];
	struct pool *const *pools;	/* lined up with the conf's fns */
	size_t		 npools;
	uint64_t	 gen;		/* bumped by every apigw_set_pools */
	unsigned	 npending;	/* calls waiting for apigw_resume */
	void		(*restart)(struct http_request *, void *);
	void		*restart_arg;
	struct authz_cache *authz;	/* authorizer decisions, made on first use */
};

/* Until apigw_set_cache: [lambdad] cache_size's default. */
#define APIGW_CACHE_DEFAULT	(64u << 20)

struct apigw *
apigw_new(void)
{
	struct apigw *gw = calloc(1, sizeof(struct apigw));

	if (gw != NULL &&
	    (gw->cache = apigw_cache_new(APIGW_CACHE_DEFAULT)) == NULL) {
		free(gw);
		return NULL;
	}
	return gw;
}

void
apigw_free(struct apigw *gw)
{
	struct apigw_bucket *e, *next;
	size_t i;

	if (gw == NULL)
		return;
	accesslog_close(gw->log.al);
	for (i = 0; i < APIGW_NSLOTS; i++)
		for (e = gw->slot[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	apigw_cache_free(gw->cache);
	authz_cache_free(gw->authz);
	free(gw);
}

struct apigw_cache *
apigw_cache_of(struct apigw *gw)
{
	return gw->cache;
}

void
apigw_set_cache(struct apigw *gw, const struct conf *c)
{
	apigw_cache_configure(gw->cache, c);
}

void
apigw_set_pools(struct apigw *gw, struct pool *const *pools, size_t n)
{
	gw->pools = pools;
	gw->npools = n;
	gw->gen++;
	/* A reload may change an authorizer or its function: API Gateway
	 * too forgets cached decisions on a new deployment. */
	authz_cache_clear(gw->authz);
}

struct pool *
apigw_pool(const struct apigw *gw, size_t i, const char *name)
{
	size_t k;

	if (i < gw->npools && strcmp(pool_conf(gw->pools[i])->name, name) == 0)
		return gw->pools[i];
	for (k = 0; k < gw->npools; k++)
		if (strcmp(pool_conf(gw->pools[k])->name, name) == 0)
			return gw->pools[k];
	return NULL;
}

void
apigw_set_restart(struct apigw *gw,
    void (*fn)(struct http_request *req, void *arg), void *arg)
{
	gw->restart = fn;
	gw->restart_arg = arg;
}

uint64_t
apigw_gen(const struct apigw *gw)
{
	return gw->gen;
}

unsigned
apigw_pending(const struct apigw *gw)
{
	return gw != NULL ? gw->npending : 0;
}

struct authz_cache *
apigw_authz_cache(struct apigw *gw)
{
	if (gw->authz == NULL)
		gw->authz = authz_cache_new(AUTHZ_CACHE_MAX);
	return gw->authz;
}

struct tbucket *
apigw_bucket(struct apigw *gw, const char *route_key)
{
	struct apigw_bucket *e;
	uint32_t h = 2166136261u;	/* FNV-1a */
	const char *s;
	size_t len;

	for (s = route_key; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	for (e = gw->slot[h % APIGW_NSLOTS]; e != NULL; e = e->next)
		if (strcmp(e->key, route_key) == 0)
			return &e->b;
	len = strlen(route_key);
	if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
		return NULL;
	memcpy(e->key, route_key, len + 1);
	e->next = gw->slot[h % APIGW_NSLOTS];
	gw->slot[h % APIGW_NSLOTS] = e;
	return &e->b;
}

void
apigw_set_cors(struct apigw *gw, const struct conf_cors *cors)
{
	gw->cors = cors;
}

void
apigw_set_access_keys(struct apigw *gw, char *const *keys, size_t n)
{
	gw->keys = keys;
	gw->nkeys = n;
}

void
apigw_access_keys(const struct apigw *gw, char *const **keys, size_t *n)
{
	*keys = gw->keys;
	*n = gw->nkeys;
}

/* Look a preflight up by the method it asks about: 0 or -ENOENT. */
static int
lookup_asked(const struct route_table *rt, const struct http_request *req,
    struct route_match *m)
{
	const char *acrm;
	char method[32];
	size_t n;

	acrm = http_header_get(req, "Access-Control-Request-Method", &n);
	if (acrm == NULL || n == 0 || n >= sizeof(method))
		return -ENOENT;
	memcpy(method, acrm, n);
	method[n] = '\0';
	return route_lookup(rt, method, req->path, req->path_len, m);
}

int
apigw_lookup(const struct route_table *rt, const struct http_request *req,
    struct route_match *m)
{
	if (cors_is_preflight(req) && lookup_asked(rt, req, m) == 0 &&
	    pool_conf(m->target)->cors != NULL)
		return 0;
	return route_lookup(rt, req->method, req->path, req->path_len, m);
}

void
apigw_call_init(struct apigw_call *c, struct apigw *gw,
    struct http_request *req, const struct route_match *m,
    const struct function_conf *fn, uint64_t now_ms)
{
	memset(c, 0, sizeof(*c));
	c->gw = gw;
	c->req = req;
	c->m = m;
	c->fn = fn;
	c->cors = fn != NULL ? fn->cors : NULL;
	c->now_ms = now_ms;
}

struct apigw_log *
apigw_log(struct apigw *gw)
{
	return &gw->log;
}

int
apigw_preflight(struct apigw_reply *x, const struct route_table *rt,
    uint64_t now_ms)
{
	static const apigw_stage_fn stages[] = { apigw_cors };
	struct apigw *gw = x->gw;
	struct http_request *req = x->req;
	struct route_match m;
	struct apigw_call c;

	/* A route that serves the method asked about has CORS off (else
	 * apigw_lookup would have found it): that function said no CORS. */
	if (gw->cors == NULL || !cors_is_preflight(req) ||
	    lookup_asked(rt, req, &m) == 0)
		return APIGW_PASS;
	memset(&m, 0, sizeof(m));
	m.route_key = "$preflight";
	apigw_call_init(&c, gw, req, &m, NULL, now_ms);
	c.cors = gw->cors;
	c.reply = x;
	if (apigw_run(&c, stages, 1, NULL) == APIGW_PASS) {
		c.reply = NULL;
		return APIGW_PASS;
	}
	return APIGW_ANSWER;
}

/* ---- headers for the reply ---------------------------------------------- */

struct apigw_reply *
apigw_reply_of(struct apigw_call *c)
{
	if (c->reply == NULL) {
		if ((c->reply = calloc(1, sizeof(*c->reply))) == NULL)
			abort();	/* as buf.c: no memory for a few bytes */
		c->reply->req = c->req;
		buf_init(&c->reply->text);
	}
	return c->reply;
}

void
apigw_reply_add(struct apigw_call *c, const char *name, const char *value,
    size_t len)
{
	apigw_reply_put(apigw_reply_of(c), name, value, len);
}

void
apigw_reply_put(struct apigw_reply *x, const char *name, const char *value,
    size_t len)
{
	if (x->n == APIGW_MAX_HDRS) {
		/* A programming error (the stages add a fixed few), not input. */
		log_warnx("apigw: more than %d headers for one reply; %s dropped",
		    APIGW_MAX_HDRS, name);
		return;
	}
	x->name[x->n] = name;
	x->off[x->n] = x->text.len;
	x->len[x->n] = len;
	buf_add(&x->text, value, len);
	x->n++;
}

void
apigw_reply_drop(struct apigw_call *c, const char *prefix)
{
	apigw_reply_of(c)->drop_prefix = prefix;
}

size_t
apigw_reply_merge(const struct apigw_reply *x, const struct http_header *hdrs,
    size_t n, struct http_header *out)
{
	size_t i, k = 0, plen;

	if (x == NULL) {
		memcpy(out, hdrs, n * sizeof(*hdrs));
		return n;
	}
	plen = x->drop_prefix != NULL ? strlen(x->drop_prefix) : 0;
	for (i = 0; i < n; i++) {
		if (plen > 0 && hdrs[i].name_len >= plen &&
		    strncasecmp(hdrs[i].name, x->drop_prefix, plen) == 0)
			continue;
		out[k++] = hdrs[i];
	}
	for (i = 0; i < x->n; i++) {
		out[k].name = x->name[i];
		out[k].name_len = strlen(x->name[i]);
		out[k].value = x->text.data + x->off[i];
		out[k].value_len = x->len[i];
		k++;
	}
	if (x->request_id[0] != '\0') {
		out[k].name = "Apigw-Requestid";
		out[k].name_len = 15;
		out[k].value = x->request_id;
		out[k].value_len = strlen(x->request_id);
		k++;
	}
	return k;
}

void
apigw_reply_free(struct apigw_reply *x)
{
	if (x == NULL)
		return;
	apigw_cache_pending_free(x->cache_store);
	buf_free(&x->text);
	free(x->route_key);
	free(x->trace_id);
	free(x->traceparent);
	free(x->authorizer_json);
	free(x->api_key_id);
	free(x);
}

/* ---- the pipeline ------------------------------------------------------- */

void
apigw_respond(const struct apigw_reply *x, struct http_request *req,
    int status, const struct http_header *hdrs, size_t n, const char *body,
    size_t len)
{
	struct http_header *h;

	if (x == NULL) {
		http_respond(req, status, hdrs, n, body, len);
		return;
	}
	if ((h = calloc(n + APIGW_MAX_HDRS + 1, sizeof(*h))) == NULL)
		abort();	/* as buf.c: no memory for a few bytes */
	n = apigw_reply_merge(x, hdrs, n, h);
	http_respond(req, status, h, n, body, len);
	free(h);
}

/* A stage answered: its status and body, and the attached headers. */
static void
apigw_answer(struct apigw_call *c)
{
	static const struct http_header json[] = {
		{ "Content-Type", 12, "application/json", 16 },
	};
	struct apigw_reply *x = c->reply;

	if (x != NULL && x->gw != NULL) {
		/* Begun (apigw_begin): the record goes to the access log.  A
		 * cache hit is the function's reply, not the gateway's own. */
		x->authorizer_error = c->authorizer_error;
		if (c->own_answer)
			apigw_finish_ex(x, c->status, c->hdrs, c->nhdrs,
			    c->body, c->body_len, false);
		else
			apigw_finish_ex(x, c->status, json,
			    c->body != NULL ? 1 : 0, c->body,
			    c->body != NULL ? strlen(c->body) : 0, true);
	} else {
		if (c->own_answer)
			apigw_respond(x, c->req, c->status, c->hdrs, c->nhdrs,
			    c->body, c->body_len);
		else
			apigw_respond(x, c->req, c->status, json,
			    c->body != NULL ? 1 : 0, c->body,
			    c->body != NULL ? strlen(c->body) : 0);
		apigw_reply_free(x);
	}
	c->reply = NULL;
}

/* The API key's id, for the access log's $context.identity.apiKeyId. */
static void
keep_key_id(struct apigw_call *c)
{
	if (c->api_key_id != NULL && c->reply != NULL && c->reply->gw != NULL &&
	    c->reply->api_key_id == NULL)
		c->reply->api_key_id = strdup(c->api_key_id);
}

/* Every stage passed: what the access log reads of the authorizers goes
 * to the request's record (the JWT's claims move there: the event is
 * built from the record; a Lambda authorizer's context is copied). */
static void
keep_authorizer(struct apigw_call *c)
{
	struct apigw_reply *x = c->reply;

	if (x == NULL || x->gw == NULL)
		return;
	free(x->authorizer_json);
	x->authorizer_json = NULL;
	if (c->authorizer_jwt != NULL) {
		x->authorizer_json = c->authorizer_jwt;
		c->authorizer_jwt = NULL;
	} else if (c->authorizer != NULL)
		x->authorizer_json = strdup(c->authorizer);
}

int
apigw_run(struct apigw_call *c, const apigw_stage_fn *stages, size_t nstages,
    struct metrics_fn *mf)
{
	size_t i;

	c->mf = mf;
	for (i = 0; i < nstages; i++) {
		if (stages[i](c) == APIGW_PASS)
			continue;
		keep_key_id(c);
		if (c->reason != NULL)
			metrics_refusal(mf, c->m->route_key, c->status,
			    c->reason);
		apigw_answer(c);
		free(c->authorizer_jwt);
		c->authorizer_jwt = NULL;
		return APIGW_ANSWER;
	}
	keep_key_id(c);
	/* The event is built from it; the access log reads it later.  (A
	 * call on the stack: the caller frees neither.) */
	if (c->reply != NULL && c->reply->gw != NULL) {
		free(c->reply->authorizer_json);
		c->reply->authorizer_json = c->authorizer_jwt;
	}
	return APIGW_PASS;
}

/* ---- asynchronous stages ------------------------------------------------ */

/* A call and the copy of its route match, in one allocation. */
struct apigw_call_block {
	struct apigw_call c;
	struct route_match m;
};

struct apigw_call *
apigw_call_new(struct apigw *gw, struct http_request *req,
    const struct route_match *m, const struct function_conf *fn,
    uint64_t now_ms)
{
	struct apigw_call_block *b = malloc(sizeof(*b));

	if (b == NULL)
		return NULL;
	b->m = *m;
	apigw_call_init(&b->c, gw, req, &b->m, fn, now_ms);
	b->c.match = &b->m;
	return &b->c;
}

/* Only for calls of apigw_call_new (c is its block's first member). */
void
apigw_call_free(struct apigw_call *c)
{
	if (c == NULL)
		return;
	apigw_reply_free(c->reply);
	free(c->authorizer_jwt);
	free(c->authorizer);
	free(c->api_key_id_own);
	free(c);
}

/* The client went away while a stage was pending. */
static void
apigw_aborted(struct http_request *req, void *arg)
{
	struct apigw_call *c = req->data;

	(void)arg;
	c->aborted = 1;
}

/* Run the stages from c->at; see apigw_start. */
static int
apigw_continue(struct apigw_call *c)
{
	const apigw_stage_fn *stages = c->stages;
	int rc;

	for (; c->at < c->nstages; c->at++) {
		if ((rc = stages[c->at](c)) == APIGW_PASS)
			continue;
		if (rc == APIGW_PENDING) {
			/* The key store's id is valid only until the loop
			 * runs again; the wait needs a copy. */
			if (c->api_key_id != NULL &&
			    c->api_key_id_own == NULL &&
			    (c->api_key_id_own = strdup(c->api_key_id)) == NULL)
				abort();	/* as buf.c: a few bytes */
			if (c->api_key_id != NULL)
				c->api_key_id = c->api_key_id_own;
			c->pending = 1;
			c->gen = c->gw->gen;
			c->gw->npending++;
			c->req->data = c;
			c->req->on_abort = apigw_aborted;
			return APIGW_PENDING;
		}
		keep_key_id(c);
		if (c->reason != NULL)
			metrics_refusal(c->mf, c->m->route_key, c->status,
			    c->reason);
		apigw_answer(c);
		apigw_call_free(c);
		return APIGW_ANSWER;
	}
	keep_key_id(c);
	keep_authorizer(c);
	c->done(c, c->done_arg);
	apigw_call_free(c);
	return APIGW_PASS;
}

int
apigw_start(struct apigw_call *c, const apigw_stage_fn *stages,
    size_t nstages, struct metrics_fn *mf, apigw_done_fn done, void *arg)
{
	c->stages = stages;
	c->nstages = nstages;
	c->at = 0;
	c->mf = mf;
	c->done = done;
	c->done_arg = arg;
	return apigw_continue(c);
}

void
apigw_resume(struct apigw_call *c, int rc)
{
	struct apigw *gw = c->gw;
	struct http_request *req = c->req;

	c->pending = 0;
	gw->npending--;
	req->on_abort = NULL;
	req->data = NULL;
	if (c->aborted) {
		/* Nothing more runs; the request is released, its reply
		 * discarded by the server (http.h). */
		apigw_call_free(c);
		http_respond(req, 500, NULL, 0, NULL, 0);
		return;
	}
	if (c->gen != gw->gen) {
		/* A reload came in between: the call's route, function and
		 * authorizer may be gone.  Route the request again. */
		log_info("%s %.*s: configuration reloaded while authorizing; "
		    "routed again", req->method, (int)req->path_len, req->path);
		apigw_call_free(c);
		if (gw->restart != NULL)
			gw->restart(req, gw->restart_arg);
		else
			http_respond_json(req, 503,
			    "{\"message\":\"Service Unavailable\"}");
		return;
	}
	if (rc != APIGW_PASS) {
		c->at = c->nstages;	/* answered: no stage, no function */
		keep_key_id(c);
		if (c->reason != NULL)
			metrics_refusal(c->mf, c->m->route_key, c->status,
			    c->reason);
		apigw_answer(c);
		apigw_call_free(c);
		return;
	}
	c->at++;
	(void)apigw_continue(c);
}
