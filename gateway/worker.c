/*
 * worker: one worker process of a function, from spawn to reaping: its
 * state machine, its log pipe, and the Runtime API calls on its endpoint.
 *
 * Every change of a worker's state goes through wk_event(), which looks up
 * wk_actions[state][event]: one small function per meaningful cell, and an
 * explicit "ignore" for the others, so every combination of state and event
 * has been decided once, in one place (after s6-supervise).
 *
 * A worker is freed only after its process is gone (SB_EXITED, or a failed
 * spawn) and every libuv handle it owns has been closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "endpoint.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "pool.h"
#include "pool_int.h"
#include "rapi.h"
#include "sandbox.h"

static void	wk_kill(struct worker *w);
static void	wk_release(struct worker *w);
static void	wk_set_state(struct worker *w, enum wk_state s);

/* ---- logs --------------------------------------------------------------- */

/*
 * The invocation's log for the Invoke API's LogType Tail: START, output,
 * END, REPORT.  Only its last 4 KiB is sent; keeping more than that would
 * only cost memory, so older text is dropped once the buffer holds 8 KiB.
 */
static void
wk_tail_add(struct worker *w, const char *s, size_t n)
{
	if (n >= LOG_TAIL_MAX)
		s += n - (LOG_TAIL_MAX - 1), n = LOG_TAIL_MAX - 1;
	if (w->tail.len + n + 1 > 2 * LOG_TAIL_MAX) {
		size_t keep = LOG_TAIL_MAX - n - 1 < w->tail.len ?
		    LOG_TAIL_MAX - n - 1 : w->tail.len;

		memmove(w->tail.data, w->tail.data + w->tail.len - keep, keep);
		w->tail.len = keep;
	}
	buf_add(&w->tail, s, n);
	buf_addc(&w->tail, '\n');
}

static void
wk_log_line(struct worker *w, const char *s, size_t n)
{
	const char *id = w->inv != NULL ? w->inv->id : NULL;

	log_fn(w->pool->fc->name, id, s, n);
	if (w->inv != NULL)
		wk_tail_add(w, s, n);
}

static void
wk_log_feed(struct worker *w, const char *s, size_t n)
{
	const char *nl;

	while (n > 0 && (nl = memchr(s, '\n', n)) != NULL) {
		size_t k = (size_t)(nl - s);

		if (w->logline.len > 0) {
			buf_add(&w->logline, s, k);
			wk_log_line(w, w->logline.data, w->logline.len);
			buf_reset(&w->logline);
		} else
			wk_log_line(w, s, k);
		s += k + 1;
		n -= k + 1;
	}
	buf_add(&w->logline, s, n);
	/* A line longer than this is cut, so a worker cannot grow our memory. */
	if (w->logline.len >= 8192) {
		wk_log_line(w, w->logline.data, w->logline.len);
		buf_reset(&w->logline);
	}
}

static void
wk_log_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char slab[65536];

	(void)h;
	(void)hint;
	b->base = slab;
	b->len = sizeof(slab);
}

static void wk_handle_closed(uv_handle_t *h);

static void
wk_log_close(struct worker *w)
{
	if (!w->log_open)
		return;
	w->log_open = false;
	if (w->logline.len > 0) {
		wk_log_line(w, w->logline.data, w->logline.len);
		buf_reset(&w->logline);
	}
	uv_close((uv_handle_t *)&w->logpipe, wk_handle_closed);
}

static void
wk_log_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct worker *w = s->data;

	if (n > 0)
		wk_log_feed(w, b->base, (size_t)n);
	else if (n < 0)
		wk_log_close(w);
}

/*
 * Read whatever the worker wrote before answering, so its lines are tagged
 * with the invocation they belong to: the pipe and the Runtime API socket
 * are separate channels, and libuv may see the socket first.
 */
static void
wk_log_drain(struct worker *w)
{
	char tmp[16384];
	ssize_t n;
	uv_os_fd_t fd;

	if (!w->log_open || uv_fileno((uv_handle_t *)&w->logpipe, &fd) != 0)
		return;
	/*
	 * The worker wrote its lines before it posted its reply, so they are
	 * all in the pipe: a short read emptied it, and saves the read that
	 * would only say EAGAIN (one syscall per invocation that logs).
	 */
	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		wk_log_feed(w, tmp, (size_t)n);
		if ((size_t)n < sizeof(tmp))
			break;
	}
	if (w->logline.len > 0) {
		wk_log_line(w, w->logline.data, w->logline.len);
		buf_reset(&w->logline);
	}
}

