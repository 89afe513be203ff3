/*
 * http: the HTTP/1.1 server under the public listener and every worker's
 * Runtime API endpoint (contract in http.h).
 *
 * This is the hot path, so a connection owns a few buffers that it reuses
 * from one request to the next: a read buffer (bytes received, not yet
 * parsed), an arena that receives copies of everything llhttp hands us
 * (target, header names and values, body, trailers), an array of header
 * offsets into that arena, and a buffer in which replies are formatted.
 * Offsets rather than pointers are kept while parsing because the arena may
 * move when it grows; the public pointers are fixed once the message is
 * complete, after which the arena is not touched until the reply.  There is
 * one struct http_request per connection, embedded in it: requests on one
 * connection are answered in order and llhttp is paused while one is
 * outstanding, so there is never more than one.
 *
 * Timers are lazy: each connection has one uv_timer and a deadline; moving
 * the deadline later costs nothing, and the timer re-arms itself when it
 * fires early.  A connection that must close after a reply shuts down its
 * write side, then keeps reading (and discarding) for a short while so that
 * a client still sending a body does not receive a reset that would destroy
 * the reply in flight.
 *
 * Memory of a connection is released only when both of its handles are
 * closed and its request (if any) has been answered, so an owner may answer
 * an aborted request at any later time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>

#include <llhttp.h>

#include "http.h"
#include "http_int.h"
#include "log.h"
#include "sdsock.h"

struct http_wreq {		/* a reply tail that uv_try_write left */
	uv_write_t	 req;
	struct http_conn *conn;
	char		 data[];
};

static void	conn_begin_close(struct http_conn *);
static void	conn_on_read(uv_stream_t *, ssize_t, const uv_buf_t *);

/* ---- small helpers ------------------------------------------------------ */

int
http_grow(char **buf, size_t *cap, size_t need)
{
	size_t	 ncap;
	char	*p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 256;
	while (ncap < need)
		ncap *= 2;
	if ((p = realloc(*buf, ncap)) == NULL)
		return -ENOMEM;
	*buf = p;
	*cap = ncap;
	return 0;
}

static char *
put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUTS(p, lit)	put((p), (lit), sizeof(lit) - 1)

static char *
put_uint(char *p, uint64_t v)
{
	char	 tmp[24];
	size_t	 n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = '0' + v % 10;
		v /= 10;
	} while (v != 0);
	return put(p, tmp + sizeof(tmp) - n, n);
}

bool
http_token_eq(const char *s, size_t len, const char *lit, size_t litlen)
{
	return len == litlen && strncasecmp(s, lit, len) == 0;
}

/* ---- status text and the Date header ----------------------------------- */

const char *
http_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Request Entity Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default:  return "Unknown";
	}
}

/*
 * The Date value (RFC 9110 IMF-fixdate), formatted at most once a second.
 * Formatted by hand: strftime's %a and %b follow the locale.
 */
static const char *
srv_date(struct http_server *srv, size_t *len)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		*p = srv->date;

	if (now != srv->date_sec || srv->date_len == 0) {
		gmtime_r(&now, &tm);
		p = put(p, days + 3 * tm.tm_wday, 3);
		p = PUTS(p, ", ");
		*p++ = '0' + tm.tm_mday / 10;
		*p++ = '0' + tm.tm_mday % 10;
		*p++ = ' ';
		p = put(p, mons + 3 * tm.tm_mon, 3);
		*p++ = ' ';
		p = put_uint(p, (uint64_t)tm.tm_year + 1900);
		*p++ = ' ';
		*p++ = '0' + tm.tm_hour / 10;
		*p++ = '0' + tm.tm_hour % 10;
		*p++ = ':';
		*p++ = '0' + tm.tm_min / 10;
		*p++ = '0' + tm.tm_min % 10;
		*p++ = ':';
		*p++ = '0' + tm.tm_sec / 10;
		*p++ = '0' + tm.tm_sec % 10;
		p = PUTS(p, " GMT");
		srv->date_len = p - srv->date;
		srv->date_sec = now;
	}
	*len = srv->date_len;
	return srv->date;
}

