/*
 * front_stream: an HTTP route's reply when its function streams (stream.h).
 * The HTTP-shaped stream (STREAM_HTTP_TYPE) starts with a JSON prelude
 * {statusCode, headers, cookies} and 8 NUL bytes, as Lambda function
 * URLs read it; the reply's status and headers come from it, and the
 * body after it goes to the client chunked, as it comes.  Any other
 * stream is a 200 of the worker's Content-Type.  A stream that ends in
 * error (or is cut: a timeout, the worker gone) cuts the chunked reply:
 * no last chunk, the connection closes; one that fails before its
 * prelude is complete gets the usual error reply.
 */
#ifndef LAMBDAD_FRONT_STREAM_H
#define LAMBDAD_FRONT_STREAM_H

struct invocation;
struct inv_result;

extern const struct inv_sink front_sink;

/* What front.c keeps in its request's req->data (the stream's own
 * while it runs; inv->door may be gone by then). */
void	*front_stream_owner(const struct invocation *inv);
/* The end of a streamed reply (res->streamed): the client's reply ended
 * or cut, the access-log line written, the door's reply freed. */
void	 front_stream_done(struct invocation *inv, const struct inv_result *res);

#endif
