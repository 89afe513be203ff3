/*
 * lambda_authz: the Lambda authorizer stage.  See lambda_authz.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "apigw/authorizer.h"
#include "apigw/authz_cache.h"
#include "apigw/lambda_authz.h"
#include "conf.h"
#include "event.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "route.h"

/* As event.c's requestContext.accountId and apiId. */
#define LA_ACCOUNT	"123456789012"
#define LA_API_ID	"lambdad"
#define LA_STAGE	"$default"

/* An authorizer invocation in flight (inv->door).  It copies what it
 * needs: a reload may free the configuration before the reply comes. */
struct la_pending {
	struct apigw_call *c;
	struct metrics_fn *mf;		/* the authorizer function's */
	char		*name;		/* the authorizer's, for the log */
	char		*key;		/* the cache key; NULL: no cache */
	size_t		 klen;
	char		*route_arn;
	int		 response, payload;
	unsigned	 ttl_s;
	uint64_t	 start_ns;
};

static int
la_refuse(struct apigw_call *c, int status, const char *reason)
{
	c->status = status;
	c->reason = reason;
	c->authorizer_error = reason;
	c->body = status == 401 ? "{\"message\":\"Unauthorized\"}" :
	    status == 403 ? "{\"message\":\"Forbidden\"}" :
	    "{\"message\":\"Internal Server Error\"}";
	return APIGW_ANSWER;
}

/* ---- the reply ----------------------------------------------------------- */

bool
lambda_authz_glob(const char *pat, const char *s)
{
	const char *star = NULL, *mark = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++mark;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* Whether v (a string or an array of strings) has one matching s; match
 * case-insensitively for actions (IAM compares them so). */
static int
la_any(const cJSON *v, const char *s, bool nocase, bool *bad)
{
	const cJSON *e;
	char low_p[256], low_s[256];
	size_t i;

	if (cJSON_IsString(v)) {
		if (!nocase)
			return lambda_authz_glob(v->valuestring, s);
		for (i = 0; v->valuestring[i] != '\0' && i < 255; i++)
			low_p[i] = (char)tolower(
			    (unsigned char)v->valuestring[i]);
		low_p[i] = '\0';
		for (i = 0; s[i] != '\0' && i < 255; i++)
			low_s[i] = (char)tolower((unsigned char)s[i]);
		low_s[i] = '\0';
		return lambda_authz_glob(low_p, low_s);
	}
	if (!cJSON_IsArray(v)) {
		*bad = true;
		return 0;
	}
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			*bad = true;
			return 0;
		}
		if (la_any(e, s, nocase, bad))
			return 1;
	}
	return 0;
}

/* An IAM policy document's verdict for route_arn: 0 allow, 403, 500. */
static int
la_policy(const cJSON *doc, const char *route_arn, char *why, size_t whylen)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	const cJSON *e, *eff, *act, *res;
	bool allow = false, bad = false;
	cJSON one, *list = NULL;

	if (cJSON_IsObject(st)) {	/* one statement, not in an array */
		one = *st;
		one.next = one.prev = NULL;
		list = &one;
	} else if (!cJSON_IsArray(st)) {
		snprintf(why, whylen, "policyDocument has no Statement list");
		return 500;
	}
	for (e = list != NULL ? list : st->child; e != NULL; e = e->next) {
		eff = cJSON_GetObjectItemCaseSensitive(e, "Effect");
		act = cJSON_GetObjectItemCaseSensitive(e, "Action");
		res = cJSON_GetObjectItemCaseSensitive(e, "Resource");
		if (!cJSON_IsString(eff) || act == NULL || res == NULL ||
		    (strcmp(eff->valuestring, "Allow") != 0 &&
		    strcmp(eff->valuestring, "Deny") != 0)) {
			snprintf(why, whylen, "a Statement without Effect "
			    "(Allow or Deny), Action and Resource");
			return 500;
		}
		if (!la_any(act, "execute-api:Invoke", true, &bad) ||
		    !la_any(res, route_arn, false, &bad)) {
			if (bad)
				break;
			continue;
		}
		if (eff->valuestring[0] == 'D')
			return 403;	/* an explicit Deny wins */
		allow = true;
	}
	if (bad) {
		snprintf(why, whylen, "Action and Resource are strings or "
		    "lists of strings");
		return 500;
	}
	return allow ? 0 : 403;
}