/* ---- timers ------------------------------------------------------------- */

static void conn_on_timer(uv_timer_t *);
static void conn_send_check(struct http_conn *);

/* Set the deadline ms from now (0 = none); the timer moves only earlier. */
void
conn_deadline(struct http_conn *c, uint64_t ms)
{
	uint64_t	 due;

	if (ms == 0) {
		c->deadline = 0;
		return;
	}
	due = uv_now(c->srv->loop) + ms;
	c->deadline = due;
	if (!c->timer_armed || due < c->timer_due) {
		uv_timer_start(&c->timer, conn_on_timer, ms, 0);
		c->timer_due = due;
		c->timer_armed = 1;
	}
}

/*
 * A body must not stall for body_timeout (nginx's client_body_timeout),
 * and must not trickle either: it is also due body_timeout after the
 * headers plus one second per HTTP_BODY_MIN_RATE bytes received so far
 * (Apache's mod_reqtimeout MinRate).  A client that sends a byte a second
 * keeps the gap short but still gets its 408.
 */
void
conn_body_deadline(struct http_conn *c)
{
	uint64_t	 t = c->srv->cfg.body_timeout_ms, now, end;

	if (t == 0 || c->body_stream)	/* a streamed one: the owner's */
		return;
	now = uv_now(c->srv->loop);
	end = c->body_start + t + c->body_len * 1000 / HTTP_BODY_MIN_RATE;
	if (end <= now)
		end = now + 1;
	conn_deadline(c, end - now < t ? end - now : t);
}

static void
conn_on_timer(uv_timer_t *t)
{
	struct http_conn *c = t->data;
	uint64_t	 now = uv_now(c->srv->loop);

	c->timer_armed = 0;
	if (c->closed)
		return;
	if (c->resume) {
		c->resume = 0;
		conn_process(c);
		if (c->closed)
			return;
		if (c->deadline != 0 && !c->timer_armed)
			conn_deadline(c, c->deadline > now ?
			    c->deadline - now : 1);
		return;
	}
	if (c->deadline == 0)
		return;
	if (now < c->deadline) {
		conn_deadline(c, c->deadline - now);
		return;
	}
	c->deadline = 0;
	switch (c->phase) {
	case PH_HEAD:
	case PH_BODY:
		conn_fail(c, 408);
		break;
	case PH_WAIT:		/* none while the owner works, but a
				   streamed reply's client must read */
		conn_send_check(c);
		break;
	case PH_IDLE:		/* idle keep-alive or silent new connection */
	case PH_CLOSING:
		conn_close(c);
		break;
	}
}

/*
 * A streamed reply's client must keep reading (send_timeout, as nginx's
 * send_timeout): checked every send_timeout_ms while the reply streams
 * (armed by http_stream_begin), it is cut when nothing queued has gone
 * out since the last check, so after one to two periods of a stall.
 * An empty queue is the owner's wait (a slow function), not the client's.
 */
static void
conn_send_check(struct http_conn *c)
{
	uint64_t	 t = c->srv->cfg.send_timeout_ms, sent;

	if (!c->streaming || t == 0)
		return;
	sent = conn_sent(c);
	if (sent > c->send_mark ||
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0) {
		c->send_mark = sent;
		conn_deadline(c, t);
		return;
	}
	c->srv->send_timeouts++;
	log_info("http: %s %s: client read nothing for %llu s after %llu "
	    "bytes, connection closed (send_timeout)", c->req.method,
	    c->req.path, (unsigned long long)(t / 1000),
	    (unsigned long long)sent);
	conn_close(c);
}

/* ---- writing ------------------------------------------------------------ */

uint64_t
conn_sent(struct http_conn *c)
{
	return c->wbytes -
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
}

