/*
 * stream: response streaming, between a worker that posts its response
 * in Lambda's streaming mode (Lambda-Runtime-Function-Response-Mode:
 * streaming, a chunked body, error trailers) and a door that passes it
 * on as it comes (an HTTP route, InvokeWithResponseStream).
 *
 * A door that can take a stream sets inv->sink before pool_submit.  When
 * the worker's POST /response arrives in streaming mode for it, the
 * body is relayed as it is read (rapi_stream.c): sink->begin once with
 * the worker's Content-Type, sink->data for each piece, and the end is
 * inv->done as ever, with res->streamed set (res->body empty, or the
 * error JSON when the stream ended in error: error trailers, a timeout,
 * the worker gone).  Any other response (buffered, or /error before
 * anything streamed) reaches inv->done as without a sink.
 *
 * Backpressure: a sink whose client does not keep up calls
 * inv_stream_pause(inv, true): the worker's connection is no longer read,
 * so the worker blocks in its write and the daemon holds no more than a
 * read buffer; false (when the client drained) reads on.  The
 * invocation's timeout runs all along, as without streaming.
 */
#ifndef LAMBDAD_STREAM_H
#define LAMBDAD_STREAM_H

#include <stdbool.h>
#include <stddef.h>

struct invocation;
struct worker;
struct http_request;

/* Lambda's limit on a streamed response (200 MB since July 2025). */
#define STREAM_MAX_RESPONSE	(200ULL * 1024 * 1024)
/* The Content-Type of an HTTP-shaped stream: a JSON prelude, 8 NULs,
 * then the body (Lambda function URLs; the Node runtime's HttpResponseStream). */
#define STREAM_HTTP_TYPE	"application/vnd.awslambda.http-integration-response"
#define STREAM_PRELUDE_MAX	(64 * 1024)
/* Past this many bytes queued to its client, a sink pauses the worker. */
#define STREAM_HIGH_WATER	(1024 * 1024)

struct inv_sink {
	/* The stream began; ctype (not NUL-terminated, may be NULL). */
	void	(*begin)(struct invocation *inv, const char *ctype,
		    size_t ctlen);
	/* n more bytes of the body. */
	void	(*data)(struct invocation *inv, const char *p, size_t n);
};

void	inv_stream_pause(struct invocation *inv, bool pause);

/* ---- rapi_stream.c, for worker_rapi.c and pool.c ---- */
/* Whether req (the end of its headers) is a streamed /response that one
 * of w's invocations takes as a stream. */
bool	rapi_stream_wanted(struct worker *w, const struct http_request *req);
/* req's body streams for inv (req->body_streamed): relay it. */
void	rapi_stream_start(struct worker *w, struct http_request *req,
	    struct invocation *inv);
/* inv is answered (timed out, its worker gone): the rest of the stream
 * is read and dropped. */
void	rapi_stream_detach(struct invocation *inv);

#endif
