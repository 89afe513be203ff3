/*
 * fuzz_rapi: libFuzzer driver for the Runtime API as a hostile worker
 * speaks it, with the real pool behind it (pool.c, worker.c,
 * worker_rapi.c, worker_log.c, rapi.c, the HTTP server).
 *
 * Each input makes one pool (its settings from the first bytes) on the
 * fake spawner of doors_fixture.h, so workers are the pool's own, made by
 * wk_spawn, listening on 127.0.0.1 and admitted by their uid check; only
 * the processes are fake.  Then the input is a program of steps, a
 * worker's and the gateway's interleaved:
 *
 *   worker side  connect to worker k's endpoint; on a connection send GET
 *                /next, POST /{id}/response or /{id}/error (the id one it
 *                was handed, any invocation's, or garbage; plain, chunked
 *                with error trailers, a bad response mode, or over 6 MiB),
 *                /init/error, or raw bytes; close it; write to its stdout
 *   gateway side submit an invocation; the spawner answers a spawn
 *                (started or failed); a worker's timer fires (its
 *                invocations past their deadline); its process dies
 *
 * and the loop runs until nothing moves after every step.  At the end the
 * pool is shut down and freed.  Workers come and go through the pool's
 * own lists and the fixture's process table reuses its slots, so any
 * number of workers can live and die in one input.
 *
 * Input: config byte, config byte, then steps (an opcode byte and its
 * arguments; the end of the input ends the program).
 *
 * Invariants (fz_fail on violation):
 *   - every invocation the pool accepted gets exactly one completion (an
 *     answer, an error, a timeout, a throttle) by the end, never from
 *     inside pool_submit; one refused gets none;
 *   - a completion with the function's result (INV_OK) is for an id the
 *     worker posted a /response for; a function error for one it posted
 *     to (or an init error);
 *   - every reply on an endpoint is HTTP/1.1 with a status; an event
 *     handed out (200 to /next) carries the id of an invocation this
 *     input submitted and the pool started, and a Content-Type;
 *   - after shutdown every worker, process and connection is gone, and
 *     the count of open descriptors is what it was (leaks of memory are
 *     LeakSanitizer's).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "doors_fixture.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "pool_int.h"
#include "rapi.h"

#define MAXINV		64
#define MAXCONN		12
#define CONN_BUF	(64 * 1024)
#define PFX		"/2018-06-01/runtime/"

struct inv_rec {
	struct invocation *inv;
	int		 done;		/* completions seen */
	int		 status;
	bool		 posted_response, posted_error;
};

struct conn {
	int		 fd;		/* -1: free slot */
	char		 in[CONN_BUF];
	size_t		 inlen;
	char		 last_id[40];	/* the last event's id */
};

static struct {
	uv_loop_t	 loop;
	struct metrics	*m;
	struct function_conf fc;
	struct pool	*pool;
	bool		 stopped;
	bool		 in_submit;
	bool		 init_error;	/* an /init/error was posted */
	struct inv_rec	 inv[MAXINV];
	int		 ninv;
	struct conn	 conn[MAXCONN];
	int		 base_fds;
	bool		 big_sent;
	char		*big;
} R;

/* ---- the input -------------------------------------------------------- */

struct in {
	const uint8_t	*p;
	size_t		 n;
};

static int
in_byte(struct in *in)
{
	if (in->n == 0)
		return -1;
	in->n--;
	return *in->p++;
}

static size_t
in_bytes(struct in *in, size_t want, const uint8_t **out)
{
	if (want > in->n)
		want = in->n;
	*out = in->p;
	in->p += want;
	in->n -= want;
	return want;
}

/* ---- completions -------------------------------------------------------- */

