/*
 * http_stream: replies whose body is given in pieces (http.h), so a large
 * file goes out without being held whole in memory.  The head goes at
 * once; each piece is written as far as the socket takes it and the rest
 * queued (conn_write); the owner paces itself on on_drain.  Once the
 * declared length is given, the request is answered as http_respond
 * would (keep-alive or close).
 */
#include <errno.h>
#include <stddef.h>

#include "http.h"
#include "http_int.h"

static struct http_conn *
stream_conn(struct http_request *req)
{
	return (struct http_conn *)((char *)req -
	    offsetof(struct http_conn, req));
}

int
http_stream_begin(struct http_request *req, int status,
    const struct http_header *hdrs, size_t nhdrs, uint64_t body_len)
{
	struct http_conn *c = stream_conn(req);
	uv_buf_t b;
	int len, rc = 0;

	if (!c->outstanding || c->streaming)
		return -EINVAL;
	c->stream_close = !c->keepalive || c->srv->listener_closing;
	c->streaming = 1;
	c->stream_left = c->head ? 0 : body_len;
	if (c->closed)
		rc = -ECONNRESET;
	else if ((len = conn_format_head(c, status, hdrs, nhdrs,
	    (size_t)body_len, c->stream_close)) < 0)
		rc = len;
	else {
		b = uv_buf_init(c->wbuf, (unsigned)len);
		rc = conn_write(c, &b, 1);
	}
	if (rc < 0) {
		c->stream_close = 1;
		c->stream_left = body_len;
		return rc;
	}
	if (c->stream_left == 0)
		conn_answered(c, c->stream_close, 0);
	return 0;
}

int
http_stream_write(struct http_request *req, const void *p, size_t n)
{
	struct http_conn *c = stream_conn(req);
	uv_buf_t b;
	int rc;

	if (!c->outstanding || !c->streaming || n > c->stream_left)
		return -EINVAL;
	if (c->closed)
		return -ECONNRESET;
	b = uv_buf_init((char *)p, (unsigned)n);
	if ((rc = conn_write(c, &b, 1)) < 0)
		return rc;
	c->stream_left -= n;
	if (c->stream_left == 0)
		conn_answered(c, c->stream_close, 0);
	return 0;
}

size_t
http_stream_queued(struct http_request *req)
{
	struct http_conn *c = stream_conn(req);

	return c->closed ? 0 :
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
}

void
http_stream_end(struct http_request *req)
{
	struct http_conn *c = stream_conn(req);

	if (!c->outstanding)
		return;
	/* Short of its Content-Length: the client must see the cut. */
	conn_answered(c, true, c->stream_left > 0 ? -EPIPE : 0);
}
