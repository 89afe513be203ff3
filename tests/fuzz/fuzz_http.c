/*
 * fuzz_http: libFuzzer driver for gateway/http.c and http_parse.c, the
 * server state machine every public byte goes through.
 *
 * One libuv loop and two servers on Unix sockets live for the whole run
 * (one with the front's limits scaled down, one tiny, so the limits are
 * reached often).  Each input is one connection: a client socket writes the
 * bytes in pieces whose sizes come from the input, so the request stream is
 * split at fuzzer-chosen points; the loop runs between pieces.  The owner
 * answers each request at once or on a later loop turn (pipelined bytes
 * then wait in the server), as the input's first byte says.
 *
 * Input: flags byte, seed byte, then the bytes the client sends.
 *
 * Invariants beyond "no crash" (abort() on violation):
 *   - on_request sees the limits held: the header block (and the
 *     trailers) within max_header_size, body_len <= max_body, too_large
 *     with an empty body; body, target and path NUL-terminated at their
 *     lengths; a Content-Length body exactly that long;
 *   - the client reads exactly one reply per request answered while the
 *     connection was up, in order, with the status given, plus at most one
 *     final error reply (>= 400, Connection: close), interim 100s only
 *     after an Expect, and nothing after a Connection: close reply;
 *   - a connection left open and idle has parsed every byte it was sent
 *     (no complete request stuck in its buffer);
 *   - every request is released and every connection freed at the end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "http.h"
#include "http_int.h"

#define MAXREQ		256
#define OUTMAX		(1024 * 1024)
#define HOUR_MS		3600000

struct sent {
	int	 status;
	int	 head;
	int	 live;		/* answered while the connection was up */
};

static struct {
	uv_loop_t	 loop;
	struct http_server *srv[2];
	char		 path[2][108];
	char		 dir[64];
	struct http_server *cur;
	struct http_request *held;
	int		 defer;
	int		 aborted;
	struct sent	 sent[MAXREQ];
	int		 nreq;
	char		*out;
	size_t		 outlen;
} F;

static const size_t hdr_max[2] = { 2048, 200 };
static const size_t body_max[2] = { 4096, 32 };

/* ---- the owner --------------------------------------------------------- */

static void
check_headers(const struct http_header *h, size_t n, size_t extra, size_t max)
{
	size_t i, sum = extra;

	for (i = 0; i < n; i++)
		sum += h[i].name_len + h[i].value_len + 4;
	if (sum > max + 4)
		abort();
}

static void
check_request(const struct http_request *r, size_t ix)
{
	const char *v;
	size_t len;

	if (r->body_len > body_max[ix] || r->body[r->body_len] != '\0' ||
	    (r->too_large && r->body_len != 0) ||
	    strlen(r->path) != r->path_len || r->path_len > r->target_len ||
	    r->target[r->target_len] != '\0' || r->query[r->query_len] != '\0' ||
	    memcmp(r->target, r->path, r->path_len) != 0 ||
	    (r->http_minor != 0 && r->http_minor != 1))
		abort();
	check_headers(r->headers, r->nheaders, r->target_len, hdr_max[ix]);
	check_headers(r->trailers, r->ntrailers, 0, hdr_max[ix]);
	if (!r->too_large && http_header_get(r, "Transfer-Encoding", NULL) ==
	    NULL && (v = http_header_get(r, "Content-Length", &len)) != NULL) {
		char num[32];	/* values are not NUL-terminated */

		snprintf(num, sizeof(num), "%.*s", (int)len, v);
		if (strtoull(num, NULL, 10) != r->body_len)
			abort();
	}
}

static void
answer(struct http_request *r)
{
	struct sent *s = r->data;
	char body[64];
	int n;

	s->live = !F.aborted;
	n = snprintf(body, sizeof(body), "{\"n\":%zu}", r->body_len);
	if (http_respond(r, s->status, NULL, 0, body, (size_t)n) < 0 && s->live)
		s->live = 0;	/* the write failed: the connection closes */
}

static void
on_abort(struct http_request *r, void *arg)
{
	(void)r;
	(void)arg;
	F.aborted = 1;
}

static void
on_request(struct http_request *r, void *arg)
{
	size_t ix = (size_t)(uintptr_t)arg;
	struct sent *s;

	check_request(r, ix);
	if (F.held != NULL || F.nreq == MAXREQ)
		abort();	/* one at a time per connection */
	s = &F.sent[F.nreq++];
	s->status = r->too_large ? 413 : 200;
	s->head = strcmp(r->method, "HEAD") == 0;
	r->data = s;
	r->on_abort = on_abort;
	if (F.defer == 1 || (F.defer == 2 && F.nreq % 2 == 0))
		F.held = r;
	else
		answer(r);
}

/* ---- set-up, once ------------------------------------------------------- */

static void
setup(void)
{
	struct http_server_cfg cfg;
	size_t i;

	snprintf(F.dir, sizeof(F.dir), "/tmp/fuzz_http.XXXXXX");
	if (mkdtemp(F.dir) == NULL || uv_loop_init(&F.loop) != 0)
		abort();
	F.out = malloc(OUTMAX + 1);
	for (i = 0; i < 2; i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.max_header_size = hdr_max[i];
		cfg.max_body = body_max[i];
		cfg.header_timeout_ms = cfg.body_timeout_ms = HOUR_MS;
		cfg.keepalive_timeout_ms = HOUR_MS;
		cfg.on_request = on_request;
		cfg.arg = (void *)(uintptr_t)i;
		snprintf(F.path[i], sizeof(F.path[i]), "%s/s%zu", F.dir, i);
		if ((F.srv[i] = http_server_new(&F.loop, &cfg)) == NULL ||
		    http_server_listen_unix(F.srv[i], F.path[i], 0600) != 0)
			abort();
	}
}