static void
inv_done(struct invocation *inv, const struct inv_result *res)
{
	struct inv_rec *r = inv->door;

	FZ_CHECK(!R.in_submit);
	FZ_CHECK(r != NULL && r->inv == inv);
	FZ_CHECK(r->done == 0);
	FZ_CHECK(res->body != NULL || res->body_len == 0);
	FZ_TRACE("done %s: status %d %.*s\n", inv->id, (int)res->status,
	    (int)res->body_len, res->body != NULL ? res->body : "");
	r->done++;
	r->status = (int)res->status;
	if (res->status == INV_OK)
		FZ_CHECK(r->posted_response);
	else if (res->status == INV_FUNC_ERROR)
		FZ_CHECK(r->posted_response || r->posted_error || R.init_error);
	FZ.moved++;
}

static struct inv_rec *
rec_by_id(const char *id, size_t n)
{
	int i;

	for (i = 0; i < R.ninv; i++)
		if (strlen(R.inv[i].inv->id) == n &&
		    memcmp(R.inv[i].inv->id, id, n) == 0)
			return &R.inv[i];
	return NULL;
}

static void
submit(struct in *in)
{
	struct inv_rec *r;
	struct invocation *inv;
	const uint8_t *p;
	size_t n;
	int k = in_byte(in), rc;

	if (k < 0 || R.ninv == MAXINV)
		return;
	if ((inv = inv_new()) == NULL)
		abort();
	n = in_bytes(in, (size_t)(k % 48), &p);
	if (n > 0)
		buf_add(&inv->event, p, n);
	else
		buf_adds(&inv->event, "{}");
	if (k & 0x40)
		inv->client_context = strdup("{\"custom\":{\"a\":1}}");
	if (k & 0x80)
		inv->trace_id = strdup("Root=1-5759e988-bd862e3fe1be46a994272793;"
		    "Sampled=1");
	r = &R.inv[R.ninv];
	memset(r, 0, sizeof(*r));
	r->inv = inv;
	inv->done = inv_done;
	inv->door = r;
	inv->via = INV_VIA_INVOKE;
	R.in_submit = true;
	rc = pool_submit(R.pool, inv);
	R.in_submit = false;
	if (rc != 0) {
		FZ_CHECK(rc == -EBUSY);
		inv_free(inv);
		return;
	}
	R.ninv++;
}

/* ---- the worker's side: connections ------------------------------------- */

static struct worker *
worker_at(int k, bool with_rapi)
{
	struct worker *w;
	int n = 0;

	for (w = R.pool->workers; w != NULL; w = w->next)
		n += !with_rapi || w->rapi != NULL;
	if (n == 0)
		return NULL;
	k %= n;
	for (w = R.pool->workers; w != NULL; w = w->next)
		if ((!with_rapi || w->rapi != NULL) && k-- == 0)
			return w;
	return NULL;
}

static void
conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->inlen = 0;
	c->last_id[0] = '\0';
}

static void
conn_open(int k)
{
	struct worker *w = worker_at(k, true);
	struct sockaddr_in sa;
	struct conn *c = NULL;
	int i, port, one = 1;

	for (i = 0; i < MAXCONN; i++)
		if (R.conn[i].fd < 0) {
			c = &R.conn[i];
			break;
		}
	if (w == NULL || c == NULL || (port = http_server_port(w->rapi)) <= 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		abort();
	/* Without it a body sent after its head waits for an ACK (Nagle). */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS)
		conn_close(c);
	c->inlen = 0;
	c->last_id[0] = '\0';
}

static struct conn *
conn_at(int k)
{
	int i, n = 0;

	for (i = 0; i < MAXCONN; i++)
		n += R.conn[i].fd >= 0;
	if (n == 0 || k < 0)
		return NULL;
	k %= n;
	for (i = 0; i < MAXCONN; i++)
		if (R.conn[i].fd >= 0 && k-- == 0)
			return &R.conn[i];
	return NULL;
}

