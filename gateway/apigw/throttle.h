/*
 * throttle: the throttling stage, API Gateway's route throttling.  Each
 * route has a token bucket (bucket.h) of its function's throttle_burst
 * tokens, refilled at its throttle_rate (conf_apigw.c: the function's
 * keys, else [lambdad]'s); a request that finds it empty is answered 429
 * {"message":"Too Many Requests"} here, before any worker is involved,
 * and counted as a refusal with reason "throttle".  A function with no
 * rate passes untouched.  Buckets are kept by route key across reloads
 * (apigw_bucket); the rate and burst are read at each request, so a
 * reload changes them at once.
 */
#ifndef LAMBDAD_APIGW_THROTTLE_H
#define LAMBDAD_APIGW_THROTTLE_H

#include "apigw/apigw.h"

int	apigw_throttle(struct apigw_call *c);

#endif