/* requestContext.authorizer for the protected function's event. */
static char *
la_event_authorizer(const cJSON *context, const cJSON *principal,
    int payload)
{
	cJSON *o, *ctx;
	char *text;

	if (payload == 1) {
		/* 1.0: the context's members are the authorizer's own. */
		o = context != NULL ? cJSON_Duplicate(context, 1) :
		    cJSON_CreateObject();
		if (o != NULL && principal != NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(o,
			    "principalId");
			cJSON_AddItemToObject(o, "principalId",
			    cJSON_Duplicate(principal, 1));
		}
	} else {
		o = cJSON_CreateObject();
		if (o != NULL && principal != NULL)
			cJSON_AddItemToObject(o, "principalId",
			    cJSON_Duplicate(principal, 1));
		ctx = context != NULL ? cJSON_Duplicate(context, 1) :
		    cJSON_CreateNull();
		if (o != NULL)
			cJSON_AddItemToObject(o, "lambda", ctx);
	}
	text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return text;
}

int
lambda_authz_decide(int response, const char *reply, size_t len,
    const char *route_arn, int payload, char **authorizer, char *why,
    size_t whylen)
{
	const cJSON *ok, *ctx, *pid = NULL, *doc;
	cJSON *j = cJSON_ParseWithLength(reply, len);
	int verdict;

	*authorizer = NULL;
	why[0] = '\0';
	if (!cJSON_IsObject(j)) {
		snprintf(why, whylen, "the reply is not a JSON object");
		cJSON_Delete(j);
		return 500;
	}
	ctx = cJSON_GetObjectItemCaseSensitive(j, "context");
	if (ctx != NULL && !cJSON_IsObject(ctx) && !cJSON_IsNull(ctx)) {
		snprintf(why, whylen, "context is not an object");
		cJSON_Delete(j);
		return 500;
	}
	if (cJSON_IsNull(ctx))
		ctx = NULL;
	if (response == CONF_AUTHZ_SIMPLE) {
		ok = cJSON_GetObjectItemCaseSensitive(j, "isAuthorized");
		if (!cJSON_IsBool(ok)) {
			snprintf(why, whylen, "isAuthorized is not a boolean");
			verdict = 500;
		} else
			verdict = cJSON_IsTrue(ok) ? 0 : 403;
	} else {
		pid = cJSON_GetObjectItemCaseSensitive(j, "principalId");
		doc = cJSON_GetObjectItemCaseSensitive(j, "policyDocument");
		if (!cJSON_IsString(pid) || !cJSON_IsObject(doc)) {
			snprintf(why, whylen, "an iam reply needs principalId "
			    "(a string) and policyDocument (an object)");
			verdict = 500;
		} else
			verdict = la_policy(doc, route_arn, why, whylen);
	}
	if (verdict == 0 &&
	    (*authorizer = la_event_authorizer(ctx, pid, payload)) == NULL) {
		snprintf(why, whylen, "out of memory");
		verdict = 500;
	}
	cJSON_Delete(j);
	return verdict;
}

void
lambda_authz_route_arn(struct buf *out, const char *method, const char *path,
    size_t path_len)
{
	buf_reset(out);
	buf_printf(out, "arn:aws:execute-api:%s:%s:%s/%s/%s",
	    LAMBDA_AUTHZ_REGION, LA_ACCOUNT, LA_API_ID, LA_STAGE, method);
	buf_add(out, path, path_len);
}

/* ---- the identity -------------------------------------------------------- */

static void
la_peer(const struct sockaddr_storage *ss, char *out, size_t n)
{
	const void *a = ss->ss_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (inet_ntop(ss->ss_family, a, out, (socklen_t)n) == NULL)
		snprintf(out, n, "127.0.0.1");
}

/* A $context variable's value, in scratch. */
static void
la_context(const struct apigw_call *c, const char *name, struct buf *out)
{
	const struct http_request *req = c->req;
	const char *v;
	size_t n;
	char ip[INET6_ADDRSTRLEN];

	if (strcmp(name, "routeKey") == 0)
		buf_adds(out, c->m->route_key);
	else if (strcmp(name, "httpMethod") == 0)
		buf_adds(out, req->method);
	else if (strcmp(name, "path") == 0)
		buf_add(out, req->path, req->path_len);
	else if (strcmp(name, "stage") == 0)
		buf_adds(out, LA_STAGE);
	else if (strcmp(name, "protocol") == 0)
		buf_printf(out, "HTTP/1.%d", req->http_minor);
	else if (strcmp(name, "identity.sourceIp") == 0) {
		la_peer(&req->peer, ip, sizeof(ip));
		buf_adds(out, ip);
	} else if ((v = http_header_get(req, strcmp(name, "domainName") == 0 ?
	    "Host" : "User-Agent", &n)) != NULL)
		buf_add(out, v, n);
}