static void
conn_on_write(uv_write_t *wr, int status)
{
	struct http_wreq *w = (struct http_wreq *)wr;
	struct http_conn *c = w->conn;

	free(w);
	if (status < 0) {
		conn_close(c);
		return;
	}
	/* A streamed reply's owner waits for the queue to drain. */
	if (c->outstanding && c->streaming && !c->closed &&
	    c->req.on_drain != NULL && uv_stream_get_write_queue_size(
	    (uv_stream_t *)&c->tcp) <= HTTP_STREAM_LOW)
		c->req.on_drain(&c->req, c->srv->cfg.arg);
	/* A client that pipelines but does not read was held back: go on. */
	if (!c->outstanding && c->phase != PH_CLOSING && !c->closed)
		conn_process(c);
	if (!c->closed)
		conn_idle_update(c);
}

/*
 * Send what was held while corked.  Replies made while the connection's own
 * read callback runs are held and sent together when it ends: a runtime
 * that pipelines POST /response and GET /next gets the 202 and its next
 * event in one segment, which saves it a wake-up per invocation.
 */
static int
conn_uncork(struct http_conn *c)
{
	uv_buf_t	 b;
	int		 rc;

	c->corked = 0;
	if (c->clen == 0)
		return 0;
	/* conn_write copies what the socket does not take at once. */
	b = uv_buf_init(c->cbuf, c->clen);
	c->clen = 0;
	rc = conn_write(c, &b, 1);
	return rc;
}

/*
 * Write bufs in one go: uv_try_write first, and only what the socket did
 * not take is copied into a queued uv_write.  uv_try_write refuses while a
 * queued write is pending, so replies keep their order.
 */
int
conn_write(struct http_conn *c, const uv_buf_t *bufs, unsigned nbufs)
{
	struct http_wreq *w;
	uv_buf_t	 b;
	size_t		 total = 0, skip, off = 0, n;
	unsigned	 i;
	int		 rc;

	if (c->closed)
		return -ECONNRESET;
	for (i = 0; i < nbufs; i++)
		total += bufs[i].len;
	if (c->corked && c->clen + total <= HTTP_CORK_MAX) {
		if ((rc = http_grow(&c->cbuf, &c->ccap, c->clen + total)) < 0)
			return rc;
		for (i = 0; i < nbufs; i++) {
			memcpy(c->cbuf + c->clen, bufs[i].base, bufs[i].len);
			c->clen += bufs[i].len;
		}
		return 0;
	}
	if (c->clen > 0 && (rc = conn_uncork(c)) < 0)
		return rc;
	c->wbytes += total;
	rc = uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs);
	if (rc == UV_EAGAIN || rc == UV_ENOSYS)
		rc = 0;
	if (rc < 0)
		return rc;
	if ((size_t)rc == total)
		return 0;
	skip = rc;
	if ((w = malloc(sizeof(*w) + total - skip)) == NULL)
		return -ENOMEM;
	w->conn = c;
	for (i = 0; i < nbufs; i++) {
		if (skip >= bufs[i].len) {
			skip -= bufs[i].len;
			continue;
		}
		n = bufs[i].len - skip;
		memcpy(w->data + off, bufs[i].base + skip, n);
		off += n;
		skip = 0;
	}
	b = uv_buf_init(w->data, off);
	if ((rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1,
	    conn_on_write)) < 0) {
		free(w);
		return rc;
	}
	return 0;
}

static bool
status_has_body(int status)
{
	return status >= 200 && status != 204 && status != 304;
}

/* Scan the owner's headers once for those this module writes itself. */
static bool
hdrs_skip(const struct http_header *h, bool *has_date)
{
	if (http_token_eq(h->name, h->name_len, "Date", 4)) {
		*has_date = true;
		return false;
	}
	return http_token_eq(h->name, h->name_len, "Content-Length", 14) ||
	    http_token_eq(h->name, h->name_len, "Transfer-Encoding", 17) ||
	    http_token_eq(h->name, h->name_len, "Connection", 10);
}

