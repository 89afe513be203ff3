/*
 * endpoint: dispatch on a function's private endpoint (endpoint.h).
 *
 * The door is one per daemon; a worker finds it here rather than through
 * its pool, so that pools do not need to know what else the daemon runs.
 */
#include <stddef.h>
#include <string.h>

#include "apigw/ws.h"
#include "buckets/bucket.h"
#include "conf.h"
#include "endpoint.h"
#include "http.h"
#include "tables/door.h"

#define RAPI_PREFIX	"/2018-06-01/"

static struct tables_door *endpoint_tables;
static struct ws *endpoint_ws;
static struct buckets *endpoint_buckets;
static const struct conf *endpoint_conf;

void
endpoint_set_buckets(struct buckets *b, const struct conf *c)
{
	endpoint_buckets = b;
	endpoint_conf = c;
}

void
endpoint_set_ws(struct ws *ws)
{
	endpoint_ws = ws;
}

void
endpoint_set_tables(struct tables_door *door)
{
	endpoint_tables = door;
}

enum endpoint_api
endpoint_classify(const struct http_request *req)
{
	if (tables_door_match(req))
		return ENDPOINT_DYNAMODB;
	if (ws_mgmt_match(req->path, req->path_len))
		return ENDPOINT_CONNECTIONS;
	if (req->path_len >= strlen(RAPI_PREFIX) && memcmp(req->path,
	    RAPI_PREFIX, strlen(RAPI_PREFIX)) == 0)
		return ENDPOINT_RUNTIME;
	return ENDPOINT_S3;
}

bool
endpoint_serve(const char *fn, struct http_request *req)
{
	const struct function_conf *f;

	switch (endpoint_classify(req)) {
	case ENDPOINT_DYNAMODB:
		/* Any signature the SDK made is accepted, not verified: the
		 * endpoint the request came in on says who is calling. */
		tables_door_function(endpoint_tables, fn, req);
		return true;
	case ENDPOINT_CONNECTIONS:
		/* As DynamoDB's: the endpoint says who calls, unsigned. */
		if (endpoint_ws == NULL)
			http_respond_json(req, 503, "{\"message\":\"Service "
			    "Unavailable\"}");
		else
			ws_mgmt_handle(endpoint_ws, req);
		return true;
	case ENDPOINT_S3:
		/* Only for a function granted buckets: for the others it
		 * stays the Runtime API's 404, as before Buckets. */
		if (endpoint_conf != NULL && (f = conf_find(endpoint_conf,
		    fn)) != NULL && f->nbuckets > 0) {
			buckets_function(endpoint_buckets, fn, req);
			return true;
		}
		break;
	case ENDPOINT_RUNTIME:
		break;
	}
	return false;
}