/* One reply at the front of c->in, checked; its length, or 0 if partial. */
static size_t
reply_take(struct conn *c)
{
	char *end, *line, *nl, *id = NULL;
	size_t clen = 0, idlen = 0, head;
	int status;
	bool ctype = false;

	c->in[c->inlen] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL) {
		FZ_CHECK(c->inlen < 16384);
		return 0;
	}
	FZ_CHECK(strncmp(c->in, "HTTP/1.1 ", 9) == 0);
	status = atoi(c->in + 9);
	FZ_CHECK(status >= 100 && status <= 599);
	for (line = strstr(c->in, "\r\n") + 2; line < end; line = nl + 2) {
		nl = strstr(line, "\r\n");
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = strtoull(line + 15, NULL, 10);
		else if (strncasecmp(line, "Content-Type:", 13) == 0)
			ctype = true;
		else if (strncasecmp(line,
		    "Lambda-Runtime-Aws-Request-Id: ", 31) == 0) {
			id = line + 31;
			idlen = (size_t)(nl - id);
		}
	}
	head = (size_t)(end + 4 - c->in);
	if (head + clen > c->inlen) {
		FZ_CHECK(head + clen < CONN_BUF);
		return 0;
	}
	FZ_TRACE("conn %d: %d %.*s\n", (int)(c - R.conn), status, (int)clen,
	    c->in + head);
	if (status == 200 && id != NULL) {
		struct inv_rec *r = rec_by_id(id, idlen);

		/* Never an event the gateway did not hand out. */
		FZ_CHECK(r != NULL && r->inv != NULL);
		FZ_CHECK(ctype);
		FZ_CHECK(idlen < sizeof(c->last_id));
		memcpy(c->last_id, id, idlen);
		c->last_id[idlen] = '\0';
	} else if (status == 202)
		FZ_CHECK(ctype);
	return head + clen;
}

/* Read what came back on every connection; 1 if anything did. */
static int
conns_read(void)
{
	int i, got = 0;

	for (i = 0; i < MAXCONN; i++) {
		struct conn *c = &R.conn[i];
		ssize_t n;
		size_t k;

		if (c->fd < 0)
			continue;
		while ((n = recv(c->fd, c->in + c->inlen,
		    CONN_BUF - 1 - c->inlen, 0)) > 0) {
			c->inlen += (size_t)n;
			got = 1;
			while ((k = reply_take(c)) > 0) {
				memmove(c->in, c->in + k, c->inlen - k);
				c->inlen -= k;
			}
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINPROGRESS
		    && errno != ENOTCONN)) {
			got = 1;
			conn_close(c);	/* the worker's endpoint closed it */
		}
	}
	return got;
}

static unsigned
nconns(void)
{
	struct worker *w;
	unsigned n = 0;

	for (w = R.pool->workers; w != NULL; w = w->next)
		if (w->rapi != NULL)
			n += http_server_nconns(w->rapi);
	return n;
}

/* Run the loop until nothing moves. */
static void
pump(void)
{
	int quiet = 0, i;

	for (i = 0; i < 400 && quiet < 3; i++) {
		unsigned moved = FZ.moved, nc = R.stopped ? 0 : nconns();
		int got;

		(void)uv_run(&R.loop, UV_RUN_NOWAIT);
		got = fz_spawner_read();
		fz_reap_killed();
		got |= conns_read();
		if (!R.stopped && nconns() != nc)
			got = 1;
		quiet = got || FZ.moved != moved ? 0 : quiet + 1;
	}
}

static void
conn_send(struct conn *c, const char *p, size_t n)
{
	size_t off = 0;
	int spins = 0;

	while (off < n && c->fd >= 0) {
		ssize_t w = send(c->fd, p + off, n - off, MSG_NOSIGNAL);

		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != ENOTCONN) {
			conn_close(c);
			return;
		} else if (++spins > 2000)
			return;
		pump();
	}
}

