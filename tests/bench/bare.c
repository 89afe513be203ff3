/*
 * bare: the ceiling of any libuv + llhttp gateway on this machine.  A minimal
 * HTTP/1.1 server that answers every request with one fixed 200 and a tiny
 * body, keep-alive, on one libuv loop.  It does nothing a real gateway must
 * do (no routing, no event, no worker), so lambdad's latency is compared
 * against it to see what its own work costs.
 *
 *   bare 127.0.0.1 PORT
 *
 * Replies are written with uv_try_write first: for a tiny reply on an idle
 * socket that always completes, and it saves allocating a write request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llhttp.h>
#include <uv.h>

static const char reply[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "Hello, bare!\n";

struct conn {
	uv_tcp_t	 tcp;
	llhttp_t	 parser;
	unsigned	 nreplies;	/* replies owed for the current read */
	int		 close_after;	/* a request asked for Connection: close */
	int		 closing;
};

struct wreq {
	uv_write_t	 req;
	size_t		 len;
	char		 data[];
};

static llhttp_settings_t settings;
static char readbuf[65536];

static void
conn_close_cb(uv_handle_t *h)
{
	free(h->data);
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

static int
on_message_complete(llhttp_t *p)
{
	struct conn *c = p->data;

	c->nreplies++;
	/* Only a complete message says whether to keep the connection. */
	if (!llhttp_should_keep_alive(p))
		c->close_after = 1;
	return 0;
}

static void
write_cb(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;

	if (status < 0)
		conn_close(req->handle->data);
	free(w);
}

/* Write what uv_try_write could not, with a request that owns a copy. */
static void
conn_write_rest(struct conn *c, const char *data, size_t len)
{
	struct wreq *w;
	uv_buf_t b;

	if ((w = malloc(sizeof(*w) + len)) == NULL) {
		conn_close(c);
		return;
	}
	memcpy(w->data, data, len);
	w->len = len;
	b = uv_buf_init(w->data, len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_cb) < 0) {
		free(w);
		conn_close(c);
	}
}

/* Send the replies owed; pipelined requests get theirs in one write. */
static void
conn_reply(struct conn *c)
{
	char out[sizeof(reply) * 16];
	size_t n = 0, len = sizeof(reply) - 1;
	uv_buf_t b;
	int r;

	while (c->nreplies > 0) {
		c->nreplies--;
		memcpy(out + n, reply, len);
		n += len;
		if (n + len > sizeof(out) || c->nreplies == 0) {
			b = uv_buf_init(out, n);
			r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
			if (r == UV_EAGAIN)
				r = 0;
			if (r < 0) {
				conn_close(c);
				return;
			}
			if ((size_t)r < n)
				conn_write_rest(c, out + r, n - r);
			n = 0;
		}
	}
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h;
	(void)hint;
	*b = uv_buf_init(readbuf, sizeof(readbuf));
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct conn *c = s->data;
	llhttp_errno_t err;

	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (nread == 0)
		return;
	err = llhttp_execute(&c->parser, b->base, (size_t)nread);
	conn_reply(c);
	if (err != HPE_OK || c->close_after)
		conn_close(c);
}

static void
connection_cb(uv_stream_t *server, int status)
{
	struct conn *c;

	if (status < 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	uv_tcp_init(server->loop, &c->tcp);
	c->tcp.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	llhttp_init(&c->parser, HTTP_REQUEST, &settings);
	c->parser.data = c;
	uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in addr;
	uv_tcp_t server;
	uv_loop_t *loop = uv_default_loop();
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: bare HOST PORT\n");
		return 2;
	}
	llhttp_settings_init(&settings);
	settings.on_message_complete = on_message_complete;
	if ((r = uv_ip4_addr(argv[1], atoi(argv[2]), &addr)) < 0 ||
	    (r = uv_tcp_init(loop, &server)) < 0 ||
	    (r = uv_tcp_bind(&server, (struct sockaddr *)&addr, 0)) < 0 ||
	    (r = uv_listen((uv_stream_t *)&server, 511, connection_cb)) < 0) {
		fprintf(stderr, "bare: %s:%s: %s\n", argv[1], argv[2],
		    uv_strerror(r));
		return 1;
	}
	return uv_run(loop, UV_RUN_DEFAULT);
}