/* Format status line and headers into c->wbuf; returns the length. */
int
conn_format_head(struct http_conn *c, int status, const struct http_header *hdrs,
    size_t nhdrs, size_t body_len, bool close)
{
	const char	*reason = http_status_text(status), *date;
	size_t		 need, i, dlen;
	bool		 has_date = false;
	char		*p;
	int		 rc;

	need = 128 + strlen(reason);
	for (i = 0; i < nhdrs; i++)
		need += hdrs[i].name_len + hdrs[i].value_len + 4;
	if ((rc = http_grow(&c->wbuf, &c->wcap, need)) < 0)
		return rc;
	p = PUTS(c->wbuf, "HTTP/1.1 ");
	p = put_uint(p, (unsigned)status % 1000);
	*p++ = ' ';
	p = put(p, reason, strlen(reason));
	p = PUTS(p, "\r\n");
	for (i = 0; i < nhdrs; i++) {
		if (hdrs_skip(&hdrs[i], &has_date))
			continue;
		p = put(p, hdrs[i].name, hdrs[i].name_len);
		p = PUTS(p, ": ");
		p = put(p, hdrs[i].value, hdrs[i].value_len);
		p = PUTS(p, "\r\n");
	}
	if (!has_date) {
		date = srv_date(c->srv, &dlen);
		p = PUTS(p, "Date: ");
		p = put(p, date, dlen);
		p = PUTS(p, "\r\n");
	}
	if (body_len == (size_t)HTTP_CHUNKED) {
		if (c->req.http_minor > 0)
			p = PUTS(p, "Transfer-Encoding: chunked\r\n");
	} else if (status_has_body(status)) {
		p = PUTS(p, "Content-Length: ");
		p = put_uint(p, body_len);
		p = PUTS(p, "\r\n");
	}
	if (close)
		p = PUTS(p, "Connection: close\r\n");
	else if (c->req.http_minor == 0)
		p = PUTS(p, "Connection: keep-alive\r\n");
	p = PUTS(p, "\r\n");
	return (int)(p - c->wbuf);
}

static int
conn_send(struct http_conn *c, int status, const struct http_header *hdrs,
    size_t nhdrs, const char *body, size_t body_len, bool close)
{
	uv_buf_t	 bufs[2];
	unsigned	 n = 1;
	int		 len;

	if (!status_has_body(status))
		body_len = 0;
	if ((len = conn_format_head(c, status, hdrs, nhdrs, body_len,
	    close)) < 0)
		return len;
	bufs[0] = uv_buf_init(c->wbuf, len);
	if (body_len > 0 && !c->head)
		bufs[n++] = uv_buf_init((char *)body, body_len);
	return conn_write(c, bufs, n);
}

/* Reply with a JSON error of our own and close: no request is outstanding. */
void
conn_fail(struct http_conn *c, int status)
{
	static const struct http_header ct = {
		"Content-Type", 12, "application/json", 16
	};
	char		 body[128];
	char		*p = body;
	const char	*reason = http_status_text(status);

	if (c->closed || c->phase == PH_CLOSING)
		return;
	p = PUTS(p, "{\"message\":\"");
	p = put(p, reason, strlen(reason));
	p = PUTS(p, "\"}");
	c->head = 0;
	c->parse_stop = 1;
	if (conn_send(c, status, &ct, 1, body, p - body, true) < 0) {
		conn_close(c);
		return;
	}
	conn_begin_close(c);
}

/* ---- the idle list -------------------------------------------------------- */

/*
 * Idle: between requests (or not yet sent one), nothing outstanding,
 * nothing buffered to parse and nothing left to write.  Closing such a
 * connection loses nothing; a client that reuses it sees it closed and
 * opens another, as it must after any keep-alive timeout.
 */
static bool
conn_is_idle(struct http_conn *c)
{
	return !c->closed && c->phase == PH_IDLE && !c->outstanding &&
	    c->rpos == c->rlen && c->clen == 0 &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0;
}

static void
idle_unlink(struct http_conn *c)
{
	struct http_server *srv = c->srv;

	if (c->iprev)
		c->iprev->inext = c->inext;
	else
		srv->idle_head = c->inext;
	if (c->inext)
		c->inext->iprev = c->iprev;
	else
		srv->idle_tail = c->iprev;
	c->iprev = c->inext = NULL;
	c->on_idle = 0;
	srv->nidle--;
}