/* The id a step names: one handed out, any invocation's, or garbage. */
static const char *
pick_id(struct conn *c, int sel, struct inv_rec **rec)
{
	*rec = NULL;
	switch (sel & 7) {
	case 0:
		if (c->last_id[0] == '\0')
			break;
		*rec = rec_by_id(c->last_id, strlen(c->last_id));
		return c->last_id;
	case 1:
		return "x";
	case 2:
		return "";
	case 3:
		return "00000000-0000-4000-8000-000000000000";
	case 4:
		return "a/b";
	default:
		if (R.ninv == 0)
			break;
		*rec = &R.inv[(sel >> 3) % R.ninv];
		return (*rec)->inv->id;
	}
	return "none";
}

static void
post(struct conn *c, const char *what, const char *extra, const char *body,
    size_t blen)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head), "POST " PFX "%s HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n%sContent-Length: %zu\r\n\r\n", what, extra,
	    blen);
	conn_send(c, head, (size_t)n);
	conn_send(c, body, blen);
}

static const char *const extras[] = {
	"",
	"Content-Type: application/json\r\n",
	"Lambda-Runtime-Function-Response-Mode: streaming\r\n",
	"Lambda-Runtime-Function-Response-Mode: bogus\r\n",
	"Lambda-Runtime-Function-Error-Type: Function.Oops\r\n",
	"Lambda-Runtime-Function-Error-Type: \r\n",
	"Expect: 100-continue\r\n",
	"Connection: close\r\n",
};

/* POST /{id}/response or /error, or /init/error. */
static void
reply_step(struct in *in, int op)
{
	struct conn *c = conn_at(in_byte(in));
	int sel = in_byte(in), fl = in_byte(in), k = in_byte(in);
	struct inv_rec *r;
	const uint8_t *p;
	const char *id;
	char what[128];
	size_t n;

	if (c == NULL || sel < 0 || fl < 0 || k < 0)
		return;
	n = in_bytes(in, (size_t)k % 64, &p);
	id = pick_id(c, sel, &r);
	if (op == 0)
		snprintf(what, sizeof(what), "invocation/%s/response", id);
	else if (op == 1)
		snprintf(what, sizeof(what), "invocation/%s/error", id);
	else {
		snprintf(what, sizeof(what), "init/error");
		R.init_error = true;
		r = NULL;
	}
	if (r != NULL) {
		if (op == 0)
			r->posted_response = true;
		else
			r->posted_error = true;
	}
	if ((fl & 0x10) && op == 0) {
		/* Chunked, maybe with the error trailers of a stream. */
		char head[512];
		int m = snprintf(head, sizeof(head), "POST " PFX "%s HTTP/1.1\r\n"
		    "Host: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
		    "Trailer: Lambda-Runtime-Function-Error-Type\r\n%s\r\n"
		    "%zx\r\n", what, extras[fl & 7], n);

		conn_send(c, head, (size_t)m);
		conn_send(c, (const char *)p, n);
		if (fl & 0x20)
			m = snprintf(head, sizeof(head), "\r\n0\r\n"
			    "Lambda-Runtime-Function-Error-Type: Function.X\r\n"
			    "Lambda-Runtime-Function-Error-Body: %s\r\n\r\n",
			    fl & 0x40 ? "eyJlcnJvck1lc3NhZ2UiOiJ4In0=" : "!!");
		else
			m = snprintf(head, sizeof(head), "\r\n0\r\n\r\n");
		conn_send(c, head, (size_t)m);
		return;
	}
	if ((fl & 0x30) == 0x20 && !R.big_sent && op != 2) {
		/* Over the 6 MiB a response may be: 413, the invocation fails. */
		R.big_sent = true;
		post(c, what, extras[fl & 7], R.big, RAPI_MAX_RESPONSE + 1);
		return;
	}
	post(c, what, extras[fl & 7], (const char *)p, n);
}

static void
next_step(struct in *in)
{
	struct conn *c = conn_at(in_byte(in));
	static const char req[] = "GET " PFX "invocation/next HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nUser-Agent: fuzz\r\n\r\n";

	if (c != NULL)
		conn_send(c, req, sizeof(req) - 1);
}