/*
 * The peak of the worker's cgroup leaf (memory.peak: everything it and its
 * children charged, page cache included), 0 when it cannot be read (the
 * leaf is gone once the worker is).
 */
static unsigned
wk_cgroup_peak_mb(struct worker *w)
{
	char tmp[32];
	ssize_t n = pread(w->peakfd, tmp, sizeof(tmp) - 1, 0);

	if (n <= 0)
		return 0;
	tmp[n] = '\0';
	return (unsigned)((strtoull(tmp, NULL, 10) + (1 << 20) - 1) >> 20);
}

/*
 * Peak memory of the worker in MB: its cgroup's memory.peak where the
 * daemon has cgroups and the kernel has that file (>= 5.19); else peak
 * resident memory (VmHWM), from a /proc file kept open for the worker's
 * life.  Making that file costs the kernel some microseconds, so under
 * load it is read at most every 100 ms per worker; the peak only grows,
 * so a cached value is a lower bound of the truth.
 */
static unsigned
wk_max_memory_mb(struct worker *w)
{
	char path[64], tmp[2048], *s;
	uint64_t now = uv_hrtime();
	unsigned mb;
	ssize_t n;

	if (w->peakfd >= 0 && (mb = wk_cgroup_peak_mb(w)) > 0) {
		if (mb > w->mem_mb)
			w->mem_mb = mb;
		return w->mem_mb;
	}

	if (w->mem_ns != 0 && now - w->mem_ns < 100000000)
		return w->mem_mb;
	if (w->statusfd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)w->pid);
		if ((w->statusfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return w->mem_mb;
	}
	n = pread(w->statusfd, tmp, sizeof(tmp) - 1, 0);
	if (n <= 0)
		return w->mem_mb;
	tmp[n] = '\0';
	if ((s = strstr(tmp, "VmHWM:")) != NULL)
		w->mem_mb = (unsigned)((strtoul(s + 6, NULL, 10) + 1023) / 1024);
	w->mem_ns = now;
	return w->mem_mb;
}

static void
wk_log_report(struct worker *w, struct invocation *inv)
{
	char line[512];
	double dur = (double)(uv_hrtime() - inv->start_ns) / 1e6;
	double billed = ceil(dur + (w->cold ? w->init_ms : 0));
	int n;

	n = snprintf(line, sizeof(line), "END RequestId: %s", inv->id);
	log_fn_id(w->pool->fc->name, inv->id, line, (size_t)n);
	wk_tail_add(w, line, (size_t)n);
	n = snprintf(line, sizeof(line), "REPORT RequestId: %s\tDuration: %.2f ms"
	    "\tBilled Duration: %.0f ms\tMemory Size: %u MB\tMax Memory Used: %u MB\t",
	    inv->id, dur, billed < 1 ? 1 : billed, w->pool->fc->memory_mb,
	    wk_max_memory_mb(w));
	if (w->cold)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    "Init Duration: %.2f ms\t", w->init_ms);
	log_fn_id(w->pool->fc->name, inv->id, line, (size_t)n);
	wk_tail_add(w, line, (size_t)n);
	w->cold = false;
}


static void
wk_timer_cb(uv_timer_t *t)
{
	wk_event(t->data, WE_TIMER);
}

static void rapi_on_request(struct http_request *req, void *arg);

/*
 * On the host's loopback anyone could connect to a worker's endpoint:
 * admit only sockets owned by the function's own uid.  With no uid of its
 * own (not root) that is our uid too, and the check can only keep out
 * other users; the start-up report says so.
 */
static int
wk_accept_check(int fd, void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	uid_t want = p->uid != 0 ? p->uid : p->sp->root ? 0 : geteuid(), uid;
	int rc;

	if ((rc = peer_uid(fd, &uid)) == 0 && uid == want)
		return 0;
	if (rc < 0)
		log_warnx("%s: worker %d: a connection to its endpoint whose "
		    "owner cannot be told (%s): refused", p->fc->name,
		    (int)w->pid, strerror(-rc));
	else
		log_warnx("%s: worker %d: a connection to its endpoint from uid "
		    "%d: refused", p->fc->name, (int)w->pid, (int)uid);
	return -1;
}

