/*
 * iam: auth = aws_iam, SigV4 on a route.  See iam.h.
 */
#include <string.h>
#include <time.h>

#include "apigw/iam.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "sigv4.h"

int
apigw_iam(struct apigw_call *c)
{
	char *const *keys;
	enum sigv4_status st;
	const char *type;
	char why[256];
	size_t nkeys;

	if (c->fn->auth != CONF_AUTH_AWS_IAM)
		return APIGW_PASS;
	apigw_access_keys(c->gw, &keys, &nkeys);
	st = sigv4_verify(c->req, keys, nkeys, "execute-api", time(NULL), why,
	    sizeof(why));
	if (st == SIGV4_OK)
		return APIGW_PASS;
	log_info("%s: %s %.*s refused (auth = aws_iam): %s", c->fn->name,
	    c->req->method, (int)c->req->path_len, c->req->path, why);
	type = sigv4_error_type(st);
	apigw_reply_add(c, "x-amzn-ErrorType", type, strlen(type));
	c->status = 403;
	c->body = "{\"message\":\"Forbidden\"}";
	c->reason = "aws_iam";
	return APIGW_ANSWER;
}