static void
raw_step(struct in *in)
{
	struct conn *c = conn_at(in_byte(in));
	int k = in_byte(in);
	const uint8_t *p;
	size_t n;

	if (c == NULL || k < 0)
		return;
	n = in_bytes(in, (size_t)k, &p);
	conn_send(c, (const char *)p, n);
}

/* ---- the gateway's side --------------------------------------------------- */

/* A worker's timer fires: init, idle, or its earliest deadline (which has
 * come: every invocation it holds with fl, else the earliest). */
static void
timer_step(struct in *in)
{
	struct worker *w = worker_at(in_byte(in), false);
	int fl = in_byte(in);
	uint64_t now = uv_now(&R.loop);
	unsigned i, min = 0;

	if (w == NULL || fl < 0)
		return;
	for (i = 0; i < w->nlive; i++) {
		if (w->invs[i]->due < w->invs[min]->due)
			min = i;
		if (fl & 1)
			w->invs[i]->due = now;
	}
	if (w->nlive > 0)
		w->invs[min]->due = now;
	FZ.moved++;
	wk_event(w, WE_TIMER);
}

static void
die_step(struct in *in)
{
	struct worker *w = worker_at(in_byte(in), false);
	int st = in_byte(in);
	struct fz_proc *pr;

	if (w == NULL || st < 0 || (pr = fz_proc_of(w)) == NULL ||
	    pr->state < FZ_RUNNING)
		return;
	if (st & 1)
		fz_exit(pr, (st >> 1) % 31 + 1, st & 2 ? 101 : -1);	/* signal */
	else
		fz_exit(pr, ((st >> 1) & 0xff) << 8, -1);		/* exit */
}

static void
spawn_step(struct in *in)
{
	int k = in_byte(in), i;

	if (k < 0)
		return;
	for (i = 0; i < FZ_NPROC; i++) {
		struct fz_proc *pr = &FZ.proc[(i + k) % FZ_NPROC];

		if (pr->state == FZ_ASKED) {
			fz_spawn_answer(pr, (k & 0xc0) == 0xc0 ?
			    (k & 0x20 ? -ENOENT : -ENOMEM) : 0);
			return;
		}
	}
}

static void
log_step(struct in *in)
{
	struct worker *w = worker_at(in_byte(in), false);
	int k = in_byte(in);
	struct fz_proc *pr;
	const uint8_t *p;
	size_t n;

	if (w == NULL || k < 0)
		return;
	n = in_bytes(in, (size_t)k % 128, &p);
	if ((pr = fz_proc_of(w)) != NULL && pr->logfd >= 0 && n > 0)
		(void)!write(pr->logfd, p, n);
}

static void
drained(struct pool *p, void *arg)
{
	(void)p;
	(void)arg;
}

static void
stopped(struct pool *p, void *arg)
{
	(void)p;
	(void)arg;
	R.stopped = true;
}

/* ---- one input ------------------------------------------------------------ */

static void
configure(int a, int b)
{
	static const unsigned maxc[4] = { 1, 1, 2, 4 };
	static char *env[] = { "FOO=bar" };
	struct function_conf *fc = &R.fc;

	memset(fc, 0, sizeof(*fc));
	fc->name = "fz";
	fc->bootstrap = "/var/task/bootstrap";
	fc->task_root = "/var/task";
	fc->memory_mb = 128;
	fc->timeout_s = 3;
	fc->max_concurrency = maxc[a & 3];
	fc->max_workers = 1 + (unsigned)(a >> 2) % 3;
	fc->queue_depth = (unsigned)(a >> 4) % 4;
	fc->max_invocations = a & 0x40 ? 2 : 0;
	fc->min_idle = b & 1;
	fc->idle_timeout_s = b & 2 ? 0 : 300;
	fc->queue_timeout_s = 10;
	fc->log_rate = b & 4 ? 3 : 0;
	fc->env = env;
	fc->nenv = 1;
	fc->sandbox = b & 8 ? CONF_SANDBOX_NONE : CONF_SANDBOX_FULL;
	fc->tmp_mb = 64;
	fc->pids = 64;
	fc->cpu_pct = 100;
}

