/*
 * authorizer: the auth = NAME stage, an [authorizer NAME] section deciding
 * who may call a function's routes (API Gateway's authorizers).  Today the
 * JWT authorizer (type = jwt, apigw/jwt.h): the token is taken from the
 * authorizer's identity source (a header, by default Authorization, with
 * "Bearer " optional, or a query parameter) and checked; a missing or
 * invalid token is answered 401 {"message":"Unauthorized"} with
 * www-authenticate: Bearer, a token without one of the route's scopes 403
 * {"message":"Forbidden"}, both before any worker runs.  The reason goes
 * to the log and to the refusal metrics (jwt_status_name), never to the
 * client.  A request let through carries the token's claims and scopes
 * (c->authorizer_jwt) to the event: requestContext.authorizer.jwt in
 * payload 2.0, requestContext.authorizer in 1.0, as API Gateway puts them.
 * Functions without auth = NAME pass untouched.  A Lambda authorizer
 * (type = function) is lambda_authz.h's, and may pend (apigw.h).
 */
#ifndef LAMBDAD_APIGW_AUTHORIZER_H
#define LAMBDAD_APIGW_AUTHORIZER_H

#include "apigw/apigw.h"

int	apigw_authorizer(struct apigw_call *c);

struct buf;
/* The value of query parameter name in req (percent-decoded into out), or
 * NULL.  The first one wins, as API Gateway takes a single value. */
const char *authz_query_param(const struct http_request *req,
	    const char *name, struct buf *out, size_t *len);

#endif
