/*
 * http_parse: llhttp's callbacks for the connections of http.c.  They copy
 * the request line, headers, body and trailers into the connection's arena
 * (offsets, since the arena may move as it grows), enforce the header and
 * body limits, and answer Expect: 100-continue; and hand each request to
 * its owner (conn_dispatch), a streamed body's piece by piece.  See http.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "buf.h"
#include "http.h"
#include "http_int.h"

static int	conn_fix_head(struct http_conn *);

/* Append a span to the arena; the header block is limited while in it. */
static int
conn_append(struct http_conn *c, const char *at, size_t len)
{
	if (c->phase == PH_HEAD || c->in_trailers) {
		c->hdr_bytes += len;
		if (c->hdr_bytes > c->srv->cfg.max_header_size) {
			c->err_status = 431;
			return HPE_USER;
		}
	}
	if (http_grow(&c->arena, &c->acap, c->alen + len + 1) < 0) {
		c->err_status = 503;
		return HPE_USER;
	}
	memcpy(c->arena + c->alen, at, len);
	c->alen += len;
	return HPE_OK;
}

static int
cb_message_begin(llhttp_t *p)
{
	struct http_conn *c = p->data;

	c->phase = PH_HEAD;
	c->alen = 0;
	c->nh = c->ntrail_at = 0;
	c->target_off = c->target_len = c->body_off = c->body_len = 0;
	c->hdr_bytes = 0;
	c->err_status = 0;
	c->too_large = 0;
	c->expect_continue = c->in_trailers = c->in_field = c->body_nul = 0;
	c->req.start_ns = uv_hrtime();
	conn_deadline(c, c->srv->cfg.header_timeout_ms);
	return HPE_OK;
}

static int
cb_url(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

	c->target_len += len;
	return conn_append(c, at, len);
}

static int
cb_url_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;
	int		 rc;

	if ((rc = conn_append(c, "", 1)) != HPE_OK)
		return rc;
	return HPE_OK;
}

static int
cb_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;
	size_t		 ncap;
	void		*np;

	if (!c->in_field) {
		if (c->nh == c->hcap) {
			ncap = c->hcap ? c->hcap * 2 : 16;
			if ((np = realloc(c->hoffs, ncap * sizeof(*c->hoffs))) == NULL)
				return HPE_USER;
			c->hoffs = np;
			if ((np = realloc(c->hdrs, ncap * sizeof(*c->hdrs))) == NULL)
				return HPE_USER;
			c->hdrs = np;
			c->hcap = ncap;
		}
		c->hoffs[c->nh].name = c->alen;
		c->hoffs[c->nh].name_len = 0;
		c->hoffs[c->nh].value = c->alen;
		c->hoffs[c->nh].value_len = 0;
		c->nh++;
		c->in_field = 1;
		c->hdr_bytes += 4;	/* ": " and CRLF, roughly */
	}
	c->hoffs[c->nh - 1].name_len += len;
	return conn_append(c, at, len);
}

static int
cb_header_field_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;

	c->in_field = 0;
	if (c->nh > 0)
		c->hoffs[c->nh - 1].value = c->alen;
	return HPE_OK;
}

static int
cb_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

	if (c->nh == 0)
		return HPE_OK;
	c->hoffs[c->nh - 1].value_len += len;
	return conn_append(c, at, len);
}

static int
cb_header_value_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;
	struct hoff	*h;
	const char	*v;

	if (c->nh == 0)
		return HPE_OK;
	h = &c->hoffs[c->nh - 1];
	v = c->arena + h->value;
	while (h->value_len > 0 && (v[h->value_len - 1] == ' ' ||
	    v[h->value_len - 1] == '\t'))
		h->value_len--;
	while (h->value_len > 0 && (v[0] == ' ' || v[0] == '\t')) {
		h->value++;
		h->value_len--;
		v++;
	}
	if (!c->in_trailers &&
	    http_token_eq(c->arena + h->name, h->name_len, "Expect", 6) &&
	    http_token_eq(v, h->value_len, "100-continue", 12))
		c->expect_continue = 1;
	return HPE_OK;
}

static int
conn_continue(struct http_conn *c, const llhttp_t *p)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	uv_buf_t	 b;

	if (!c->expect_continue || p->http_minor < 1)
		return 0;
	b = uv_buf_init((char *)cont, sizeof(cont) - 1);
	return conn_write(c, &b, 1);
}

