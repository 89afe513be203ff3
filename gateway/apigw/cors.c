/*
 * cors: preflights answered, CORS headers on actual replies.  See cors.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apigw/cors.h"
#include "conf.h"
#include "http.h"

bool
cors_is_preflight(const struct http_request *req)
{
	size_t n;

	return strcmp(req->method, "OPTIONS") == 0 &&
	    http_header_get(req, "Origin", &n) != NULL &&
	    http_header_get(req, "Access-Control-Request-Method", &n) != NULL;
}

/*
 * Whether origin (n bytes) is allowed; *any: through "*", so the reply
 * says "*" rather than the origin.  Origins compare without regard to
 * case (scheme and host are case-insensitive; browsers send lower case).
 */
static bool
cors_allowed(const struct conf_cors *cc, const char *origin, size_t n,
    bool *any)
{
	size_t i, len;

	*any = false;
	for (i = 0; i < cc->norigins; i++)
		if (strcmp(cc->origins[i], "*") == 0) {
			*any = true;
			return true;
		}
	for (i = 0; i < cc->norigins; i++) {
		const char *o = cc->origins[i];

		len = strlen(o);
		if (o[len - 1] == '*') {	/* a scheme wildcard */
			if (n > len - 1 && strncasecmp(origin, o, len - 1) == 0)
				return true;
		} else if (n == len && strncasecmp(origin, o, n) == 0)
			return true;
	}
	return false;
}

/* The reply depends on Origin unless every origin gets "*". */
static bool
cors_varies(const struct conf_cors *cc)
{
	return !(cc->norigins == 1 && strcmp(cc->origins[0], "*") == 0);
}

static void
add(struct apigw_call *c, const char *name, const char *v)
{
	apigw_reply_add(c, name, v, strlen(v));
}

int
apigw_cors(struct apigw_call *c)
{
	const struct conf_cors *cc = c->cors;
	const char *origin;
	char num[16];
	bool allowed = false, any = false, pre;
	size_t n = 0;

	if (cc == NULL)
		return APIGW_PASS;
	apigw_reply_drop(c, "Access-Control-");
	if (cors_varies(cc))
		add(c, "Vary", "Origin");
	origin = http_header_get(c->req, "Origin", &n);
	if (origin != NULL)
		allowed = cors_allowed(cc, origin, n, &any);
	pre = cors_is_preflight(c->req);
	if (allowed) {
		if (any)
			add(c, "Access-Control-Allow-Origin", "*");
		else
			apigw_reply_add(c, "Access-Control-Allow-Origin", origin,
			    n);
		if (cc->credentials == 1)
			add(c, "Access-Control-Allow-Credentials", "true");
	}
	if (allowed && pre) {
		if (cc->methods_hdr != NULL)
			add(c, "Access-Control-Allow-Methods", cc->methods_hdr);
		if (cc->headers_hdr != NULL)
			add(c, "Access-Control-Allow-Headers", cc->headers_hdr);
		if (cc->max_age >= 0) {
			snprintf(num, sizeof(num), "%d", cc->max_age);
			add(c, "Access-Control-Max-Age", num);
		}
	} else if (allowed && cc->expose_hdr != NULL)
		add(c, "Access-Control-Expose-Headers", cc->expose_hdr);
	if (!pre)
		return APIGW_PASS;
	c->status = 204;
	c->body = NULL;
	c->reason = NULL;	/* an answer, not a refusal */
	return APIGW_ANSWER;
}
