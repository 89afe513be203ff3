/*
 * relay: the floor of any gateway-to-worker hop on this machine (issue 14
 * part 4, /work/shared/anchors.md).  A libuv + llhttp HTTP/1.1 gateway that
 * starts two persistent workers (relay_worker, next to this binary), which
 * connect back over loopback TCP; each request's path goes to a worker as
 * one length-prefixed frame, the worker answers with a frame holding
 * "Hello, NAME!\n", and the gateway writes that as the HTTP reply
 * (keep-alive).  It does what lambdad's warm path must do at the least --
 * one message each way per invocation -- and nothing else.
 *
 *   relay 127.0.0.1 PORT [--log] [--idle]
 *
 * With --log each worker also writes one line per request to its stdout, a
 * pipe the gateway reads and copies to its own stderr: the three syscalls a
 * handler's log line costs in lambdad (the worker's write, the gateway's
 * read, its write).
 *
 * A request goes to the worker with fewer requests outstanding, at once,
 * even when both are busy: frames queue in the worker's socket and a worker
 * answers all it has read with one write, so under load each wake-up serves
 * several requests.  A connection with a request outstanding sends the next
 * (pipelined) one to the same worker, so that its replies come back in
 * order.  Frames carry no id: each worker answers in order, and the gateway
 * keeps, per worker, the ring of connections awaiting a reply.
 *
 * With --idle a worker is given a request only when it has none: the rest
 * wait in the gateway, in arrival order, as invocations do in lambdad (one
 * at a time per worker).  That is the floor of lambdad's model; the
 * default is the floor of any gateway-to-worker hop.
 * The HTTP port listens once both workers are connected.  A worker that
 * exits ends the gateway (exit 1); the workers exit when the gateway goes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llhttp.h>
#include <uv.h>

#define NWORKERS	2
#define MAXPATH		1024
#define WBUFCAP		65536

struct conn;

/*
 * A slot holds a process (in spawn order) and a connection (in accept
 * order): which process is on which connection does not matter here.
 */
struct worker {
	uv_tcp_t	 tcp;
	uv_pipe_t	 logp;		/* its stdout, with --log */
	uv_process_t	 proc;
	struct conn	**ring;		/* connections awaiting a reply, FIFO */
	size_t		 rcap, rhead, rlen;
	char		 buf[WBUFCAP];	/* reply frames read, not yet parsed */
	size_t		 len;
};

struct conn {
	uv_tcp_t	 tcp;
	llhttp_t	 parser;
	struct worker	*w;		/* where its outstanding requests went */
	unsigned	 pending;	/* requests sent, replies not yet back */
	unsigned	 queued;	/* requests waiting in the gateway (--idle) */
	char		 url[4 + MAXPATH];	/* a frame: length, then path */
	size_t		 urllen;
	int		 urlbad;	/* longer than MAXPATH */
	int		 close_after;	/* a request asked for Connection: close */
	int		 closing;	/* uv_close called */
	int		 closed;	/* its close callback ran */
};

/* A request waiting for an idle worker (--idle). */
struct qent {
	struct qent	*next;
	struct conn	*c;
	size_t		 len;
	char		 frame[];
};

struct wreq {
	uv_write_t	 req;
	char		 data[];
};

static llhttp_settings_t settings;
static struct worker workers[NWORKERS];
static int nconnected, nspawned, logging, idle_only;
static struct qent *qhead, **qtail = &qhead;
static unsigned rr;
static uv_tcp_t server, wserver;
static char readbuf[65536], logbuf[65536];

static void	conn_close(struct conn *);

static void
die(const char *what, int r)
{
	fprintf(stderr, "relay: %s: %s\n", what, uv_strerror(r));
	exit(1);
}

static void
conn_free_maybe(struct conn *c)
{
	if (c->closed && c->pending == 0 && c->queued == 0)
		free(c);
}

