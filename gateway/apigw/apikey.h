/*
 * apikey: the API key stage, API Gateway REST API's apiKeyRequired with
 * usage plans (issue 10).  It runs after throttling and before the
 * authorizers, as API Gateway orders them.
 *
 * A route of a function with api_key = required needs an x-api-key
 * header holding a key `lambdactl keys add` made (keystore.h).  Without
 * one, or with an unknown or revoked key, or a key whose plan a reload
 * removed: 403 {"message":"Forbidden"} (reason api_key).  Past the
 * plan's rate and burst (a token bucket per key): 429 {"message":"Too
 * Many Requests"} (reason api_key_rate).  Past the plan's quota for the
 * period: 429 {"message":"Limit Exceeded"} (reason quota).  Each with
 * API Gateway's x-amzn-ErrorType.  A request let through is counted
 * against the quota, and the key's id goes to the event
 * (apigw_call.api_key_id).  Functions with api_key = off pass untouched.
 */
#ifndef LAMBDAD_APIGW_APIKEY_H
#define LAMBDAD_APIGW_APIKEY_H

#include "apigw/apigw.h"

struct keystore;

int	apigw_apikey(struct apigw_call *c);
/* The store the stage reads (not owned; NULL: every key is refused). */
void	apigw_apikey_set_store(struct keystore *ks);

#endif
