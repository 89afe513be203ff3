/*
 * apikey: api_key = required, checked against the key store.  See
 * apikey.h.
 */
#include <string.h>
#include <time.h>

#include "apigw/apikey.h"
#include "apigw/bucket.h"
#include "apigw/keystore.h"
#include "conf.h"
#include "http.h"
#include "log.h"

/*
 * The daemon's one store, set at start and cleared at stop: the keys are
 * the daemon's, not a configuration's, and outlive every reload.
 */
static struct keystore *apikey_store;

void
apigw_apikey_set_store(struct keystore *ks)
{
	apikey_store = ks;
}

static int
refuse(struct apigw_call *c, int status, const char *body, const char *type,
    const char *reason)
{
	apigw_reply_add(c, "x-amzn-ErrorType", type, strlen(type));
	c->status = status;
	c->body = body;
	c->reason = reason;
	return APIGW_ANSWER;
}

int
apigw_apikey(struct apigw_call *c)
{
	const struct conf_plan *pl;
	struct apikey *k;
	const char *v;
	size_t len;

	if (!c->fn->api_key)
		return APIGW_PASS;
	v = http_header_get(c->req, "x-api-key", &len);
	if ((k = keystore_find(apikey_store, v, len)) == NULL ||
	    (pl = keystore_plan(apikey_store, k)) == NULL)
		return refuse(c, 403, "{\"message\":\"Forbidden\"}",
		    "ForbiddenException", "api_key");
	if (pl->mrate > 0 && !tbucket_take(&k->bucket, pl->mrate, pl->burst,
	    c->now_ms))
		return refuse(c, 429, "{\"message\":\"Too Many Requests\"}",
		    "TooManyRequestsException", "api_key_rate");
	if (keystore_take(apikey_store, k, pl, (int64_t)time(NULL)) != 0)
		return refuse(c, 429, "{\"message\":\"Limit Exceeded\"}",
		    "LimitExceededException", "quota");
	c->api_key_id = k->id;
	return APIGW_PASS;
}
