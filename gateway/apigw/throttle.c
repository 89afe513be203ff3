/*
 * throttle: a token bucket per route.  See throttle.h.
 */
#include "apigw/bucket.h"
#include "apigw/throttle.h"
#include "conf.h"
#include "route.h"

int
apigw_throttle(struct apigw_call *c)
{
	struct tbucket *b;

	if (c->fn->throttle_mrate == 0)
		return APIGW_PASS;
	/* No memory for a bucket: serve rather than refuse everyone. */
	if ((b = apigw_bucket(c->gw, c->m->route_key)) == NULL ||
	    tbucket_take(b, c->fn->throttle_mrate, c->fn->throttle_burst,
	    c->now_ms))
		return APIGW_PASS;
	c->status = 429;
	c->body = "{\"message\":\"Too Many Requests\"}";
	c->reason = "throttle";
	return APIGW_ANSWER;
}
