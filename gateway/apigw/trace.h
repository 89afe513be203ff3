/*
 * trace: the request's trace id (issue 10), as API Gateway and Lambda
 * carry it.  A caller's X-Amzn-Trace-Id (Root=1-XXXXXXXX-YYYY...;...) is
 * kept as it is; without one a W3C traceparent (00-TRACEID-PARENT-FLAGS)
 * is turned into the same trace (X-Ray's Root is the W3C trace id split
 * after 8 digits); with neither, a new one is made, as X-Ray makes it:
 * Root=1-{8 hex digits of the epoch}-{24 random hex digits}.  Either way
 * the request also has a traceparent of the same trace.  The X-Ray form
 * reaches the function (_X_AMZN_TRACE_ID, via Lambda-Runtime-Trace-Id),
 * goes back to the caller (X-Amzn-Trace-Id) and into the access log.
 * A malformed header is ignored, as if absent: it never reaches a reply.
 */
#ifndef LAMBDAD_APIGW_TRACE_H
#define LAMBDAD_APIGW_TRACE_H

#include <stdint.h>

struct http_request;

#define TRACE_MAX	256	/* a longer X-Amzn-Trace-Id is ignored */

/* The two forms for req at epoch_s, malloc'd (both set, or -1: ENOMEM). */
int	trace_make(const struct http_request *req, uint64_t epoch_s,
	    char **xray, char **traceparent);
/* The same from the header values (NULL: absent), for the tests. */
int	trace_from(const char *xray_hdr, size_t xlen, const char *tp_hdr,
	    size_t tlen, uint64_t epoch_s, char **xray, char **traceparent);

#endif
