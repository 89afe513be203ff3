/*
 * authorizer: auth = NAME, an [authorizer] section's check.  See
 * authorizer.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "apigw/authorizer.h"
#include "apigw/jwt.h"
#include "apigw/lambda_authz.h"
#include "buf.h"
#include "conf.h"
#include "http.h"
#include "log.h"

const char *
authz_query_param(const struct http_request *req, const char *name,
    struct buf *out, size_t *len)
{
	const char *q = req->query, *end, *amp, *eq;
	size_t nlen = strlen(name);
	long n;

	if (q == NULL)
		return NULL;
	for (end = q + req->query_len; q < end; q = amp + 1) {
		if ((amp = memchr(q, '&', (size_t)(end - q))) == NULL)
			amp = end;
		eq = memchr(q, '=', (size_t)(amp - q));
		if (eq == NULL || (size_t)(eq - q) != nlen ||
		    memcmp(q, name, nlen) != 0)
			continue;
		buf_reset(out);
		buf_reserve(out, (size_t)(amp - eq));
		n = buf_pct_decode(out->data, eq + 1, (size_t)(amp - eq - 1),
		    BUF_PCT_PLUS | BUF_PCT_STRICT);
		if (n < 0)
			return NULL;
		out->len = (size_t)n;
		out->data[n] = '\0';
		*len = (size_t)n;
		return out->data;
	}
	return NULL;
}

/* The identity source's value, or NULL when the request has none. */
static const char *
identity(const struct http_request *req, const struct conf_authorizer *a,
    struct buf *scratch, size_t *len)
{
	*len = 0;
	if (a->ident == CONF_IDENT_QUERY)
		return authz_query_param(req, a->ident_name, scratch, len);
	return http_header_get(req, a->ident_name, len);
}

/* The token's part of requestContext.authorizer: {claims, scopes}. */
static char *
event_authorizer(const struct jwt_result *r)
{
	cJSON *jwt = jwt_event_context(r);
	char *text = jwt != NULL ? cJSON_PrintUnformatted(jwt) : NULL;

	cJSON_Delete(jwt);
	return text;
}

static int
refuse(struct apigw_call *c, int status, const char *reason)
{
	c->status = status;
	c->reason = reason;
	c->authorizer_error = reason;
	if (status == 401) {
		apigw_reply_add(c, "www-authenticate", "Bearer", 6);
		c->body = "{\"message\":\"Unauthorized\"}";
	} else if (status == 403)
		c->body = "{\"message\":\"Forbidden\"}";
	else
		c->body = "{\"message\":\"Internal Server Error\"}";
	return APIGW_ANSWER;
}

int
apigw_authorizer(struct apigw_call *c)
{
	const struct conf_authorizer *a = c->fn->authz;
	struct jwt_result r;
	struct buf scratch;
	const char *v;
	size_t len;
	int status;

	if (c->fn->auth != CONF_AUTH_AUTHORIZER)
		return APIGW_PASS;
	if (a != NULL && a->type == CONF_AUTHZ_FUNCTION)
		return lambda_authz_stage(c);
	if (a == NULL || a->type != CONF_AUTHZ_JWT || a->jwt == NULL) {
		/* conf_auth_resolve makes this impossible; never let it pass. */
		log_warnx("%s: auth = %s has no usable authorizer: refused",
		    c->fn->name, c->fn->authorizer ? c->fn->authorizer : "?");
		return refuse(c, 500, "authorizer_config");
	}
	buf_init(&scratch);
	v = identity(c->req, a, &scratch, &len);
	status = jwt_authorize(a->jwt, v, len,
	    (const char *const *)c->fn->scopes, c->fn->nscopes, time(NULL), &r);
	if (status == 0 && (c->authorizer_jwt = event_authorizer(&r)) == NULL)
		status = 500;
	if (status != 0)
		log_info("%s: %s %.*s refused by authorizer %s (%d): %s",
		    c->fn->name, c->req->method, (int)c->req->path_len,
		    c->req->path, a->name, status, r.why[0] ? r.why :
		    jwt_status_name(r.status));
	buf_free(&scratch);
	if (status != 0)
		refuse(c, status, jwt_status_name(r.status));
	jwt_result_free(&r);
	return status == 0 ? APIGW_PASS : APIGW_ANSWER;
}