static void
conn_close_cb(uv_handle_t *h)
{
	struct conn *c = h->data;

	c->closed = 1;
	conn_free_maybe(c);
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

static void
write_cb(uv_write_t *req, int status)
{
	(void)status;	/* a failed write to a client shows on its next read */
	free(req);
}

/* Write data to s: directly if nothing is queued, the rest with a copy. */
static int
stream_write(uv_stream_t *s, const char *data, size_t len)
{
	struct wreq *w;
	uv_buf_t b;
	int r = 0;

	if (uv_stream_get_write_queue_size(s) == 0) {
		b = uv_buf_init((char *)data, len);
		if ((r = uv_try_write(s, &b, 1)) == UV_EAGAIN)
			r = 0;
		if (r < 0)
			return r;
	}
	if ((size_t)r == len)
		return 0;
	if ((w = malloc(sizeof(*w) + len - (size_t)r)) == NULL)
		return UV_ENOMEM;
	memcpy(w->data, data + r, len - (size_t)r);
	b = uv_buf_init(w->data, len - (size_t)r);
	if ((r = uv_write(&w->req, s, &b, 1, write_cb)) < 0)
		free(w);
	return r;
}

static void
ring_push(struct worker *w, struct conn *c)
{
	struct conn **n;
	size_t i, cap;

	if (w->rlen == w->rcap) {
		cap = w->rcap ? w->rcap * 2 : 64;
		if ((n = malloc(cap * sizeof(*n))) == NULL) {
			fprintf(stderr, "relay: out of memory\n");
			exit(1);
		}
		for (i = 0; i < w->rlen; i++)
			n[i] = w->ring[(w->rhead + i) % w->rcap];
		free(w->ring);
		w->ring = n;
		w->rcap = cap;
		w->rhead = 0;
	}
	w->ring[(w->rhead + w->rlen) % w->rcap] = c;
	w->rlen++;
}

static struct conn *
ring_pop(struct worker *w)
{
	struct conn *c;

	if (w->rlen == 0)
		return NULL;
	c = w->ring[w->rhead];
	w->rhead = (w->rhead + 1) % w->rcap;
	w->rlen--;
	return c;
}

/* The worker a new request of c goes to. */
static struct worker *
pick(struct conn *c)
{
	struct worker *a, *b;

	if (c->pending > 0)
		return c->w;
	a = &workers[rr++ % NWORKERS];
	b = &workers[rr % NWORKERS];
	return b->rlen < a->rlen ? b : a;
}

static void
send_frame(struct worker *w, struct conn *c, const char *frame, size_t len)
{
	if (stream_write((uv_stream_t *)&w->tcp, frame, len) < 0)
		die("write to worker", UV_EPIPE);
	ring_push(w, c);
	c->w = w;
	c->pending++;
}

static struct worker *
idle_worker(void)
{
	int i;

	for (i = 0; i < NWORKERS; i++)
		if (workers[(rr + (unsigned)i) % NWORKERS].rlen == 0)
			return &workers[(rr++ + (unsigned)i) % NWORKERS];
	return NULL;
}

/*
 * --idle: give waiting requests to idle workers, oldest first.  One whose
 * connection still awaits a reply waits for it, and those behind it too.
 */
static void
pump(void)
{
	struct worker *w;
	struct qent *e;

	while ((e = qhead) != NULL) {
		if (!e->c->closing &&
		    (e->c->pending > 0 || (w = idle_worker()) == NULL))
			return;
		if ((qhead = e->next) == NULL)
			qtail = &qhead;
		e->c->queued--;
		if (e->c->closing)
			conn_free_maybe(e->c);
		else
			send_frame(w, e->c, e->frame, e->len);
		free(e);
	}
}

static void
enqueue(struct conn *c, const char *frame, size_t len)
{
	struct qent *e;

	if ((e = malloc(sizeof(*e) + len)) == NULL) {
		fprintf(stderr, "relay: out of memory\n");
		exit(1);
	}
	e->next = NULL;
	e->c = c;
	e->len = len;
	memcpy(e->frame, frame, len);
	*qtail = e;
	qtail = &e->next;
	c->queued++;
	pump();
}

static int
on_url(llhttp_t *p, const char *at, size_t len)
{
	struct conn *c = p->data;

	if (c->urllen + len > MAXPATH) {
		c->urlbad = 1;
		return 0;
	}
	memcpy(c->url + 4 + c->urllen, at, len);
	c->urllen += len;
	return 0;
}

static int
on_message_complete(llhttp_t *p)
{
	static const char too_long[] = "HTTP/1.1 414 URI Too Long\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct conn *c = p->data;
	uint32_t n;

	if (!llhttp_should_keep_alive(p))
		c->close_after = 1;
	if (c->urlbad) {
		if (c->pending == 0 && c->queued == 0)
			stream_write((uv_stream_t *)&c->tcp, too_long,
			    sizeof(too_long) - 1);
		conn_close(c);
		return HPE_PAUSED;
	}
	n = htonl((uint32_t)c->urllen);
	memcpy(c->url, &n, 4);
	if (idle_only)
		enqueue(c, c->url, 4 + c->urllen);
	else
		send_frame(pick(c), c, c->url, 4 + c->urllen);
	c->urllen = 0;
	return 0;
}

/* One reply frame from a worker: the HTTP reply to the oldest request. */
static void
relay_reply(struct worker *w, const char *body, size_t len)
{
	char out[256 + MAXPATH];
	struct conn *c;
	int n;

	if ((c = ring_pop(w)) == NULL) {
		fprintf(stderr, "relay: a reply nobody asked for\n");
		exit(1);
	}
	c->pending--;
	if (c->closing) {
		conn_free_maybe(c);
		return;
	}
	n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%.*s",
	    len, (int)len, body);
	if (n < 0 || (size_t)n >= sizeof(out) ||
	    stream_write((uv_stream_t *)&c->tcp, out, (size_t)n) < 0 ||
	    (c->close_after && c->pending == 0 && c->queued == 0))
		conn_close(c);
}

