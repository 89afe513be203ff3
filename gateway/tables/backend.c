/*
 * backend: DynamoDB calls sent on to another engine.  See backend.h.
 *
 * One struct bconn is one keep-alive TCP connection with at most one call
 * on it; idle ones wait on a list, and calls beyond BE_MAX_CONNS wait in a
 * FIFO.  A call whose reused connection turns out dead before any byte of
 * the request was written (the engine closed it while idle) is tried once
 * more on a new connection.  Once written, a call is never resent, nor
 * after its timeout: the engine may have run it, and UpdateItem with ADD
 * or a TransactWriteItems without a token would then run twice.  Idle
 * connections are read (an engine's close is seen at once) and dropped
 * after BE_IDLE_MS, before the engine's own keep-alive timeout would race
 * a new call.  Every call ends in exactly one callback.
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <llhttp.h>

#include "buf.h"
#include "conf.h"
#include "http.h"
#include "sigv4.h"
#include "backend.h"

#define BE_MAX_CONNS	16
#define BE_IDLE_MS	4000	/* an idle connection is closed past this */
#define BE_MAX_HDRS	(64u << 10)
#define BE_MAX_REPLY	(64u << 20)	/* a BatchGetItem page is 16 MB */

struct bcall {
	char		 op[64];
	char		*body;
	size_t		 len;
	tables_backend_cb cb;
	void		*arg;
	bool		 retried;
	struct bcall	*next;
};

struct bconn {
	uv_tcp_t	 tcp;
	uv_connect_t	 creq;
	uv_write_t	 wreq;
	uv_timer_t	 timer;
	llhttp_t	 parser;
	struct tables_backend *be;
	struct bcall	*call;		/* NULL while idle */
	struct buf	 out, body;
	struct buf	 hdrs;		/* "name\0value\0" ... */
	bool		 reused, written, complete, closing, reading;
	int		 handles;	/* open libuv handles (tcp, timer) */
	struct bconn	*next;		/* idle list */
};

struct tables_backend {
	uv_loop_t	*loop;
	char		*url;
	char		*hostport;	/* the Host header */
	unsigned	 timeout_ms;
	char		*region;
	char		*key;		/* ID:SECRET or NULL */
	struct sockaddr_storage addr;
	struct bconn	*idle;
	unsigned	 nconns;
	struct bcall	*wait_head, *wait_tail;
	unsigned	 pending;
	bool		 freeing;
};

static llhttp_settings_t parser_settings;
static void	be_run(struct tables_backend *be);
static void	conn_close(struct bconn *c);

/* ---- the URL ---------------------------------------------------------------- */

/* "http://HOST[:PORT][/]" into host and port. */
static int
url_split(const char *url, char **host, int *port, char *err, size_t errlen)
{
	const char *p, *end;
	char *hp;
	int rc;

	if (strncmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "%s: only http:// URLs are supported "
		    "(put a TLS terminator in front of an https engine)", url);
		return -1;
	}
	p = url + 7;
	end = p + strcspn(p, "/");
	if (end == p || (*end == '/' && end[1] != '\0')) {
		snprintf(err, errlen, "%s: want http://HOST:PORT with no path", url);
		return -1;
	}
	hp = strndup(p, (size_t)(end - p));
	if (hp == NULL)
		return -1;
	if (strchr(hp, ':') == NULL) {
		*host = hp;
		*port = 80;
		return 0;
	}
	rc = conf_parse_hostport(hp, host, port);
	free(hp);
	if (rc < 0)
		snprintf(err, errlen, "%s: not a host and port", url);
	return rc < 0 ? -1 : 0;
}

int
tables_backend_url_ok(const char *url, char *err, size_t errlen)
{
	char *host = NULL;
	int port, rc;

	rc = url_split(url, &host, &port, err, errlen);
	free(host);
	return rc;
}

/* dynamodb.REGION.amazonaws.com names its region; anything else signs for
 * us-east-1 (Alternator and lambdad take any region). */
static char *
url_region(const char *host)
{
	const char *p = strncmp(host, "dynamodb.", 9) == 0 ? host + 9 : NULL;
	const char *dot = p != NULL ? strchr(p, '.') : NULL;

	if (dot != NULL && strcmp(dot, ".amazonaws.com") == 0)
		return strndup(p, (size_t)(dot - p));
	return strdup("us-east-1");
}

