/*
 * http_parse: llhttp's callbacks for the connections of http.c.  They copy
 * the request line, headers, body and trailers into the connection's arena
 * (offsets, since the arena may move as it grows), enforce the header and
 * body limits, and answer Expect: 100-continue.  See http.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "buf.h"
#include "http.h"
#include "http_int.h"

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
cb_headers_complete(llhttp_t *p)
{
	struct http_conn *c = p->data;
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	uv_buf_t	 b;
	bool		 chunked = p->flags & F_CHUNKED;

	c->ntrail_at = c->nh;
	c->body_off = c->alen;
	/* llhttp takes "GET /x" (HTTP/0.9) and any digit pair; we answer
	 * 1.0 and 1.1 only, as http.h promises the owner (fuzz_http). */
	if (p->http_major != 1 || p->http_minor > 1) {
		c->err_status = 505;
		return HPE_USER;
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
	if (c->expect_continue && p->http_minor >= 1) {
		b = uv_buf_init((char *)cont, sizeof(cont) - 1);
		if (conn_write(c, &b, 1) < 0)
			return HPE_USER;
	}
	return HPE_OK;
}

static int
cb_body(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

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
