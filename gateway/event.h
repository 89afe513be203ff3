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
	/* A JWT authorizer's {"claims":..., "scopes":...} as JSON text, or
	 * NULL: requestContext.authorizer.jwt (2.0), .authorizer (1.0). */
	const char	*authorizer_jwt;
	/* The API key's id when the route required one (apigw/apikey.h),
	 * or NULL: 1.0's requestContext.identity.apiKeyId, with the key
	 * (the x-api-key header) as identity.apiKey.  2.0 events have no
	 * place for it: HTTP APIs have no API keys. */
	const char	*api_key_id;
	const char *const *stage_vars;	/* "KEY=VALUE": stageVariables */
	size_t		 nstage_vars;
	/* The gateway's X-Amzn-Trace-Id (apigw/trace.h) for the headers,
	 * in place of the caller's; NULL: the caller's headers as they are. */
	const char	*trace_id;
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

/*
 * The same, with requestContext.authorizer the JSON object authorizer (a
 * Lambda authorizer's, for this version: apigw/lambda_authz.h) instead of
 * the one ctx's authorizer_jwt makes; NULL: as event_build.
 */
void	event_build_auth(struct buf *out, int version,
	    const struct http_request *req, const struct route_match *m,
	    const struct event_ctx *ctx, const char *authorizer);

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