static int
wk_new_rapi(struct worker *w)
{
	struct http_server_cfg cfg = {
		/* The Node client sends the whole X-Ray error cause, up to
		 * 1 MiB of JSON, as a header. */
		.max_header_size = 1100 * 1024,
		.max_body = ENDPOINT_MAX_BODY,	/* rapi_reply checks its own */
		.header_timeout_ms = 30000,
		.body_timeout_ms = 30000,
		.keepalive_timeout_ms = 0,	/* a pending /next never times out */
		.max_conns = 16,
		.on_request = rapi_on_request,
		.arg = w,
		/* In the function's own netns only its workers can connect. */
		.on_accept = w->pool->netns_key != 0 ? NULL : wk_accept_check,
	};

	if ((w->rapi = http_server_new(w->pool->loop, &cfg)) == NULL)
		return -ENOMEM;
	return 0;
}

static bool
wk_env_has(const struct pool *p, const char *prefix)
{
	size_t i;

	for (i = 0; i < p->fc->nenv; i++)
		if (strncmp(p->fc->env[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static int
wk_send_spawn(struct worker *w, int port, int logfd)
{
	struct pool *p = w->pool;
	char api[64], stream[128], itype[64], ddb[64];
	char *envp[128], *s;
	struct sb_policy pol;
	size_t i, n = 0;
	time_t t = time(NULL);
	struct tm tm;
	int rc;

	gmtime_r(&t, &tm);
	snprintf(api, sizeof(api), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", port);
	snprintf(stream, sizeof(stream), "AWS_LAMBDA_LOG_STREAM_NAME="
	    "%04d/%02d/%02d/[$LATEST]%016" PRIx64 "%016" PRIx64,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, pool_random(), pool_random());
	snprintf(itype, sizeof(itype), "AWS_LAMBDA_INITIALIZATION_TYPE=%s",
	    p->count[WS_IDLE] + p->count[WS_SPAWNING] < p->fc->min_idle ?
	    "provisioned-concurrency" : "on-demand");
	envp[n++] = api;
	envp[n++] = stream;
	envp[n++] = itype;
	/* The Tables store on this worker's own endpoint, which it reaches
	 * under network = none too; unless the function points it elsewhere. */
	if (p->fc->ntables > 0 && !wk_env_has(p, "AWS_ENDPOINT_URL_DYNAMODB=")) {
		snprintf(ddb, sizeof(ddb), "AWS_ENDPOINT_URL_DYNAMODB="
		    "http://127.0.0.1:%d", port);
		envp[n++] = ddb;
	}
	for (i = 0, s = p->env.data; i < p->nenv && n < 127; i++) {
		envp[n++] = s;
		s += strlen(s) + 1;
	}
	envp[n] = NULL;
	memset(&pol, 0, sizeof(pol));
	pol.envp = envp;
	pool_policy(p, &pol);
	rc = sb_spawner_spawn(p->sp->fd, (uint64_t)(uintptr_t)w, &pol, logfd,
	    NULL, 0);
	if (rc == -E2BIG && pol.hide != NULL) {
		/* So many other functions that their directories do not fit
		 * the spawner's fixed-size request: run without covering
		 * them rather than not at all, and say so. */
		log_warnx("%s: too many other functions' directories to hide "
		    "from its workers; they stay readable", p->fc->name);
		pol.hide = NULL;
		rc = sb_spawner_spawn(p->sp->fd, (uint64_t)(uintptr_t)w, &pol,
		    logfd, NULL, 0);
	}
	return rc;
}

/*
 * Ask for the endpoint and the process.  On the host's network both go
 * out at once; with the function's own netns the endpoint must be made in
 * there first, by the spawner (wk_listening sends the spawn).
 */
static int
wk_start(struct worker *w, int logw)
{
	struct pool *p = w->pool;
	int port;

	if (p->netns_key != 0)
		return sb_spawner_listen(p->sp->fd, (uint64_t)(uintptr_t)w,
		    p->netns_key);
	if ((port = http_server_listen(w->rapi, "127.0.0.1", 0)) != 0 ||
	    (port = http_server_port(w->rapi)) < 0)
		return port;
	return wk_send_spawn(w, port, logw);
}

/* Start one worker.  0 or -errno (nothing is left behind on error). */
int
wk_spawn(struct pool *p)
{
	struct worker *w = calloc(1, sizeof(*w));
	int fds[2] = { -1, -1 }, rc;

	if (w == NULL)
		return -ENOMEM;
	w->pool = p;
	w->state = WS_SPAWNING;
	w->cold = true;
	w->statusfd = -1;
	w->peakfd = -1;
	w->logw = -1;
	buf_init(&w->logline);
	buf_init(&w->tail);
	if ((rc = wk_new_rapi(w)) != 0 || pipe2(fds, O_CLOEXEC) != 0 ||
	    (rc = wk_start(w, fds[1])) != 0) {
		rc = rc != 0 ? rc : -errno;
		if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
		http_server_free(w->rapi);
		free(w);
		return rc;
	}
	if (p->netns_key != 0)
		w->logw = fds[1];	/* for the spawn, once listening */
	else
		close(fds[1]);
	uv_pipe_init(p->loop, &w->logpipe, 0);
	uv_pipe_open(&w->logpipe, fds[0]);
	w->logpipe.data = w;
	w->log_open = true;
	uv_read_start((uv_stream_t *)&w->logpipe, wk_log_alloc, wk_log_read);
	uv_timer_init(p->loop, &w->timer);
	w->timer.data = w;
	w->nhandles = 2;
	uv_timer_start(&w->timer, wk_timer_cb, INIT_TIMEOUT_MS, 0);
	w->spawn_ns = uv_hrtime();
	w->next = p->workers;
	if (p->workers != NULL)
		p->workers->prev = w;
	p->workers = w;
	p->count[WS_SPAWNING]++;
	return 0;
}

/*
 * The spawner made the worker's listener inside the function's netns
 * (takes ownership of fd): serve it, and ask for the process.  A worker
 * retired meanwhile, or an error, ends here as a failed spawn would.
 */
void
wk_listening(struct worker *w, int fd, int port, int err)
{
	int logw = w->logw;

	w->logw = -1;
	if (err == 0 && w->state == WS_DRAINING)
		err = -ECANCELED;
	if (err == 0) {
		err = http_server_open(w->rapi, fd);
		fd = -1;	/* the server's now, whatever happened */
	}
	if (err == 0)
		err = wk_send_spawn(w, port, logw);
	if (fd >= 0)
		close(fd);
	if (logw >= 0)
		close(logw);
	if (err == -ECANCELED) {
		w->exited = true;
		wk_release(w);
		pool_run(w->pool);
	} else if (err != 0)
		wk_spawned(w, 0, err, -1);
}

/* ---- the state machine -------------------------------------------------- */

static void
idle_remove(struct worker *w)
{
	struct worker **pp;

	for (pp = &w->pool->idle; *pp != NULL; pp = &(*pp)->inext)
		if (*pp == w) {
			*pp = w->inext;
			break;
		}
	w->inext = NULL;
}

static void
wk_set_state(struct worker *w, enum wk_state s)
{
	struct pool *p = w->pool;

	if (w->state == WS_IDLE)
		idle_remove(w);
	p->count[w->state]--;
	w->state = s;
	p->count[s]++;
	if (s == WS_IDLE) {
		w->inext = p->idle;
		p->idle = w;
	}
}

/* Release a pending /next (its reply goes nowhere, or is an error). */
static void
wk_drop_next(struct worker *w)
{
	struct http_request *req = w->next_req;

	if (req == NULL)
		return;
	w->next_req = NULL;
	req->on_abort = NULL;
	rapi_send_error(req, 500, "InternalServerError", "worker retired");
}

static void
wk_send_event(struct worker *w, struct http_request *req)
{
	struct invocation *inv = w->inv;
	struct rapi_event ev = {
		.request_id = inv->id,
		.deadline_ms = inv->deadline_ms,
		.function_arn = w->pool->arn,
		.trace_id = inv->trace_id,
		.client_context = inv->client_context,
		.cognito_identity = inv->cognito_identity,
		.body = inv->event.data,
		.body_len = inv->event.len,
	};

	rapi_send_event(req, &ev);
}

static void
next_aborted(struct http_request *req, void *arg)
{
	struct worker *w = arg;

	if (w->next_req == req)
		wk_event(w, WE_NEXT_GONE);
}

/* Keep req as the worker's pending /next. */
static void
wk_park_next(struct worker *w, struct http_request *req)
{
	if (w->next_req != NULL) {
		/* A client waits on one /next at a time; an older one is stale. */
		struct http_request *old = w->next_req;

		w->next_req = NULL;
		old->on_abort = NULL;
		rapi_send_error(old, 403, "InvalidStateTransition",
		    "superseded by a newer /next");
	}
	w->next_req = req;
	req->on_abort = next_aborted;
	req->data = w;
}

typedef void (*wk_action)(struct worker *w);

static struct http_request *wk_cur_req;	/* the request behind WE_NEXT */

static void
a_ignore(struct worker *w)
{
	(void)w;
}

static void
a_first_next(struct worker *w)
{
	struct pool *p = w->pool;

	w->init_ms = (double)(uv_hrtime() - w->spawn_ns) / 1e6;
	metrics_worker_ready(p->metrics, uv_hrtime() - w->spawn_ns);
	/* A cold start is an invocation that waited for an init: a worker
	 * that became ready with nothing queued (min_idle) is warm. */
	w->cold = p->qhead != NULL;
	p->fail_streak = 0;
	uv_timer_stop(&w->timer);
	wk_park_next(w, wk_cur_req);
	wk_set_state(w, WS_IDLE);
	if (p->fc->idle_timeout_s > 0)
		uv_timer_start(&w->timer, wk_timer_cb,
		    (uint64_t)p->fc->idle_timeout_s * 1000, 0);
	log_debug("%s: worker %d ready in %.2f ms", p->fc->name, (int)w->pid,
	    w->init_ms);
}

static void
a_next_again(struct worker *w)
{
	/* A second /next before any reply re-delivers the same event (RIE). */
	wk_send_event(w, wk_cur_req);
}

static void
a_next_idle(struct worker *w)
{
	wk_park_next(w, wk_cur_req);
}

static void
a_next_rest(struct worker *w)
{
	struct pool *p = w->pool;

	wk_park_next(w, wk_cur_req);
	wk_set_state(w, WS_IDLE);
	if (p->fc->idle_timeout_s > 0)
		uv_timer_start(&w->timer, wk_timer_cb,
		    (uint64_t)p->fc->idle_timeout_s * 1000, 0);
}

static void
a_next_draining(struct worker *w)
{
	/* Being killed (say, recycled after its reply): let it wait, unanswered,
	 * for the SIGKILL on its way; see wk_kill. */
	wk_park_next(w, wk_cur_req);
}

static void
a_next_gone(struct worker *w)
{
	struct http_request *req = w->next_req;

	w->next_req = NULL;
	if (req != NULL) {
		req->on_abort = NULL;
		http_respond(req, 500, NULL, 0, NULL, 0);
	}
	if (w->state == WS_IDLE) {
		uv_timer_stop(&w->timer);
		wk_set_state(w, WS_RESTING);
	}
}

static void
a_assign(struct worker *w)
{
	struct pool *p = w->pool;
	struct invocation *inv = w->inv;
	struct http_request *req = w->next_req;
	char line[96];
	int n;

	w->next_req = NULL;
	req->on_abort = NULL;
	wk_set_state(w, WS_BUSY);
	inv->start_ns = uv_hrtime();
	inv->deadline_ms = pool_epoch_ms() + (uint64_t)p->fc->timeout_s * 1000;
	if (inv->trace_id == NULL)
		inv->trace_id = inv_trace_make(inv->deadline_ms);
	if (w->cold)
		metrics_cold_start(p->metrics);
	n = snprintf(line, sizeof(line), "START RequestId: %s Version: $LATEST",
	    inv->id);
	log_fn_id(p->fc->name, inv->id, line, (size_t)n);
	buf_reset(&w->tail);
	wk_tail_add(w, line, (size_t)n);
	uv_timer_start(&w->timer, wk_timer_cb, (uint64_t)p->fc->timeout_s * 1000, 0);
	wk_send_event(w, req);
}

static void
a_timeout(struct worker *w)
{
	struct pool *p = w->pool;
	struct invocation *inv = w->inv;
	double secs = (double)(uv_hrtime() - inv->start_ns) / 1e9;
	char line[128];
	int n;

	wk_log_drain(w);
	n = snprintf(line, sizeof(line), "Task timed out after %.2f seconds", secs);
	log_fn(p->fc->name, inv->id, line, (size_t)n);
	wk_log_report(w, inv);
	wk_kill(w);
	inv_fail(inv, INV_PLATFORM_ERROR, "Sandbox.Timedout",
	    "RequestId: %s Error: Task timed out after %.2f seconds", inv->id, secs);
}

static void
a_init_timeout(struct worker *w)
{
	struct pool *p = w->pool;

	log_warnx("%s: worker %d did not call /next within %d ms; killed",
	    p->fc->name, (int)w->pid, INIT_TIMEOUT_MS);
	wk_kill(w);
	pool_init_failed(p, "Sandbox.Timedout", NULL, 0,
	    "Init timed out after 10.00 seconds");
}

static void
a_idle_timeout(struct worker *w)
{
	struct pool *p = w->pool;

	if (p->count[WS_IDLE] > p->fc->min_idle) {
		log_debug("%s: reaping idle worker %d", p->fc->name, (int)w->pid);
		wk_kill(w);
	} else if (p->fc->idle_timeout_s > 0)
		uv_timer_start(&w->timer, wk_timer_cb,
		    (uint64_t)p->fc->idle_timeout_s * 1000, 0);
}

static void
a_retire(struct worker *w)
{
	wk_kill(w);
}

static void
a_init_error(struct worker *w)
{
	/* Handled in rapi_on_request, which has the body; here: kill. */
	w->init_failed = true;
	wk_kill(w);
}

static void
a_reply(struct worker *w)
{
	struct pool *p = w->pool;

	uv_timer_stop(&w->timer);
	w->ninv++;
	if (p->fc->max_invocations > 0 && w->ninv >= p->fc->max_invocations)
		wk_kill(w);
	else
		wk_set_state(w, WS_RESTING);
}

#define I a_ignore
static const wk_action wk_actions[WS_NSTATES][WE_NEVENTS] = {
	/*              SPAWNED  NEXT             NEXT_GONE    ASSIGN    REPLY    INIT_ERROR    TIMER           RETIRE */
	[WS_SPAWNING] = { I,     a_first_next,    a_next_gone, I,        I,       a_init_error, a_init_timeout, a_retire },
	[WS_IDLE]     = { I,     a_next_idle,     a_next_gone, a_assign, I,       I,            a_idle_timeout, a_retire },
	[WS_BUSY]     = { I,     a_next_again,    a_next_gone, I,        a_reply, I,            a_timeout,      a_retire },
	[WS_RESTING]  = { I,     a_next_rest,     a_next_gone, I,        I,       I,            I,              a_retire },
	[WS_DRAINING] = { I,     a_next_draining, a_next_gone, I,        I,       I,            I,              I },
};
#undef I

void
wk_event(struct worker *w, enum wk_ev ev)
{
	wk_actions[w->state][ev](w);
	pool_run(w->pool);
}

/* Ask the spawner to kill the worker's process group; it is freed when the
 * spawner reports the exit. */
static void
wk_kill(struct worker *w)
{
	uv_timer_stop(&w->timer);
	/*
	 * A pending /next stays unanswered, as on Lambda: the process dies
	 * waiting for it, and the request is released when its connection
	 * closes (or when the worker is).  Answering it first would make the
	 * runtime log an error it has no reason to.
	 */
	if (w->state != WS_DRAINING)
		wk_set_state(w, WS_DRAINING);
	if (w->pid > 0 && !w->exited)
		sb_spawner_kill(w->pool->sp->fd, w->pid, SIGKILL);
}

/* ---- spawner replies ----------------------------------------------------- */

void
wk_spawned(struct worker *w, pid_t pid, int err, int peakfd)
{
	struct pool *p = w->pool;

	if (err != 0 && peakfd >= 0)
		close(peakfd);
	else
		w->peakfd = peakfd;

	if (err == 0) {
		w->pid = pid;
		log_debug("%s: worker %d spawned in %.2f ms", p->fc->name, (int)pid, (double)(uv_hrtime() - w->spawn_ns) / 1e6);
		if (w->state == WS_DRAINING)	/* retired while spawning */
			sb_spawner_kill(p->sp->fd, pid, SIGKILL);
		return;
	}
	if (err == -EACCES)
		log_warnx("%s: cannot start %s as uid %d: %s (the file, and "
		    "every directory above it, must be reachable by that uid)",
		    p->fc->name, p->fc->bootstrap, (int)p->uid, strerror(-err));
	else
		log_warnx("%s: cannot start %s: %s", p->fc->name,
		    p->fc->bootstrap, strerror(-err));
	w->exited = true;
	wk_release(w);
	pool_init_failed(p, err == -ENOENT || err == -EACCES || err == -ENOEXEC ?
	    "Runtime.InvalidEntrypoint" : "Sandbox.Failure", NULL, 0,
	    err == -ENOENT ? "Couldn't find valid bootstrap(s)" : strerror(-err));
	pool_run(p);
}

static void
exit_reason(int status, char *out, size_t n)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		snprintf(out, n, "Runtime exited without providing a reason");
	else if (WIFEXITED(status))
		snprintf(out, n, "Runtime exited with error: exit status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		const char *s = strsignal(WTERMSIG(status));
		size_t i;

		snprintf(out, n, "Runtime exited with error: signal: %s",
		    s != NULL ? s : "unknown");
		for (i = 0; out[i] != '\0'; i++)
			if (out[i] >= 'A' && out[i] <= 'Z' && i > 30)
				out[i] = (char)(out[i] - 'A' + 'a');
	} else
		snprintf(out, n, "Runtime exited");
}

/* " (seccomp denied ptrace)": what the filter killed the worker for. */
static void
exit_syscall(int sys_nr, int foreign, char *out, size_t n)
{
	const char *name = foreign ? NULL : sb_syscall_name(sys_nr);
	size_t len = strlen(out);

	if (sys_nr < 0 || len >= n)
		return;
	if (name != NULL)
		snprintf(out + len, n - len, " (seccomp denied %s)", name);
	else
		snprintf(out + len, n - len, " (seccomp denied syscall %d%s)",
		    sys_nr, foreign ? " of another architecture" : "");
}

void
wk_exited(struct worker *w, int status, int sys_nr, int sys_foreign)
{
	struct pool *p = w->pool;
	enum wk_state was = w->state;
	char why[192];

	w->exited = true;
	exit_reason(status, why, sizeof(why));
	exit_syscall(sys_nr, sys_foreign, why, sizeof(why));
	wk_log_drain(w);
	/* Whatever the state: an operator wants to see every one of these. */
	if (sys_nr >= 0)
		log_warnx("%s: worker %d killed by seccomp%s: %s", p->fc->name,
		    (int)w->pid, was == WS_SPAWNING ? " during init" : "", why);
	if (w->inv != NULL) {
		struct invocation *inv = w->inv;

		log_fn(p->fc->name, inv->id, why, strlen(why));
		wk_log_report(w, inv);
		inv_fail(inv, INV_PLATFORM_ERROR, "Runtime.ExitError",
		    "RequestId: %s Error: %s", inv->id, why);
	} else if (was == WS_SPAWNING) {
		if (sys_nr < 0)
			log_warnx("%s: worker %d died during init: %s",
			    p->fc->name, (int)w->pid, why);
		pool_init_failed(p, "Runtime.ExitError", NULL, 0, why);
	} else if (was != WS_DRAINING && sys_nr < 0)
		log_info("%s: worker %d: %s", p->fc->name, (int)w->pid, why);
	wk_release(w);
	pool_run(p);
}

/* ---- freeing a worker -------------------------------------------------- */

static void
wk_maybe_free(struct worker *w)
{
	struct pool *p = w->pool;

	if (w->nhandles > 0)
		return;
	buf_free(&w->logline);
	buf_free(&w->tail);
	if (w->statusfd >= 0)
		close(w->statusfd);
	if (w->peakfd >= 0)
		close(w->peakfd);
	free(w);
	p->nhandles--;
	pool_check_stopped(p);
}

static void
wk_handle_closed(uv_handle_t *h)
{
	struct worker *w = h->data;

	w->nhandles--;
	wk_maybe_free(w);
}

/* The process is gone: unlink the worker and close what it owns. */
static void
wk_release(struct worker *w)
{
	struct pool *p = w->pool;

	wk_drop_next(w);
	if (w->state == WS_IDLE)
		idle_remove(w);
	p->count[w->state]--;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		p->workers = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	http_server_free(w->rapi);
	w->rapi = NULL;
	p->nhandles++;		/* the worker itself, until its handles close */
	if (w->nhandles == 0) {	/* a failed spawn never opened them */
		wk_maybe_free(w);
		return;
	}
	wk_log_close(w);
	uv_close((uv_handle_t *)&w->timer, wk_handle_closed);
}

/* ---- the Runtime API, per worker --------------------------------------- */

static bool
id_is(const char *id, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(id, want, n) == 0;
}

/* POST /response or /error for the invocation the worker holds. */
static void
rapi_reply(struct worker *w, struct http_request *req, enum rapi_call call)
{
	struct invocation *inv = w->inv;
	struct inv_result res = { .status = INV_OK };
	struct buf eb;
	size_t ctlen;
	const char *type;

	buf_init(&eb);
	wk_log_drain(w);
	if (req->too_large || req->body_len > RAPI_MAX_RESPONSE) {
		rapi_send_error(req, 413, "RequestEntityTooLarge",
		    "Exceeded maximum allowed payload size (6291556 bytes).");
		wk_log_report(w, inv);
		wk_event(w, WE_REPLY);
		inv_fail(inv, INV_PLATFORM_ERROR, "Function.ResponseSizeTooLarge",
		    "Response payload size exceeded maximum allowed payload size "
		    "(6291556 bytes).");
		return;
	}
	if (call == RAPI_RESPONSE && rapi_response_mode(req) < 0) {
		rapi_send_error(req, 400, "InvalidFunctionResponseMode",
		    "Lambda-Runtime-Function-Response-Mode must be streaming");
		wk_log_report(w, inv);
		wk_event(w, WE_REPLY);
		inv_fail(inv, INV_PLATFORM_ERROR, "Runtime.InvalidResponseModeHeader",
		    "the runtime sent an invalid response mode");
		return;
	}
	if (call == RAPI_ERROR) {
		type = rapi_error_body(req, &eb, "Runtime.Unknown");
		res.status = INV_FUNC_ERROR;
		res.error_type = type;
		res.body = eb.data;
		res.body_len = eb.len;
		res.content_type = "application/json";
	} else if (rapi_trailer_error(req, &eb, &type)) {
		res.status = INV_FUNC_ERROR;
		res.error_type = type;
		res.body = eb.data;
		res.body_len = eb.len;
		res.content_type = "application/json";
	} else {
		res.body = req->body;
		res.body_len = req->body_len;
		res.content_type = http_header_get(req, "Content-Type", &ctlen);
	}
	wk_log_report(w, inv);
	wk_event(w, WE_REPLY);
	/* res points into req: finish before answering, which frees req. */
	inv_finish(inv, &res);
	rapi_send_accepted(req);
	buf_free(&eb);
	pool_run(w->pool);
}

static void
rapi_init_error(struct worker *w, struct http_request *req)
{
	struct pool *p = w->pool;
	const char *type;
	struct buf eb;

	if (w->state != WS_SPAWNING) {
		rapi_send_error(req, 403, "InvalidStateTransition",
		    "init/error after init");
		return;
	}
	buf_init(&eb);
	type = rapi_error_body(req, &eb, "Runtime.Unknown");
	log_warnx("%s: worker %d: init error %s", p->fc->name, (int)w->pid, type);
	rapi_send_accepted(req);
	pool_init_failed(p, type, eb.data, eb.len, NULL);
	buf_free(&eb);
	wk_event(w, WE_INIT_ERROR);
}

void
pool_rapi_request(struct worker *w, struct http_request *req)
{
	const char *id;
	size_t idlen;
	enum rapi_call call = rapi_parse(req, &id, &idlen);

	switch (call) {
	case RAPI_NEXT:
		wk_cur_req = req;
		wk_event(w, WE_NEXT);
		wk_cur_req = NULL;
		return;
	case RAPI_RESPONSE:
	case RAPI_ERROR:
		if (w->inv != NULL && id_is(id, idlen, w->inv->id)) {
			rapi_reply(w, req, call);
			return;
		}
		if (id_is(id, idlen, w->last_id))
			rapi_send_error(req, 403, "InvalidStateTransition",
			    "State transition from Ready to InvocationResponse failed");
		else if (w->state == WS_SPAWNING)
			rapi_send_error(req, 403, "InvalidStateTransition",
			    "no invocation has been handed out yet");
		else
			rapi_send_error(req, 400, "InvalidRequestID",
			    "Invalid request ID");
		return;
	case RAPI_INIT_ERROR:
		rapi_init_error(w, req);
		return;
	case RAPI_PING:
		http_respond(req, 200, NULL, 0, "pong", 4);
		return;
	case RAPI_BAD:
		break;
	}
	rapi_send_error(req, 404, "InvalidRequest", "unknown Runtime API call");
}

static void
rapi_on_request(struct http_request *req, void *arg)
{
	struct worker *w = arg;

	/* The same endpoint serves the DynamoDB API (endpoint.h). */
	if (!endpoint_serve(w->pool->fc->name, req))
		pool_rapi_request(w, req);
}

void
wk_assign(struct worker *w)
{
	wk_actions[w->state][WE_ASSIGN](w);
}