/* ---- one connection ----------------------------------------------------- */

static int
drain(int fd)
{
	ssize_t n;
	int got = 0;

	while (F.outlen < OUTMAX &&
	    (n = recv(fd, F.out + F.outlen, OUTMAX - F.outlen, 0)) > 0) {
		F.outlen += (size_t)n;
		got = 1;
	}
	return got;
}

/* Run the loop until nothing moves: no bytes to the client, no answer. */
static void
pump(int fd)
{
	int quiet = 0, i;

	for (i = 0; i < 200 && quiet < 2; i++) {
		/* uv_run's answer says only that handles are open (always). */
		int moved, nreq = F.nreq;
		unsigned nconns = http_server_nconns(F.cur);

		(void)uv_run(&F.loop, UV_RUN_NOWAIT);
		moved = F.nreq != nreq || http_server_nconns(F.cur) != nconns;

		if (F.held != NULL) {
			struct http_request *r = F.held;

			F.held = NULL;
			answer(r);
			moved = 1;
		}
		if (drain(fd))
			moved = 1;
		quiet = moved ? 0 : quiet + 1;
	}
}

static int
client(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		abort();
	return fd;
}

static void
send_all(int fd, const uint8_t *p, size_t n, uint32_t seed)
{
	size_t off = 0, k;
	ssize_t w;
	int spins = 0;

	while (off < n) {
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 16) % 8 == 0 ? n - off : 1 + (seed >> 16) % 97;
		if (k > n - off)
			k = n - off;
		if ((w = send(fd, p + off, k, MSG_NOSIGNAL)) > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EAGAIN)
			return;		/* the server closed: fine */
		else if (++spins > 1000)
			return;		/* not reading (backpressure) */
		pump(fd);
	}
}

/* ---- reading the replies back ------------------------------------------- */

struct reply {
	int	 status;
	int	 close;
	size_t	 clen;
};

/* Parse one reply head at *off; 0, 1 at the end, or abort. */
static int
reply_head(size_t *off, struct reply *rp)
{
	char *p = F.out + *off, *end, *line, *nl;

	if (*off == F.outlen)
		return 1;
	F.out[F.outlen] = '\0';
	if ((end = strstr(p, "\r\n\r\n")) == NULL ||
	    strncmp(p, "HTTP/1.1 ", 9) != 0)
		abort();	/* a torn or garbled reply */
	rp->status = atoi(p + 9);
	rp->close = 0;
	rp->clen = 0;
	for (line = strstr(p, "\r\n") + 2; line < end; line = nl + 2) {
		nl = strstr(line, "\r\n");
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			rp->clen = strtoull(line + 15, NULL, 10);
		else if (strncasecmp(line, "Connection: close", 17) == 0)
			rp->close = 1;
	}
	*off = (size_t)(end + 4 - F.out);
	return 0;
}

static void
check_replies(void)
{
	size_t off = 0;
	int k = 0, live = 0, i;
	struct reply rp;

	for (i = 0; i < F.nreq; i++)
		live += F.sent[i].live;
	while (reply_head(&off, &rp) == 0) {
		if (rp.status == 100) {
			if (rp.clen != 0)
				abort();
			continue;	/* interim, before its request's body */
		}
		if (k < live) {
			if (rp.status != F.sent[k].status)
				abort();
			if (!F.sent[k].head)
				off += rp.clen;
		} else if (k == live) {
			if (rp.status < 400 || !rp.close)
				abort();	/* the one final error */
			off += rp.clen;
		} else
			abort();		/* more replies than requests */
		if (off > F.outlen)
			abort();
		k++;
		if (rp.close && off != F.outlen)
			abort();		/* bytes after a close */
	}
	if (k < live)
		abort();			/* a request got no reply */
}

/* An open idle connection must have parsed all it was sent. */
static void
check_idle(struct http_server *srv)
{
	struct http_conn *c;

	for (c = srv->conns; c != NULL; c = c->next)
		if (!c->closed && !c->outstanding && !c->parse_stop &&
		    c->phase != PH_CLOSING && c->rpos < c->rlen &&
		    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <
		    HTTP_WQ_MAX)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t ix;
	int fd, i;

	if (F.srv[0] == NULL)
		setup();
	if (size < 2 || size > 65536)
		return 0;
	ix = data[0] & 1;
	F.defer = (data[0] >> 1) % 3;
	F.cur = F.srv[ix];
	F.held = NULL;
	F.aborted = 0;
	F.nreq = 0;
	F.outlen = 0;
	fd = client(F.path[ix]);
	pump(fd);
	send_all(fd, data + 2, size - 2, data[1] | (uint32_t)data[0] << 8);
	pump(fd);
	check_idle(F.cur);
	check_replies();
	/* The client goes: every request is released, every connection freed. */
	close(fd);
	for (i = 0; i < 1000 && (F.cur->conns != NULL || F.held != NULL); i++)
		pump(-1);
	if (F.cur->conns != NULL || F.held != NULL)
		abort();
	return 0;
}
