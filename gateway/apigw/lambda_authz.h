/*
 * lambda_authz: [authorizer NAME] type = function, API Gateway's HTTP API
 * Lambda authorizer with payload format 2.0, as the auth = NAME stage
 * (authorizer.c hands it the call).
 *
 * The identity sources' values are taken from the request (headers,
 * query parameters, $context variables); one missing or empty answers
 * 401 {"message":"Unauthorized"} without calling anything.  With
 * cache_ttl, a decision made for the same values is reused (the cached
 * reply is evaluated again against this request's routeArn).  Otherwise
 * the function gets the REQUEST event (the 2.0 event without its body,
 * with type, routeArn and identitySource) as an invocation of its own
 * pool, and the stage is pending (apigw.h) until it answers:
 *
 *   response = simple  {"isAuthorized": true|false, "context": {...}}
 *   response = iam     {"principalId": "...", "policyDocument": {
 *                        "Statement": [{"Effect", "Action", "Resource"}]},
 *                       "context": {...}}: allowed when an Allow matches
 *                       execute-api:Invoke on the routeArn and no Deny
 *                       does (* and ? wildcards)
 *
 * Not authorized: 403 {"message":"Forbidden"}.  The function failing
 * (its error, crash, timeout, throttling) or a reply of neither shape:
 * 500 {"message":"Internal Server Error"}, never cached.  Authorized: the
 * context reaches the function's event at requestContext.authorizer.lambda
 * (2.0; principalId beside it for iam), or as requestContext.authorizer's
 * own members (1.0, principalId among them).
 */
#ifndef LAMBDAD_APIGW_LAMBDA_AUTHZ_H
#define LAMBDAD_APIGW_LAMBDA_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>

#include "apigw/apigw.h"
#include "buf.h"

#define LAMBDA_AUTHZ_REGION	"us-east-1"	/* in routeArn */

int	lambda_authz_stage(struct apigw_call *c);

/* ---- Pure helpers, exposed for the unit tests. ---- */

/*
 * Decide from an authorizer's reply (response: 0 simple, 1 iam) for
 * route_arn: 0 authorized, with *authorizer the requestContext.authorizer
 * object (malloc'd JSON) for a function of payload version payload; 403
 * not authorized; 500 a reply of neither shape (why says how).
 */
int	lambda_authz_decide(int response, const char *reply, size_t len,
	    const char *route_arn, int payload, char **authorizer,
	    char *why, size_t whylen);
/* Whether s matches pat, where * matches any run and ? one character. */
bool	lambda_authz_glob(const char *pat, const char *s);
/* arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH into out. */
void	lambda_authz_route_arn(struct buf *out, const char *method,
	    const char *path, size_t path_len);

#endif