/* The owner takes this body as it comes: pause, hand the request out
 * (conn_dispatch), then parse on into the body. */
static int
conn_stream_head(struct http_conn *c, llhttp_t *p)
{
	c->phase = PH_BODY;
	c->body_start = uv_now(c->srv->loop);
	c->body_stream = 1;
	c->head_pause = 1;
	if (conn_continue(c, p) < 0)
		return HPE_USER;
	return HPE_PAUSED;
}

static int
cb_headers_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;
	bool		 chunked = p->flags & F_CHUNKED;

	c->ntrail_at = c->nh;
	c->body_off = c->alen;
	/* llhttp takes "GET /x" (HTTP/0.9) and any digit pair; we answer
	 * 1.0 and 1.1 only, as http.h promises the owner (fuzz_http). */
	if (p->http_major != 1 || p->http_minor > 1) {
		c->err_status = 505;
		return HPE_USER;
	}
	if (c->srv->cfg.stream_body != NULL && !p->upgrade &&
	    (chunked || p->content_length > 0)) {
		if (conn_fix_head(c) < 0) {
			c->err_status = 503;
			return HPE_USER;
		}
		c->body_off = c->alen;
		if (c->srv->cfg.stream_body(&c->req, c->srv->cfg.arg))
			return conn_stream_head(c, p);
	}
	if (!chunked && (p->flags & F_CONTENT_LENGTH) &&
	    p->content_length > c->srv->cfg.max_body) {
		c->too_large = 1;
		return HPE_USER;
	}
	if (!chunked && p->content_length == 0)
		return HPE_OK;		/* on_message_complete follows */
	c->phase = PH_BODY;
	c->body_start = uv_now(c->srv->loop);
	conn_body_deadline(c);
	if (conn_continue(c, p) < 0)
		return HPE_USER;
	return HPE_OK;
}

static int
cb_body(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

	if (c->body_stream) {
		c->body_len += len;
		if (c->outstanding && c->req.on_body != NULL)
			c->req.on_body(&c->req, at, len, c->srv->cfg.arg);
		return HPE_OK;
	}
	if (c->body_len + len > c->srv->cfg.max_body) {
		c->too_large = 1;
		return HPE_USER;
	}
	c->body_len += len;
	return conn_append(c, at, len);
}

static int
cb_chunk_header(llhttp_t *p)
{
	struct http_conn *c = p->data;

	/*
	 * The last chunk: any fields that follow are trailers, stored behind
	 * the body, so terminate the body now.
	 */
	if (p->content_length == 0) {
		if (http_grow(&c->arena, &c->acap, c->alen + 1) < 0)
			return HPE_USER;
		c->arena[c->alen++] = '\0';
		c->body_nul = 1;
		c->in_trailers = 1;
		c->ntrail_at = c->nh;
		c->hdr_bytes = 0;
	}
	return HPE_OK;
}

static int
cb_message_complete(llhttp_t *p)
{
	(void)p;
	/* Hand the request over outside llhttp_execute: see conn_process. */
	return HPE_PAUSED;
}

/*
 * Fix the public pointers now that the arena will not move again (or, for
 * a streamed body, until its trailers: conn_body_done fixes them again).
 */
static int
conn_fix_request(struct http_conn *c)
{
	struct http_request *r = &c->req;
	const char	*q;
	size_t		 i, path_off;
	int		 rc;

	if ((rc = http_grow(&c->arena, &c->acap, c->alen + c->target_len + 2)) < 0)
		return rc;
	if (!c->body_nul)	/* else trailers follow a terminated body */
		c->arena[c->alen++] = '\0';
	q = memchr(c->arena + c->target_off, '?', c->target_len);
	path_off = c->target_off;
	r->path_len = c->target_len;
	if (q != NULL) {
		/* The path needs its own NUL: copy it behind the body. */
		r->path_len = q - (c->arena + c->target_off);
		path_off = c->alen;
		memcpy(c->arena + path_off, c->arena + c->target_off, r->path_len);
		c->arena[path_off + r->path_len] = '\0';
		c->alen += r->path_len + 1;
	}
	r->target = c->arena + c->target_off;
	r->target_len = c->target_len;
	r->path = c->arena + path_off;
	r->query = q ? q + 1 : "";
	r->query_len = q ? c->target_len - r->path_len - 1 : 0;
	for (i = 0; i < c->nh; i++) {
		c->hdrs[i].name = c->arena + c->hoffs[i].name;
		c->hdrs[i].name_len = c->hoffs[i].name_len;
		c->hdrs[i].value = c->arena + c->hoffs[i].value;
		c->hdrs[i].value_len = c->hoffs[i].value_len;
	}
	r->headers = c->hdrs;
	r->nheaders = c->ntrail_at;
	r->trailers = c->hdrs ? c->hdrs + c->ntrail_at : NULL;
	r->ntrailers = c->nh - c->ntrail_at;
	return 0;
}