/*
 * The identity sources' values, one after the other in vals (offsets in
 * off, lengths in lens).  -1 when one is missing or empty.
 */
static int
la_identity(const struct apigw_call *c, const struct conf_authorizer *a,
    struct buf *vals, size_t *off, size_t *lens)
{
	struct buf tmp;
	const char *v;
	size_t i, n;

	buf_init(&tmp);
	for (i = 0; i < a->nsrcs; i++) {
		const struct conf_ident_src *s = &a->srcs[i];

		off[i] = vals->len;
		n = 0;
		if (s->kind == CONF_IDENT_HEADER) {
			if ((v = http_header_get(c->req, s->name, &n)) != NULL)
				buf_add(vals, v, n);
		} else if (s->kind == CONF_IDENT_QUERY) {
			if ((v = authz_query_param(c->req, s->name, &tmp,
			    &n)) != NULL)
				buf_add(vals, v, n);
		} else
			la_context(c, s->name, vals);
		lens[i] = vals->len - off[i];
		if (lens[i] == 0)
			break;
	}
	buf_free(&tmp);
	return i == a->nsrcs ? 0 : -1;
}

/* ---- the invocation ------------------------------------------------------ */

/* The REQUEST event: the 2.0 event less its body, plus the authorizer's
 * members.  NULL when memory is short. */
static char *
la_event(const struct apigw_call *c, const char *id, const char *route_arn,
    const struct buf *vals, const size_t *off, const size_t *lens, size_t n)
{
	struct event_ctx ctx;
	struct timespec ts;
	struct buf b;
	cJSON *j, *ids;
	char ip[INET6_ADDRSTRLEN], *text = NULL, *s;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	la_peer(&c->req->peer, ip, sizeof(ip));
	memset(&ctx, 0, sizeof(ctx));
	ctx.request_id = id;
	ctx.time_ms = (uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000;
	ctx.source_ip = ip;
	buf_init(&b);
	event_build(&b, 2, c->req, c->m, &ctx);
	j = cJSON_ParseWithLength(b.data, b.len);
	buf_free(&b);
	if (j == NULL)
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(j, "body");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "isBase64Encoded");
	cJSON_AddStringToObject(j, "type", "REQUEST");
	cJSON_AddStringToObject(j, "routeArn", route_arn);
	ids = cJSON_AddArrayToObject(j, "identitySource");
	for (i = 0; ids != NULL && i < n; i++) {
		if ((s = strndup(vals->data + off[i], lens[i])) == NULL)
			continue;
		cJSON_AddItemToArray(ids, cJSON_CreateString(s));
		free(s);
	}
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return text;
}

static void
la_pending_free(struct la_pending *lp)
{
	free(lp->name);
	free(lp->key);
	free(lp->route_arn);
	free(lp);
}

/* Decide and set the call's answer; the status (0: through). */
static int
la_apply(struct apigw_call *c, const char *name, int response, int payload,
    const char *reply, size_t len, const char *route_arn)
{
	char why[160];
	int v;

	free(c->authorizer);
	v = lambda_authz_decide(response, reply, len, route_arn, payload,
	    &c->authorizer, why, sizeof(why));
	if (v == 403) {
		log_info("%s %.*s refused by authorizer %s (403)",
		    c->req->method, (int)c->req->path_len, c->req->path, name);
		la_refuse(c, 403, "lambda_deny");
	}
	else if (v != 0) {
		log_warnx("authorizer %s: bad reply: %s", name, why);
		la_refuse(c, 500, "lambda_reply");
	}
	return v;
}

static void
la_done(struct invocation *inv, const struct inv_result *res)
{
	struct la_pending *lp = inv->door;
	struct apigw_call *c = lp->c;
	int v;

	metrics_authorizer(lp->mf, uv_hrtime() - lp->start_ns);
	if (res->status != INV_OK) {
		log_warnx("authorizer %s: %s failed: %s", lp->name, inv->id,
		    res->error_type != NULL ? res->error_type :
		    res->status == INV_THROTTLED ? "throttled" : "error");
		la_refuse(c, 500, res->error_type != NULL &&
		    strcmp(res->error_type, "Sandbox.Timedout") == 0 ?
		    "lambda_timeout" : "lambda_error");
		v = 500;
	} else
		v = la_apply(c, lp->name, lp->response, lp->payload,
		    res->body, res->body_len, lp->route_arn);
	/* Only decisions are kept, and only for the configuration that
	 * asked: a reload empties the cache. */
	if (v != 500 && lp->key != NULL && !c->aborted &&
	    c->gen == apigw_gen(c->gw))
		authz_cache_put(apigw_authz_cache(c->gw), lp->key, lp->klen,
		    res->body, res->body_len,
		    c->now_ms + (uint64_t)lp->ttl_s * 1000);
	la_pending_free(lp);
	inv_free(inv);
	apigw_resume(c, v == 0 ? APIGW_PASS : APIGW_ANSWER);
}

