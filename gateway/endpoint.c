/*
 * endpoint: dispatch on a function's private endpoint (endpoint.h).
 *
 * The door is one per daemon; a worker finds it here rather than through
 * its pool, so that pools do not need to know what else the daemon runs.
 */
#include <stddef.h>

#include "endpoint.h"
#include "http.h"
#include "tables/door.h"

static struct tables_door *endpoint_tables;

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
	return ENDPOINT_RUNTIME;
}

bool
endpoint_serve(const char *fn, struct http_request *req)
{
	switch (endpoint_classify(req)) {
	case ENDPOINT_DYNAMODB:
		/* Any signature the SDK made is accepted, not verified: the
		 * endpoint the request came in on says who is calling. */
		tables_door_function(endpoint_tables, fn, req);
		return true;
	case ENDPOINT_RUNTIME:
		break;
	}
	return false;
}