static void
setup(void)
{
	int i;

	if (uv_loop_init(&R.loop) != 0)
		abort();
	fz_setup(&R.loop);
	log_init(1, 0);
	R.m = metrics_new();
	R.big = malloc(RAPI_MAX_RESPONSE + 1);
	memset(R.big, 'z', RAPI_MAX_RESPONSE + 1);
	for (i = 0; i < MAXCONN; i++)
		R.conn[i].fd = -1;
	for (i = 0; i < FZ_NPROC; i++)
		FZ.proc[i].logfd = -1;
}

static void
teardown(void)
{
	int i;

	for (i = 0; i < MAXCONN; i++)
		if (R.conn[i].fd >= 0)
			conn_close(&R.conn[i]);
	pump();
	pool_shutdown(R.pool, stopped, NULL);
	for (i = 0; i < 100 && (!R.stopped || fz_nprocs() > 0); i++) {
		fz_answer_all();
		pump();
	}
	FZ_CHECK(R.stopped && fz_nprocs() == 0);
	pool_free(R.pool);
	R.pool = NULL;
	for (i = 0; i < 4; i++)
		(void)uv_run(&R.loop, UV_RUN_NOWAIT);
	/* Every accepted invocation was answered, exactly once. */
	for (i = 0; i < R.ninv; i++) {
		FZ_CHECK(R.inv[i].done == 1);
		inv_free(R.inv[i].inv);
	}
	if (R.base_fds == 0)
		R.base_fds = fz_nfds();
	else if (fz_nfds() != R.base_fds) {
		fz_dump_fds();
		fz_fail("descriptors leaked");
	}
}

static void	run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A first worker's round trip, before the count of descriptors is
	 * taken: libuv opens one of its own at its first accept. */
	static const uint8_t warm[] = { 0, 0, 0, 2, '{', '}', 12, 0, 2, 0,
	    3, 0, 5, 0, 0, 0, 2, 'o', 'k', 3, 0 };

	if (size < 2 || size > 16384)
		return 0;
	if (R.m == NULL) {
		setup();
		run(warm, sizeof(warm));
	}
	run(data, size);
	return 0;
}

static void
run(const uint8_t *data, size_t size)
{
	struct in in = { data + 2, size - 2 };
	int op;

	fz_quiet(1);
	R.ninv = 0;
	R.stopped = false;
	R.init_error = false;
	R.big_sent = false;
	configure(data[0], data[1]);
	if ((R.pool = pool_new(&R.loop, &FZ.sp, &R.fc)) == NULL)
		abort();
	pool_set_metrics(R.pool, metrics_fn(R.m, R.fc.name));
	pool_start(R.pool);
	pump();
	while ((op = in_byte(&in)) >= 0) {
		FZ_TRACE("step %d\n", op % 14);
		switch (op % 14) {
		case 0: case 1:
			submit(&in);
			break;
		case 2:
			conn_open(in_byte(&in));
			break;
		case 3: case 4:
			next_step(&in);
			break;
		case 5:
			reply_step(&in, 0);
			break;
		case 6:
			reply_step(&in, 1);
			break;
		case 7:
			reply_step(&in, 2);
			break;
		case 8:
			raw_step(&in);
			break;
		case 9: {
			struct conn *c = conn_at(in_byte(&in));

			if (c != NULL)
				conn_close(c);
			break;
		}
		case 10:
			timer_step(&in);
			break;
		case 11:
			die_step(&in);
			break;
		case 12:
			spawn_step(&in);
			break;
		case 13:
			if (op & 0x80)
				pool_drain(R.pool, drained, NULL);
			else
				log_step(&in);
			break;
		}
		pump();
	}
	teardown();
	fz_quiet(0);
}