static int
resolve(const char *host, int port, struct sockaddr_storage *ss, char *err,
    size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	char ps[16];
	int rc;

	snprintf(ps, sizeof(ps), "%d", port);
	if ((rc = getaddrinfo(host, ps, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static void
be_release(struct tables_backend *be)
{
	free(be->url);
	free(be->hostport);
	free(be->region);
	free(be->key);
	free(be);
}

struct tables_backend *
tables_backend_new(uv_loop_t *loop, const char *url, const char *key,
    const char *region, unsigned timeout_ms, char *err, size_t errlen)
{
	struct tables_backend *be;
	char *host = NULL;
	int port;
	size_t n;

	if (url_split(url, &host, &port, err, errlen) < 0)
		return NULL;
	if ((be = calloc(1, sizeof(*be))) == NULL)
		goto nomem;
	be->loop = loop;
	be->timeout_ms = timeout_ms != 0 ? timeout_ms : TABLES_BACKEND_TIMEOUT_MS;
	if (resolve(host, port, &be->addr, err, errlen) < 0) {
		free(host);
		be_release(be);
		return NULL;
	}
	be->url = strdup(url);
	be->hostport = strdup(url + 7);
	if (be->hostport != NULL && (n = strlen(be->hostport)) > 0 &&
	    be->hostport[n - 1] == '/')
		be->hostport[n - 1] = '\0';
	be->region = region != NULL ? strdup(region) : url_region(host);
	be->key = key != NULL ? strdup(key) : NULL;
	if (be->url == NULL || be->hostport == NULL || be->region == NULL ||
	    (key != NULL && be->key == NULL))
		goto nomem;
	free(host);
	return be;
nomem:
	snprintf(err, errlen, "out of memory");
	if (be != NULL)
		be_release(be);
	free(host);
	return NULL;
}

const char *
tables_backend_url(const struct tables_backend *be)
{
	return be->url;
}

const char *
tables_backend_header(const struct tables_backend_reply *r, const char *name)
{
	const char *p = r->hdrs, *end = r->hdrs + r->hdrs_len, *v;

	if (p == NULL)
		return NULL;
	while (p < end) {
		v = p + strlen(p) + 1;
		if (v >= end)
			break;
		if (strcasecmp(p, name) == 0)
			return v;
		p = v + strlen(v) + 1;
	}
	return NULL;
}

/* ---- one call ---------------------------------------------------------------- */

static void
call_end(struct tables_backend *be, struct bcall *call,
    const struct tables_backend_reply *r)
{
	be->pending--;
	call->cb(call->arg, r);
	free(call->body);
	free(call);
}

/* End call without a reply: error is a libuv code, errmsg its words. */
static void
call_fail(struct tables_backend *be, struct bcall *call, int error,
    const char *errmsg)
{
	struct tables_backend_reply r = {
		.status = 0, .error = error,
		.errmsg = errmsg != NULL ? errmsg : uv_strerror(error),
		.body = "", .len = 0,
	};

	call_end(be, call, &r);
}

/* The request as the SDKs send it, signed when a key is set. */
static void
call_format(const struct tables_backend *be, const struct bcall *call,
    struct buf *out)
{
	char target[96], date[17];
	struct http_header h[4];
	struct buf authz;

	snprintf(target, sizeof(target), "DynamoDB_20120810.%s", call->op);
	sigv4_amz_date(time(NULL), date);
	buf_printf(out, "POST / HTTP/1.1\r\nHost: %s\r\n"
	    "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: %s\r\n"
	    "X-Amz-Date: %s\r\nContent-Length: %zu\r\n", be->hostport, target,
	    date, call->len);
	if (be->key != NULL) {
		h[0] = (struct http_header){ "content-type", 12,
		    "application/x-amz-json-1.0", 26 };
		h[1] = (struct http_header){ "host", 4, be->hostport,
		    strlen(be->hostport) };
		h[2] = (struct http_header){ "x-amz-date", 10, date, 16 };
		h[3] = (struct http_header){ "x-amz-target", 12, target,
		    strlen(target) };
		buf_init(&authz);
		if (sigv4_sign(be->key, be->region, "dynamodb", "POST", "/", h, 4,
		    call->body, call->len, date, &authz) == 0)
			buf_printf(out, "Authorization: %s\r\n", authz.data);
		buf_free(&authz);
	}
	buf_adds(out, "\r\n");
	buf_add(out, call->body, call->len);
}

/* ---- connections --------------------------------------------------------------- */

static void
conn_handle_closed(uv_handle_t *h)
{
	struct bconn *c = h->data;
	struct tables_backend *be = c->be;

	if (--c->handles > 0)
		return;
	be->nconns--;
	buf_free(&c->out);
	buf_free(&c->body);
	buf_free(&c->hdrs);
	free(c);
	if (!be->freeing)
		be_run(be);
	else if (be->nconns == 0)
		be_release(be);
}

/* The call on c failed before a complete reply.  It goes back to the head
 * of the queue only if c was a kept-alive connection the request never got
 * written to (the engine had closed it), once; else it ends with error. */
static void
conn_fail(struct bconn *c, int error, const char *errmsg)
{
	struct tables_backend *be = c->be;
	struct bcall *call = c->call;

	c->call = NULL;
	if (call != NULL && c->reused && !c->written &&
	    error != UV_ETIMEDOUT && !call->retried && !be->freeing) {
		call->retried = true;
		call->next = be->wait_head;
		be->wait_head = call;
		if (be->wait_tail == NULL)
			be->wait_tail = call;
	} else if (call != NULL)
		call_fail(be, call, error, errmsg);
	conn_close(c);
}

static void
conn_close(struct bconn *c)
{
	struct bconn **pp;

	if (c->closing)
		return;
	c->closing = true;
	for (pp = &c->be->idle; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
}

static void
conn_timeout(uv_timer_t *t)
{
	struct bconn *c = t->data;

	if (c->call == NULL) {		/* idle long enough */
		conn_close(c);
		return;
	}
	conn_fail(c, UV_ETIMEDOUT, "no reply in time");
}

static int
on_body(llhttp_t *p, const char *at, size_t n)
{
	struct bconn *c = p->data;

	if (c->body.len + n > BE_MAX_REPLY)
		return -1;
	buf_add(&c->body, at, n);
	return 0;
}

/* Header names and values, which may come in pieces across reads. */
static int
on_header_piece(llhttp_t *p, const char *at, size_t n)
{
	struct bconn *c = p->data;

	if (c->hdrs.len + n + 1 > BE_MAX_HDRS)
		return -1;
	buf_add(&c->hdrs, at, n);
	return 0;
}

static int
on_header_end(llhttp_t *p)
{
	struct bconn *c = p->data;

	buf_addc(&c->hdrs, '\0');
	return 0;
}

static int
on_complete(llhttp_t *p)
{
	struct bconn *c = p->data;

	c->complete = true;
	return HPE_PAUSED;
}

/* A whole reply arrived: answer the call, then keep c for the next one. */
static void
conn_reply(struct bconn *c)
{
	struct tables_backend *be = c->be;
	struct bcall *call = c->call;
	bool keep = llhttp_should_keep_alive(&c->parser);
	struct tables_backend_reply r = {
		.status = c->parser.status_code,
		.body = c->body.data != NULL ? c->body.data : "",
		.len = c->body.len,
		.hdrs = c->hdrs.data,
		.hdrs_len = c->hdrs.len,
	};

	c->call = NULL;
	uv_timer_stop(&c->timer);
	call_end(be, call, &r);
	if (!keep || be->freeing) {
		conn_close(c);
		return;
	}
	c->reused = true;
	c->next = be->idle;
	be->idle = c;
	uv_timer_start(&c->timer, conn_timeout, BE_IDLE_MS, 0);
	be_run(be);
}

static void
conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h;
	b->base = malloc(hint);
	b->len = b->base != NULL ? hint : 0;
}

/* The engine closed c: a reply that runs to the close ends there. */
static void
conn_eof(struct bconn *c, ssize_t n)
{
	if (n == UV_EOF && c->written && llhttp_finish(&c->parser) == HPE_OK &&
	    c->complete) {
		conn_reply(c);
		return;
	}
	conn_fail(c, (int)n, n == UV_EOF ? "the connection was closed "
	    "before a reply" : uv_strerror((int)n));
}

static void
conn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct bconn *c = s->data;
	enum llhttp_errno e;

	if (n < 0 || c->call == NULL) {
		free(b->base);
		if (n == 0)
			return;
		if (c->call != NULL)
			conn_eof(c, n);
		else
			conn_close(c);	/* idle and closed by the engine */
		return;
	}
	e = llhttp_execute(&c->parser, b->base, (size_t)n);
	free(b->base);
	if (c->complete)
		conn_reply(c);
	else if (e != HPE_OK)
		conn_fail(c, UV_EPROTO, "a malformed reply");
}

static void
conn_written(uv_write_t *w, int status)
{
	struct bconn *c = w->data;

	buf_reset(&c->out);
	if (status == 0) {
		c->written = true;
		return;
	}
	if (c->call != NULL && !c->closing)
		conn_fail(c, status, uv_strerror(status));
}

/* Put call on c (connected, idle) and start reading its reply. */
static void
conn_send(struct bconn *c, struct bcall *call)
{
	uv_buf_t ub;
	int rc;

	c->call = call;
	c->written = c->complete = false;
	buf_reset(&c->body);
	buf_reset(&c->hdrs);
	llhttp_init(&c->parser, HTTP_RESPONSE, &parser_settings);
	c->parser.data = c;
	call_format(c->be, call, &c->out);
	ub = uv_buf_init(c->out.data, (unsigned)c->out.len);
	c->wreq.data = c;
	uv_timer_start(&c->timer, conn_timeout, c->be->timeout_ms, 0);
	/* Reading starts once per connection and goes on while it is idle. */
	if (!c->reading) {
		if ((rc = uv_read_start((uv_stream_t *)&c->tcp, conn_alloc,
		    conn_read)) < 0) {
			conn_fail(c, rc, uv_strerror(rc));
			return;
		}
		c->reading = true;
	}
	if ((rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &ub, 1,
	    conn_written)) < 0)
		conn_fail(c, rc, uv_strerror(rc));
}

static void
conn_connected(uv_connect_t *r, int status)
{
	struct bconn *c = r->data;
	struct bcall *call = c->call;

	if (c->closing)
		return;
	if (status < 0) {
		conn_fail(c, status, uv_strerror(status));
		return;
	}
	c->call = NULL;
	conn_send(c, call);
}

/* A new connection for call.  -errno if it cannot even be started. */
static int
conn_open(struct tables_backend *be, struct bcall *call)
{
	struct bconn *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->be = be;
	buf_init(&c->out);
	buf_init(&c->body);
	buf_init(&c->hdrs);
	uv_tcp_init(be->loop, &c->tcp);
	uv_timer_init(be->loop, &c->timer);
	c->tcp.data = c->timer.data = c->creq.data = c;
	c->handles = 2;
	be->nconns++;
	c->call = call;
	uv_tcp_nodelay(&c->tcp, 1);
	uv_timer_start(&c->timer, conn_timeout, be->timeout_ms, 0);
	if ((rc = uv_tcp_connect(&c->creq, &c->tcp,
	    (const struct sockaddr *)&be->addr, conn_connected)) < 0) {
		c->call = NULL;
		conn_close(c);
		return rc;
	}
	return 0;
}

/* Start waiting calls on idle connections or new ones, up to the cap. */
static void
be_run(struct tables_backend *be)
{
	struct bcall *call;
	struct bconn *c;
	int rc;

	while ((call = be->wait_head) != NULL &&
	    (be->idle != NULL || be->nconns < BE_MAX_CONNS)) {
		if ((be->wait_head = call->next) == NULL)
			be->wait_tail = NULL;
		call->next = NULL;
		if ((c = be->idle) != NULL) {
			be->idle = c->next;
			conn_send(c, call);
		} else if ((rc = conn_open(be, call)) < 0)
			call_fail(be, call, rc, NULL);
	}
}

static void
settings_init(void)
{
	if (parser_settings.on_body != NULL)
		return;
	llhttp_settings_init(&parser_settings);
	parser_settings.on_body = on_body;
	parser_settings.on_header_field = on_header_piece;
	parser_settings.on_header_value = on_header_piece;
	parser_settings.on_header_field_complete = on_header_end;
	parser_settings.on_header_value_complete = on_header_end;
	parser_settings.on_message_complete = on_complete;
}

int
tables_backend_call(struct tables_backend *be, const char *op,
    const char *body, size_t len, tables_backend_cb cb, void *arg)
{
	struct bcall *call;

	settings_init();
	if ((call = calloc(1, sizeof(*call))) == NULL ||
	    (call->body = malloc(len + 1)) == NULL) {
		free(call);
		return -ENOMEM;
	}
	snprintf(call->op, sizeof(call->op), "%s", op);
	memcpy(call->body, body, len);
	call->len = len;
	call->cb = cb;
	call->arg = arg;
	be->pending++;
	if (be->wait_tail != NULL)
		be->wait_tail->next = call;
	else
		be->wait_head = call;
	be->wait_tail = call;
	be_run(be);
	return 0;
}

unsigned
tables_backend_pending(const struct tables_backend *be)
{
	return be->pending;
}

void
tables_backend_free(struct tables_backend *be)
{
	struct bcall *call;

	if (be == NULL)
		return;
	be->freeing = true;
	while ((call = be->wait_head) != NULL) {
		be->wait_head = call->next;
		call_fail(be, call, UV_ECANCELED, "lambdad is stopping");
	}
	be->wait_tail = NULL;
	while (be->idle != NULL)
		conn_close(be->idle);
	if (be->nconns == 0)
		be_release(be);
	/* Connections with a call in flight end it (reply, error or timeout)
	 * and the last one to close frees be. */
}