static void
worker_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct worker *w = h->data;

	(void)hint;
	*b = uv_buf_init(w->buf + w->len, WBUFCAP - w->len);
}

static void
worker_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct worker *w = s->data;
	size_t off = 0;
	uint32_t len;

	(void)b;
	if (nread < 0)
		die("worker connection", (int)nread);
	w->len += (size_t)nread;
	while (w->len - off >= 4) {
		memcpy(&len, w->buf + off, 4);
		len = ntohl(len);
		if (len > MAXPATH + 64) {
			fprintf(stderr, "relay: reply frame of %u bytes\n", len);
			exit(1);
		}
		if (w->len - off - 4 < len)
			break;
		relay_reply(w, w->buf + off + 4, len);
		off += 4 + len;
	}
	memmove(w->buf, w->buf + off, w->len - off);
	w->len -= off;
	if (idle_only)
		pump();
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
	if (nread == 0 || c->closing)
		return;
	err = llhttp_execute(&c->parser, b->base, (size_t)nread);
	if (err != HPE_OK ||
	    (c->close_after && c->pending == 0 && c->queued == 0))
		conn_close(c);
}

static void
connection_cb(uv_stream_t *srv, int status)
{
	struct conn *c;

	if (status < 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	uv_tcp_init(srv->loop, &c->tcp);
	c->tcp.data = c;
	if (uv_accept(srv, (uv_stream_t *)&c->tcp) < 0) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	llhttp_init(&c->parser, HTTP_REQUEST, &settings);
	c->parser.data = c;
	uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

/* A worker's log lines, copied to stderr with one write per read. */
static void
log_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h;
	(void)hint;
	*b = uv_buf_init(logbuf, sizeof(logbuf));
}

static void
log_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	if (nread < 0) {
		uv_read_stop(s);
		return;
	}
	if (nread > 0 && write(STDERR_FILENO, b->base, (size_t)nread) < 0)
		return;		/* stderr gone: the lines are lost, not the replies */
}

static void
exit_cb(uv_process_t *p, int64_t status, int sig)
{
	(void)p;
	fprintf(stderr, "relay: a worker exited (status %lld, signal %d)\n",
	    (long long)status, sig);
	exit(1);
}

static void
worker_connection_cb(uv_stream_t *srv, int status)
{
	struct worker *w;
	int r;

	if (status < 0)
		die("worker listener", status);
	if (nconnected == NWORKERS) {
		fprintf(stderr, "relay: an unexpected worker connection\n");
		exit(1);
	}
	w = &workers[nconnected++];
	uv_tcp_init(srv->loop, &w->tcp);
	w->tcp.data = w;
	if ((r = uv_accept(srv, (uv_stream_t *)&w->tcp)) < 0)
		die("accept worker", r);
	uv_tcp_nodelay(&w->tcp, 1);
	uv_read_start((uv_stream_t *)&w->tcp, worker_alloc_cb, worker_read_cb);
	if (nconnected == NWORKERS) {
		uv_close((uv_handle_t *)&wserver, NULL);
		if ((r = uv_listen((uv_stream_t *)&server, 511,
		    connection_cb)) < 0)
			die("listen", r);
	}
}

