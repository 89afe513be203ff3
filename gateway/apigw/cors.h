/*
 * cors: the CORS stage, API Gateway HTTP API's corsConfiguration ([cors]
 * and a function's own keys, conf_apigw.c), first in the pipeline.
 *
 * For a route whose function has CORS on (c->cors):
 *   - a preflight (OPTIONS with Origin and Access-Control-Request-Method)
 *     is answered here, 204 with no body, whatever routes exist for
 *     OPTIONS (apigw_lookup routes it by the method it asks about; one
 *     that no route serves is answered from [cors], apigw_preflight).  For
 *     an allowed origin it carries Access-Control-Allow-Origin, -Methods,
 *     -Headers, -Max-Age and -Credentials as configured; for any other
 *     origin none of them, so the browser refuses the actual request.
 *     The browser, not the gateway, compares the method and headers it
 *     wants with the lists;
 *   - an actual request from an allowed origin gets
 *     Access-Control-Allow-Origin, -Allow-Credentials and -Expose-Headers
 *     on whatever reply it gets (the function's, or a later refusal);
 *   - the function's own Access-Control-* headers are dropped, as API
 *     Gateway ignores them once CORS is configured.
 * Allow-Origin is "*" when "*" is allowed, else the request's origin; then
 * Vary: Origin tells caches the reply depends on it.  A route whose
 * function has CORS off passes untouched, its own CORS headers kept.
 */
#ifndef LAMBDAD_APIGW_CORS_H
#define LAMBDAD_APIGW_CORS_H

#include <stdbool.h>
#include <stddef.h>

#include "apigw/apigw.h"

struct conf_cors;
struct http_request;

int	apigw_cors(struct apigw_call *c);

/* A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method
 * (for apigw_lookup). */
bool	cors_is_preflight(const struct http_request *req);

#endif