/* Ask the function; APIGW_PENDING, or an answer when it cannot be. */
static int
la_invoke(struct apigw_call *c, const struct conf_authorizer *a,
    struct pool *p, const char *route_arn, const struct buf *key,
    const struct buf *vals, const size_t *off, const size_t *lens)
{
	struct invocation *inv;
	struct la_pending *lp;
	char *ev;

	if ((inv = inv_new()) == NULL ||
	    (lp = calloc(1, sizeof(*lp))) == NULL) {
		inv_free(inv);
		return la_refuse(c, 500, "lambda_error");
	}
	lp->c = c;
	lp->mf = pool_metrics(p);
	lp->response = (int)a->response;
	lp->payload = c->fn->payload;
	lp->ttl_s = a->cache_ttl_s;
	lp->name = strdup(a->name);
	lp->route_arn = strdup(route_arn);
	if (key != NULL && (lp->key = malloc(key->len + 1)) != NULL) {
		memcpy(lp->key, key->data, key->len);
		lp->klen = key->len;
	}
	ev = la_event(c, inv->id, route_arn, vals, off, lens, a->nsrcs);
	if (ev == NULL || lp->name == NULL || lp->route_arn == NULL) {
		free(ev);
		la_pending_free(lp);
		inv_free(inv);
		return la_refuse(c, 500, "lambda_error");
	}
	buf_adds(&inv->event, ev);
	free(ev);
	inv->done = la_done;
	inv->door = lp;
	inv->via = INV_VIA_HTTP;
	lp->start_ns = uv_hrtime();
	if (pool_submit(p, inv) != 0) {
		log_warnx("authorizer %s: function %s has no room (queue "
		    "full)", a->name, a->function);
		la_pending_free(lp);
		inv_free(inv);
		return la_refuse(c, 500, "lambda_error");
	}
	return APIGW_PENDING;
}

int
lambda_authz_stage(struct apigw_call *c)
{
	const struct conf_authorizer *a = c->fn->authz;
	size_t off[8], lens[8], rlen;
	const char *cached;
	struct buf vals, key, arn;
	struct pool *p;
	int rc;

	if (a->nsrcs > sizeof(off) / sizeof(off[0]))
		return la_refuse(c, 500, "authorizer_config");
	buf_init(&vals);
	buf_init(&key);
	buf_init(&arn);
	if (la_identity(c, a, &vals, off, lens) != 0) {
		log_info("%s: %s %.*s refused by authorizer %s (401): an "
		    "identity source is missing", c->fn->name, c->req->method,
		    (int)c->req->path_len, c->req->path, a->name);
		rc = la_refuse(c, 401, "identity_missing");
		goto out;
	}
	if ((p = apigw_pool(c->gw, a->fn_index, a->function)) == NULL) {
		log_warnx("authorizer %s: no function %s", a->name,
		    a->function);
		rc = la_refuse(c, 500, "authorizer_config");
		goto out;
	}
	lambda_authz_route_arn(&arn, c->req->method, c->req->path,
	    c->req->path_len);
	buf_addc(&arn, '\0');
	if (a->cache_ttl_s > 0) {
		const char *v[8];
		size_t i;

		for (i = 0; i < a->nsrcs; i++)
			v[i] = vals.data + off[i];
		authz_cache_key(&key, a->name, v, lens, a->nsrcs);
		cached = authz_cache_get(apigw_authz_cache(c->gw), key.data,
		    key.len, c->now_ms, &rlen);
		if (cached != NULL) {
			metrics_authorizer_hit(pool_metrics(p));
			rc = la_apply(c, a->name, (int)a->response,
			    c->fn->payload, cached, rlen, arn.data) == 0 ?
			    APIGW_PASS : APIGW_ANSWER;
			goto out;
		}
	}
	rc = la_invoke(c, a, p, arn.data, a->cache_ttl_s > 0 ? &key : NULL,
	    &vals, off, lens);
out:
	buf_free(&vals);
	buf_free(&key);
	buf_free(&arn);
	return rc;
}