/* Start worker i, told to connect to the worker listener on port. */
static void
spawn_worker(uv_loop_t *loop, const char *exe, int port)
{
	struct worker *w = &workers[nspawned++];
	uv_process_options_t o;
	uv_stdio_container_t io[3];
	char portbuf[16], *args[5];
	int r;

	snprintf(portbuf, sizeof(portbuf), "%d", port);
	args[0] = (char *)exe;
	args[1] = "127.0.0.1";
	args[2] = portbuf;
	args[3] = logging ? "--log" : NULL;
	args[4] = NULL;
	memset(&o, 0, sizeof(o));
	memset(io, 0, sizeof(io));
	io[0].flags = UV_IGNORE;
	io[1].flags = UV_IGNORE;
	io[2].flags = UV_INHERIT_FD;
	io[2].data.fd = STDERR_FILENO;
	if (logging) {
		uv_pipe_init(loop, &w->logp, 0);
		io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
		io[1].data.stream = (uv_stream_t *)&w->logp;
	}
	o.file = exe;
	o.args = args;
	o.stdio = io;
	o.stdio_count = 3;
	o.exit_cb = exit_cb;
	if ((r = uv_spawn(loop, &w->proc, &o)) < 0)
		die(exe, r);
	if (logging)
		uv_read_start((uv_stream_t *)&w->logp, log_alloc_cb,
		    log_read_cb);
}

/* relay_worker, in the directory of this executable. */
static void
worker_path(char *out, size_t cap)
{
	char self[PATH_MAX];
	size_t n = sizeof(self);
	int r;

	if ((r = uv_exepath(self, &n)) < 0)
		die("exepath", r);
	snprintf(out, cap, "%s/relay_worker", dirname(self));
}

int
main(int argc, char **argv)
{
	struct sockaddr_in addr, wa;
	struct sockaddr_storage ss;
	uv_loop_t *loop = uv_default_loop();
	char exe[PATH_MAX + 16];
	int r, i, len = sizeof(ss);

	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--log") == 0)
			logging = 1;
		else if (strcmp(argv[i], "--idle") == 0)
			idle_only = 1;
		else
			break;
	}
	if (argc < 3 || i < argc) {
		fprintf(stderr, "usage: relay HOST PORT [--log] [--idle]\n");
		return 2;
	}
	llhttp_settings_init(&settings);
	settings.on_url = on_url;
	settings.on_message_complete = on_message_complete;
	if ((r = uv_ip4_addr(argv[1], atoi(argv[2]), &addr)) < 0 ||
	    (r = uv_tcp_init(loop, &server)) < 0 ||
	    (r = uv_tcp_bind(&server, (struct sockaddr *)&addr, 0)) < 0) {
		fprintf(stderr, "relay: %s:%s: %s\n", argv[1], argv[2],
		    uv_strerror(r));
		return 1;
	}
	/* The workers' listener: loopback, a port the kernel picks. */
	if ((r = uv_ip4_addr("127.0.0.1", 0, &wa)) < 0 ||
	    (r = uv_tcp_init(loop, &wserver)) < 0 ||
	    (r = uv_tcp_bind(&wserver, (struct sockaddr *)&wa, 0)) < 0 ||
	    (r = uv_listen((uv_stream_t *)&wserver, NWORKERS,
	    worker_connection_cb)) < 0 ||
	    (r = uv_tcp_getsockname(&wserver, (struct sockaddr *)&ss, &len)) < 0)
		die("worker listener", r);
	worker_path(exe, sizeof(exe));
	for (i = 0; i < NWORKERS; i++)
		spawn_worker(loop, exe,
		    ntohs(((struct sockaddr_in *)&ss)->sin_port));
	return uv_run(loop, UV_RUN_DEFAULT);
}