/* The request line and headers, for cfg.stream_body (and the owner). */
static int
conn_fix_head(struct http_conn *c)
{
	struct http_request *r = &c->req;
	int		 rc;

	if ((rc = conn_fix_request(c)) < 0)
		return rc;
	r->method = llhttp_method_name(c->parser.method);
	r->http_minor = c->parser.http_minor;
	r->too_large = false;
	r->body_streamed = false;
	r->body = "";
	r->body_len = 0;
	return 0;
}

/*
 * A streamed body's end: the trailers are in, and the arena may have
 * moved for them, so every pointer is fixed again before on_body_end.
 */
static void
conn_body_done(struct http_conn *c)
{
	struct http_request *r = &c->req;

	c->body_stream = c->body_paused = 0;
	c->phase = PH_WAIT;
	c->deadline = 0;
	if (conn_fix_request(c) < 0) {
		c->body_stream = 1;	/* answered: the connection closes */
		conn_fail(c, 503);
		return;
	}
	r->body = "";
	r->body_len = 0;
	if (r->on_body_end != NULL)
		r->on_body_end(r, c->srv->cfg.arg);
}

void
conn_dispatch(struct http_conn *c)
{
	struct http_request *r = &c->req;
	struct http_server *srv = c->srv;

	if (c->body_stream && c->outstanding) {
		conn_body_done(c);
		return;
	}
	if (conn_fix_head(c) < 0) {
		conn_fail(c, 503);
		return;
	}
	r->too_large = c->too_large;
	r->body_streamed = c->head_pause;
	if (c->too_large || c->head_pause) {
		r->body = "";
		r->body_len = 0;
		r->trailers = NULL;
		r->ntrailers = 0;
	} else {
		r->body = c->arena + c->body_off;
		r->body_len = c->body_len;
	}
	r->data = NULL;
	r->on_abort = NULL;
	r->on_drain = NULL;
	r->on_body = NULL;
	r->on_body_end = NULL;
	c->head = c->parser.method == HTTP_HEAD;
	c->keepalive = !c->too_large && !c->parser.upgrade &&
	    llhttp_should_keep_alive(&c->parser) && !srv->freeing;
	/* A streamed body goes on being parsed, with no deadline of ours. */
	c->phase = c->head_pause ? PH_BODY : PH_WAIT;
	c->head_pause = 0;
	c->deadline = 0;
	c->outstanding = 1;
	c->nreq++;
	srv->cfg.on_request(r, srv->cfg.arg);
}

const llhttp_settings_t http_settings = {
	.on_message_begin = cb_message_begin,
	.on_url = cb_url,
	.on_url_complete = cb_url_complete,
	.on_header_field = cb_header_field,
	.on_header_field_complete = cb_header_field_complete,
	.on_header_value = cb_header_value,
	.on_header_value_complete = cb_header_value_complete,
	.on_headers_complete = cb_headers_complete,
	.on_body = cb_body,
	.on_chunk_header = cb_chunk_header,
	.on_message_complete = cb_message_complete,
};

int
http_query_get(const struct http_request *req, const char *key, char *out,
    size_t size)
{
	const char *q = req->query, *end = q + req->query_len, *amp;
	size_t kl = strlen(key), vl;
	long n;

	for (; q < end; q = amp + 1) {
		if ((amp = memchr(q, '&', (size_t)(end - q))) == NULL)
			amp = end;
		if ((size_t)(amp - q) <= kl || memcmp(q, key, kl) != 0 ||
		    q[kl] != '=')
			continue;
		vl = (size_t)(amp - q) - kl - 1;
		if (vl >= size || (n = buf_pct_decode(out, q + kl + 1, vl,
		    BUF_PCT_STRICT)) < 0)
			return -EINVAL;
		out[n] = '\0';
		return out[0] != '\0';
	}
	return 0;
}
