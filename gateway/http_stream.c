/*
 * http_stream: replies whose body is given in pieces (http.h), so a large
 * file goes out without being held whole in memory.  The head goes at
 * once; each piece is written as far as the socket takes it and the rest
 * queued (conn_write); the owner paces itself on on_drain.  Once the
 * declared length is given, the request is answered as http_respond
 * would (keep-alive or close).  A reply of unknown length (HTTP_CHUNKED)
 * goes out chunked, and ends with http_stream_finish.
 *
 * The other way, a request's body may stream to its owner
 * (cfg.stream_body, http_parse.c); http_body_pause is its backpressure.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

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
	c->stream_close = !c->keepalive || c->srv->listener_closing ||
	    c->body_stream;
	c->streaming = 1;
	c->stream_chunked = c->stream_raw = 0;
	c->stream_left = c->head ? 0 : body_len;
	if (body_len == HTTP_CHUNKED) {
		/* HTTP/1.0 has no chunks: the end is the connection's.  To a
		 * HEAD, the pieces are dropped (stream_chunk). */
		c->stream_chunked = c->req.http_minor > 0 && !c->head;
		c->stream_raw = !c->stream_chunked;
		c->stream_close |= c->stream_raw && !c->head;
		c->stream_left = HTTP_CHUNKED;
	}
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
	else if (c->srv->cfg.send_timeout_ms != 0 && c->phase == PH_WAIT) {
		/* The client must keep reading (http.c's conn_send_check). */
		c->send_mark = conn_sent(c);
		conn_deadline(c, c->srv->cfg.send_timeout_ms);
	}
	return 0;
}

/* One piece of a reply of unknown length: a chunk, or raw bytes. */
static int
stream_chunk(struct http_conn *c, const void *p, size_t n)
{
	char	 size[24];
	uv_buf_t b[3];
	int	 k;

	if (n == 0 || c->head)	/* a chunk of 0 would end the reply */
		return 0;
	if (c->stream_raw) {
		b[0] = uv_buf_init((char *)p, (unsigned)n);
		return conn_write(c, b, 1);
	}
	k = snprintf(size, sizeof(size), "%zx\r\n", n);
	b[0] = uv_buf_init(size, (unsigned)k);
	b[1] = uv_buf_init((char *)p, (unsigned)n);
	b[2] = uv_buf_init((char *)"\r\n", 2);
	return conn_write(c, b, 3);
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
	if (c->stream_chunked || c->stream_raw)
		return stream_chunk(c, p, n);
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
	if (c->stream_chunked || c->stream_raw) {
		/* No last chunk: the client must see the cut, after what
		 * was queued (a FIN, not a reset). */
		conn_answered(c, true, 0);
		return;
	}
	/* Short of its Content-Length: the client must see the cut. */
	conn_answered(c, true, c->stream_left > 0 ? -EPIPE : 0);
}

void
http_stream_finish(struct http_request *req)
{
	struct http_conn *c = stream_conn(req);
	uv_buf_t b = uv_buf_init((char *)"0\r\n\r\n", 5);
	int	 rc = 0;

	if (!c->outstanding)
		return;
	if (!c->streaming || (!c->stream_chunked && !c->stream_raw)) {
		http_stream_end(req);
		return;
	}
	if (c->stream_chunked && !c->closed)
		rc = conn_write(c, &b, 1);
	conn_answered(c, c->stream_close || rc < 0, rc);
}

void
http_body_pause(struct http_request *req, bool pause)
{
	struct http_conn *c = stream_conn(req);

	if (!c->outstanding || !c->body_stream || c->closed ||
	    c->body_paused == pause)
		return;
	c->body_paused = pause;
	if (pause)
		return;
	/* Parse on (and read again) from the loop, not under the caller. */
	conn_resume_later(c);
}
