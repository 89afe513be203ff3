/*
 * rapi: the wire side of the Runtime API (version 2018-06-01) that each
 * worker talks to on its own endpoint: parsing the calls and writing every
 * reply exactly as real runtime clients need it (spec §1: Content-Type
 * always set, 202 with {"status":"OK"}, the /next headers, the RIE error
 * bodies).  What the calls mean for a worker is decided in pool.c.
 */
#ifndef LAMBDAD_RAPI_H
#define LAMBDAD_RAPI_H

#include <stdint.h>

#include "http.h"

#define RAPI_MAX_RESPONSE	6291556		/* 6 MiB + 100, as Lambda */

enum rapi_call {
	RAPI_BAD = 0,		/* unknown path or method: 404 / 405 */
	RAPI_NEXT,		/* GET  .../runtime/invocation/next */
	RAPI_RESPONSE,		/* POST /runtime/invocation/ID/response */
	RAPI_ERROR,		/* POST /runtime/invocation/ID/error */
	RAPI_INIT_ERROR,	/* POST /runtime/init/error */
	RAPI_PING,		/* GET  /ping (RIE) */
};

/* What the request asks; id and idlen get the invocation id when there is one. */
enum rapi_call rapi_parse(const struct http_request *req, const char **id,
	    size_t *idlen);

struct rapi_event {
	const char	*request_id;
	uint64_t	 deadline_ms;
	const char	*function_arn;
	const char	*trace_id;	/* may be NULL */
	const char	*client_context;	/* may be NULL */
	const char	*cognito_identity;	/* may be NULL */
	const char	*body;
	size_t		 body_len;
};

/* 200 to a /next, with the event and every header. */
int	rapi_send_event(struct http_request *req, const struct rapi_event *ev);
/* 202 {"status":"OK"}. */
int	rapi_send_accepted(struct http_request *req);
/* status with {"errorMessage":msg,"errorType":type}. */
int	rapi_send_error(struct http_request *req, int status, const char *type,
	    const char *msg);

/*
 * The error JSON a runtime posted to /error or /init/error: the body when it
 * is a JSON object, else one built from Lambda-Runtime-Function-Error-Type
 * (default type_fallback) and the body as the message.  Appended to out.
 * Returns the error type to report (static or pointing into req).
 */
struct buf;
const char *rapi_error_body(const struct http_request *req, struct buf *out,
	    const char *type_fallback);

/* Lambda-Runtime-Function-Response-Mode: 0 (absent/buffered), 1 (streaming),
 * -EINVAL (anything else: the caller answers 400). */
int	rapi_response_mode(const struct http_request *req);

/*
 * Error trailers after a (chunked) response body: when the runtime set
 * Lambda-Runtime-Function-Error-Type as a trailer, the result is an error.
 * Returns 1 and appends the error JSON (decoded from ...-Error-Body, base64)
 * to out, or 0 when there is none.  *type gets the error type.
 */
int	rapi_trailer_error(const struct http_request *req, struct buf *out,
	    const char **type);

#endif
