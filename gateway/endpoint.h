/*
 * endpoint: what a request on a function's private endpoint is for.  Each
 * worker has one endpoint (its Runtime API listener, worker.c), reachable
 * from inside the function even under network = none; besides the Runtime
 * API it serves the AWS APIs lambdad offers functions, told apart by path
 * and headers:
 *
 *   X-Amz-Target: DynamoDB_20120810.*   the Tables store (tables/door.h)
 *   /@connections/...                   the WebSocket APIs' @connections
 *                                       (apigw/ws.h), for pushing to
 *                                       clients
 *   /2018-06-01/...                     the Runtime API (rapi.h)
 *   anything else                       the S3 API of Buckets, path-style
 *                                       (buckets/bucket.h), for a function
 *                                       with buckets =; else the Runtime
 *                                       API's (its 404)
 *
 * The requests of
 * other APIs are answered here, with the calling function's name, so that
 * worker.c keeps to the Runtime API.
 */
#ifndef LAMBDAD_ENDPOINT_H
#define LAMBDAD_ENDPOINT_H

#include <stdbool.h>

struct http_request;
struct tables_door;

/* The endpoint's body limit: the largest request of any API on it
 * (DynamoDB's 16 MiB); the Runtime API checks its own smaller one. */
#define ENDPOINT_MAX_BODY	(16u * 1024 * 1024)

enum endpoint_api {
	ENDPOINT_RUNTIME,	/* the worker's own business */
	ENDPOINT_DYNAMODB,
	ENDPOINT_CONNECTIONS,	/* @connections (apigw/ws.h) */
	ENDPOINT_S3,		/* Buckets, if the function has buckets = */
};

/* The daemon's Tables door, or NULL (then DynamoDB calls get a 503). */
void	endpoint_set_tables(struct tables_door *door);
struct buckets;
struct conf;
/* The daemon's Buckets (NULL: S3 calls get a 503) and the configuration
 * whose buckets = lines say which functions may make them. */
void	endpoint_set_buckets(struct buckets *b, const struct conf *c);
struct ws;
/* The daemon's WebSocket APIs, or NULL (then @connections gets a 503). */
void	endpoint_set_ws(struct ws *ws);
enum endpoint_api endpoint_classify(const struct http_request *req);
/*
 * Answer req (always, exactly once, maybe later) for function fn if it is
 * for an API other than the Runtime API: true.  false: it is the worker's.
 */
bool	endpoint_serve(const char *fn, struct http_request *req);

#endif