/*
 * Many idle connections (a crowd of keep-alive clients, or someone holding
 * thousands open): each gives back its buffers while idle, so that what an
 * idle connection costs is its struct and the kernel's socket.  A few idle
 * ones keep theirs: they are the clients about to send their next request.
 */
static void
conn_lean(struct http_conn *c)
{
	free(c->rbuf);
	c->rbuf = NULL;
	c->rcap = c->rlen = c->rpos = 0;
	free(c->cbuf);
	c->cbuf = NULL;
	c->ccap = 0;
	free(c->arena);
	c->arena = NULL;
	c->acap = c->alen = 0;
}

/* Put c on the idle list (at the young end) or take it off, as it is. */
void
conn_idle_update(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	bool	 idle = conn_is_idle(c);

	if (c->on_idle && !idle)
		idle_unlink(c);
	else if (!c->on_idle && idle) {
		c->iprev = srv->idle_tail;
		c->inext = NULL;
		if (srv->idle_tail)
			srv->idle_tail->inext = c;
		else
			srv->idle_head = c;
		srv->idle_tail = c;
		c->on_idle = 1;
		if (++srv->nidle > HTTP_IDLE_LEAN)
			conn_lean(c);
	}
}

/* ---- connection life ---------------------------------------------------- */

static void
conn_maybe_free(struct http_conn *c)
{
	struct http_server *srv = c->srv;

	if (c->handles_open > 0 || c->outstanding)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->rbuf);
	free(c->arena);
	free(c->hoffs);
	free(c->hdrs);
	free(c->wbuf);
	free(c->cbuf);
	free(c);
	srv_maybe_free(srv);
}

void
conn_on_close(uv_handle_t *h)
{
	struct http_conn *c = h->data;

	c->handles_open--;
	conn_maybe_free(c);
}

/* Close now.  An outstanding request learns of it through on_abort. */
void
conn_close(struct http_conn *c)
{
	struct http_request *req = &c->req;

	if (c->closed)
		return;
	if (c->on_idle)
		idle_unlink(c);
	c->closed = 1;
	c->clen = 0;
	c->corked = 0;
	c->srv->nconns--;
	if (!c->rejected)
		c->srv->nactive--;
	uv_close((uv_handle_t *)&c->tcp, conn_on_close);
	uv_close((uv_handle_t *)&c->timer, conn_on_close);
	if (c->outstanding && req->on_abort != NULL)
		req->on_abort(req, c->srv->cfg.arg);
}

static void
conn_on_shutdown(uv_shutdown_t *sr, int status)
{
	struct http_conn *c = sr->data;

	if (status < 0)
		conn_close(c);
}


/*
 * The last reply is queued: send FIN after it, then read and discard until
 * the peer closes or the linger time runs out.
 */
static void
conn_begin_close(struct http_conn *c)
{
	if (c->closed || c->phase == PH_CLOSING)
		return;
	if (conn_uncork(c) < 0) {
		conn_close(c);
		return;
	}
	c->phase = PH_CLOSING;
	if (c->on_idle)
		idle_unlink(c);
	c->parse_stop = 1;
	c->rlen = c->rpos = 0;
	c->shut.data = c;
	if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp,
	    conn_on_shutdown) < 0) {
		conn_close(c);
		return;
	}
	conn_read_start(c);
	c->deadline = 0;
	conn_deadline(c, HTTP_LINGER_MS);
}

/* ---- reading ------------------------------------------------------------ */

static size_t
conn_read_cap(const struct http_conn *c)
{
	return c->srv->cfg.max_header_size + HTTP_READ_SLACK;
}

static void
conn_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct http_conn *c = h->data;
	size_t		 want;

	(void)hint;
	if (c->rpos == c->rlen)
		c->rlen = c->rpos = 0;
	if (c->rcap - c->rlen < HTTP_RBUF_MIN / 4 && c->rpos > 0) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	want = c->rlen + HTTP_RBUF_MIN / 4;
	if (want < HTTP_RBUF_MIN)
		want = HTTP_RBUF_MIN;
	if (want > c->rcap && c->rcap < conn_read_cap(c) + HTTP_RBUF_MIN)
		(void)http_grow(&c->rbuf, &c->rcap, want);
	*buf = uv_buf_init(c->rbuf + c->rlen, c->rcap - c->rlen);
}

