/*
 * event: HTTP request -> API Gateway event JSON, and function output ->
 * HTTP reply, per spec/lambda-protocols.md §4.
 *
 * Version 2 is the HTTP API payload 2.0 (the default), version 1 the REST
 * proxy payload 1.0 (with "version":"1.0").  The event is written directly
 * into a buf (no JSON tree): it is built once per invocation on the hot path.
 * The reply is parsed with cJSON.
 *
 * Pure module: no I/O, no clocks (the caller passes the time), tested
 * directly.
 */
#ifndef LAMBDAD_EVENT_H
#define LAMBDAD_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "route.h"

struct event_ctx {
	const char	*request_id;	/* requestContext.requestId */
	uint64_t	 time_ms;	/* arrival, epoch milliseconds */
	const char	*source_ip;	/* peer address as text */
	const char	*stage;		/* "$default" when NULL */
};

/*
 * Append the event for req, matched by m, to out.  version is 1 or 2.
 * Request bodies follow the HTTP API base64 rule for both versions: only
 * text/ (any subtype), application/json, application/xml and
 * application/javascript (with any parameters) arrive as text; anything
 * else, including no Content-Type, arrives base64 with isBase64Encoded true.
 */
void	event_build(struct buf *out, int version,
	    const struct http_request *req, const struct route_match *m,
	    const struct event_ctx *ctx);

/* An HTTP reply made from function output; owns all its memory. */
struct event_reply {
	int		 status;
	struct http_header *headers;	/* Set-Cookie repeated once per cookie */
	size_t		 nheaders;
	char		*body;
	size_t		 body_len;
	struct buf	 store;		/* backing memory for headers */
};

/*
 * Map function output to a reply.  Version 2: an object with "statusCode"
 * is read as {statusCode, headers, multiValueHeaders, cookies, body,
 * isBase64Encoded}; any other valid JSON becomes 200 application/json with
 * the raw output as the body.  Version 1: the output must be an object with
 * statusCode (headers and multiValueHeaders merged, multiValueHeaders
 * winning).  Returns 0, or -EINVAL with a reason in *why when the output is
 * malformed (not JSON, bad statusCode, bad base64, ...): the caller answers
 * 502.  On success the caller must event_reply_free(r).
 */
int	event_map_reply(int version, const char *out, size_t len,
	    struct event_reply *r, const char **why);
void	event_reply_free(struct event_reply *r);

#endif