void
conn_read_start(struct http_conn *c)
{
	if (c->reading || c->closed)
		return;
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_on_alloc,
	    conn_on_read) < 0) {
		conn_close(c);
		return;
	}
	c->reading = 1;
}

static void
conn_read_stop(struct http_conn *c)
{
	if (!c->reading)
		return;
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->reading = 0;
}

static void
conn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct http_conn *c = s->data;

	(void)buf;
	if (nread < 0) {
		/* EOF or error: the peer is gone; an outstanding request aborts. */
		conn_close(c);
		return;
	}
	if (nread == 0)
		return;
	if (c->parse_stop) {
		c->rlen = c->rpos = 0;	/* lingering or ignoring a big body */
		return;
	}
	c->rlen += nread;
	c->corked = 1;
	conn_process(c);
	if (!c->closed && c->phase == PH_BODY)
		conn_body_deadline(c);
	if (!c->closed && conn_uncork(c) < 0)
		conn_close(c);
	if (!c->closed)
		conn_idle_update(c);
}

/* ---- handing requests to the owner -------------------------------------- */

/*
 * Parse buffered bytes while no request is outstanding.  on_message_complete
 * pauses llhttp, so each pass ends at a message boundary (or the end of the
 * buffer), and the owner is called here, outside llhttp_execute.  Reentrant
 * calls (an owner answering from on_request) return at once; the loop picks
 * up where they left.
 */
void
conn_process(struct http_conn *c)
{
	llhttp_errno_t	 e;
	const char	*p;

	if (c->in_process)
		return;
	c->in_process = 1;
	while (!c->closed && !c->parse_stop && c->rpos < c->rlen &&
	    (!c->outstanding || (c->body_stream && !c->body_paused)) &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <
	    HTTP_WQ_MAX) {
		p = c->rbuf + c->rpos;
		e = llhttp_execute(&c->parser, p, c->rlen - c->rpos);
		if (e == HPE_OK) {
			c->rpos = c->rlen;
		} else if (e == HPE_PAUSED) {
			c->rpos += llhttp_get_error_pos(&c->parser) - p;
			llhttp_resume(&c->parser);
			conn_dispatch(c);
		} else if (c->too_large) {
			c->parse_stop = 1;
			c->rlen = c->rpos = 0;
			conn_dispatch(c);
		} else {
			conn_fail(c, c->err_status ? c->err_status : 400);
		}
	}
	c->in_process = 0;
	if (c->closed || c->phase == PH_CLOSING)
		return;
	/* Backpressure: a client that does not read its replies is not read
	 * either, until they drain (conn_on_write parses on), so what it
	 * costs us is HTTP_WQ_MAX and a reply, not all it asked for. */
	if (c->rlen - c->rpos > conn_read_cap(c) || c->body_paused ||
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) >=
	    HTTP_WQ_MAX)
		conn_read_stop(c);
	else
		conn_read_start(c);
	conn_idle_update(c);
}

/* ---- answering ------------------------------------------------------------ */

/*
 * A request the client pipelined behind the one just answered is parsed
 * on the next turn of the loop, from the connection's timer, not inside
 * http_respond: the owner answering may be deep in its own work (a pool
 * handing an invocation to a worker's /next), and must not find a request
 * of the same connection, or its consequences, arriving under it.
 */
void
conn_resume_later(struct http_conn *c)
{
	c->resume = 1;
	uv_timer_start(&c->timer, conn_on_timer, 0, 0);
	c->timer_due = uv_now(c->srv->loop);
	c->timer_armed = 1;
}

static struct http_conn *
req_conn(struct http_request *req)
{
	return (struct http_conn *)((char *)req -
	    offsetof(struct http_conn, req));
}

int
http_respond(struct http_request *req, int status,
    const struct http_header *hdrs, size_t nhdrs,
    const char *body, size_t body_len)
{
	struct http_conn *c = req_conn(req);
	/* Stopping: each connection gets one more reply, then closes, so a
	 * client reconnects to the next daemon (socket activation) rather
	 * than find its keep-alive connection cut under a request. */
	bool		 close = !c->keepalive || c->srv->listener_closing ||
	    c->body_stream;
	int		 rc = 0;

	if (!c->outstanding)
		return -EINVAL;
	if (!c->closed && (rc = conn_send(c, status, hdrs, nhdrs, body,
	    body_len, close)) < 0)
		close = true;
	return conn_answered(c, close, rc);
}

int
conn_answered(struct http_conn *c, bool close, int rc)
{
	c->outstanding = 0;
	c->streaming = c->body_stream = c->body_paused = 0;
	if (c->closed) {
		conn_maybe_free(c);	/* aborted: the reply is discarded */
		return 0;
	}
	if (close) {
		if (rc < 0)
			conn_close(c);
		else
			conn_begin_close(c);
		return rc;
	}
	if (c->acap > HTTP_ARENA_KEEP) {
		/* Do not keep a big body's memory on an idle connection. */
		free(c->arena);
		c->arena = NULL;
		c->acap = 0;
	}
	c->phase = PH_IDLE;
	c->deadline = 0;	/* a streamed reply's send_timeout is over */
	if (c->srv->cfg.keepalive_timeout_ms)
		conn_deadline(c, c->srv->cfg.keepalive_timeout_ms);
	if (c->rpos < c->rlen && !c->in_process) {
		conn_resume_later(c);
		return 0;
	}
	conn_process(c);
	return 0;
}

/*
 * Hand the socket over (an Upgrade): a duplicate of its descriptor and what
 * was read past the request, then close the connection without a FIN or
 * lingering read, which would take the new owner's bytes.  libuv takes the
 * descriptor out of epoll before closing it (uv__platform_invalidate_fd),
 * so the duplicate is the only one left watching the socket.
 */
int
http_detach(struct http_request *req, int *fd, char **rest, size_t *rest_len)
{
	struct http_conn *c = req_conn(req);
	uv_os_fd_t	 ofd;
	int		 rc = 0;

	*fd = -1;
	*rest = NULL;
	*rest_len = 0;
	if (!c->outstanding)
		return -EINVAL;
	if (c->closed)
		rc = -ECONNRESET;
	else if (c->clen > 0 ||
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > 0)
		rc = -EBUSY;	/* an earlier reply is still on its way */
	else if (uv_fileno((uv_handle_t *)&c->tcp, &ofd) != 0)
		rc = -EBADF;
	else if ((*fd = fcntl(ofd, F_DUPFD_CLOEXEC, 0)) < 0)
		rc = -errno;
	else if (c->rlen > c->rpos) {
		*rest_len = c->rlen - c->rpos;
		if ((*rest = malloc(*rest_len)) == NULL) {
			close(*fd);
			*fd = -1;
			*rest_len = 0;
			rc = -ENOMEM;
		} else
			memcpy(*rest, c->rbuf + c->rpos, *rest_len);
	}
	if (rc == -EBUSY)
		return rc;	/* still the caller's to answer */
	c->outstanding = 0;
	if (!c->closed)
		conn_close(c);
	else
		conn_maybe_free(c);
	return rc;
}

int
http_respond_json(struct http_request *req, int status, const char *json)
{
	static const struct http_header ct = {
		"Content-Type", 12, "application/json", 16
	};

	return http_respond(req, status, &ct, 1, json, strlen(json));
}

const char *
http_header_get(const struct http_request *req, const char *name, size_t *len)
{
	size_t	 i, nlen = strlen(name);

	for (i = 0; i < req->nheaders; i++) {
		if (http_token_eq(req->headers[i].name, req->headers[i].name_len,
		    name, nlen)) {
			if (len != NULL)
				*len = req->headers[i].value_len;
			return req->headers[i].value;
		}
	}
	return NULL;
}

