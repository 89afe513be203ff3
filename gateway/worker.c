/*
 * worker: one worker process of a function, from spawn to reaping, and its
 * state machine.  Its log pipe is worker_log.c's, the Runtime API calls on
 * its endpoint worker_rapi.c's.
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

static void
wk_timer_cb(uv_timer_t *t)
{
	wk_event(t->data, WE_TIMER);
}


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
		/* aws-lambda-go opens one per /next in flight, and may open
		 * a fresh one for each post. */
		.max_conns = 16 + 2 * pool_maxc(w->pool),
		.on_request = rapi_on_request,
		.stream_body = rapi_stream_body,	/* stream.h */
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
	char api[64], stream[128], itype[64], ddb[64], apigw[80];
	char s3[64], boot[4096 + 16];
	char *envp[128], *s;
	struct sb_policy pol;
	size_t i, n = 0;
	time_t t = time(NULL);
	struct tm tm;
	int rc;

	gmtime_r(&t, &tm);
	snprintf(api, sizeof(api), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", port);
	snprintf(stream, sizeof(stream), "AWS_LAMBDA_LOG_STREAM_NAME="
	    "%04d/%02d/%02d/[%s]%016" PRIx64 "%016" PRIx64,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, pool_version(p),
	    pool_random(), pool_random());
	snprintf(itype, sizeof(itype), "AWS_LAMBDA_INITIALIZATION_TYPE=%s",
	    w->provisioned ? "provisioned-concurrency" : "on-demand");
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
	/* Buckets the same way (path-style: an IP address has no bucket
	 * subdomains; the aws CLI and boto3 choose it by themselves). */
	if (p->fc->nbuckets > 0 && !wk_env_has(p, "AWS_ENDPOINT_URL_S3=")) {
		snprintf(s3, sizeof(s3), "AWS_ENDPOINT_URL_S3="
		    "http://127.0.0.1:%d", port);
		envp[n++] = s3;
	}
	/* @connections the same way, for pushing to WebSocket clients. */
	if (p->fc->ws_endpoint &&
	    !wk_env_has(p, "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI=")) {
		snprintf(apigw, sizeof(apigw), "AWS_ENDPOINT_URL_"
		    "APIGATEWAYMANAGEMENTAPI=http://127.0.0.1:%d", port);
		envp[n++] = apigw;
	}
	for (i = 0, s = p->env.data; i < p->nenv && n < 127; i++) {
		envp[n++] = s;
		s += strlen(s) + 1;
	}
	envp[n] = NULL;
	memset(&pol, 0, sizeof(pol));
	pol.envp = envp;
	pool_policy(p, &pol, boot, sizeof(boot));
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

static void
wk_free_slots(struct worker *w)
{
	free(w->nexts);
	free(w->invs);
	free(w->late);
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
	/* Decided now: in a netns the spawn goes out later, when the
	 * counts include this worker and its siblings. */
	w->provisioned = p->count[WS_IDLE] + p->count[WS_SPAWNING] <
	    p->fc->min_idle;
	w->maxc = pool_maxc(p);
	w->nexts = calloc(w->maxc, sizeof(*w->nexts));
	w->invs = calloc(w->maxc, sizeof(*w->invs));
	w->late = calloc(w->maxc, sizeof(*w->late));
	if (w->nexts == NULL || w->invs == NULL || w->late == NULL) {
		wk_free_slots(w);
		free(w);
		return -ENOMEM;
	}
	w->statusfd = -1;
	w->peakfd = -1;
	w->logw = -1;
	buf_init(&w->logline);
	if ((rc = wk_new_rapi(w)) != 0 || pipe2(fds, O_CLOEXEC) != 0 ||
	    (rc = wk_start(w, fds[1])) != 0) {
		rc = rc != 0 ? rc : -errno;
		if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
		http_server_free(w->rapi);
		wk_free_slots(w);
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
ready_remove(struct worker *w)
{
	struct worker **pp;

	for (pp = &w->pool->ready; *pp != NULL; pp = &(*pp)->rnext)
		if (*pp == w) {
			*pp = w->rnext;
			break;
		}
	w->rnext = NULL;
	w->ready = false;
}

/*
 * Keep p->ready and p->slots in step with w: a worker takes invocations
 * while it has a /next pending and is IDLE or BUSY (more room).  Newly
 * ready workers go first (LIFO: the warmest is reused).
 */
void
wk_ready_sync(struct worker *w)
{
	struct pool *p = w->pool;
	bool want = w->nnext > 0 && !w->recycle && w->rapi != NULL &&
	    (w->state == WS_IDLE || w->state == WS_BUSY);

	if (want && !w->ready) {
		w->rnext = p->ready;
		p->ready = w;
		w->ready = true;
	} else if (!want && w->ready)
		ready_remove(w);
	p->slots -= w->slots;
	w->slots = want ? w->nnext : 0;
	p->slots += w->slots;
}

static void
wk_set_state(struct worker *w, enum wk_state s)
{
	struct pool *p = w->pool;

	p->count[w->state]--;
	w->state = s;
	p->count[s]++;
	wk_ready_sync(w);
}

/* Take req off w's pending /next requests; false if it is not one. */
static bool
wk_next_remove(struct worker *w, struct http_request *req)
{
	unsigned i;

	for (i = 0; i < w->nnext; i++)
		if (w->nexts[i] == req) {
			memmove(w->nexts + i, w->nexts + i + 1,
			    (w->nnext - i - 1) * sizeof(*w->nexts));
			w->nnext--;
			req->on_abort = NULL;
			return true;
		}
	return false;
}

/* Release the pending /next requests (their replies go nowhere, or are
 * errors). */
static void
wk_drop_next(struct worker *w)
{
	while (w->nnext > 0) {
		struct http_request *req = w->nexts[--w->nnext];

		req->on_abort = NULL;
		rapi_send_error(req, 500, "InternalServerError", "worker retired");
	}
}

static void
wk_send_event(struct worker *w, struct invocation *inv,
    struct http_request *req)
{
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

typedef void (*wk_action)(struct worker *w);

static struct http_request *wk_cur_req;	/* the request behind WE_NEXT(_GONE) */

static void
next_aborted(struct http_request *req, void *arg)
{
	struct worker *w = arg;
	unsigned i;

	for (i = 0; i < w->nnext; i++)
		if (w->nexts[i] == req) {
			wk_cur_req = req;
			wk_event(w, WE_NEXT_GONE);
			wk_cur_req = NULL;
			return;
		}
}

/* The oldest timed-out invocation is forgotten: its runtime thread has
 * moved on to a /next without answering it. */
static void
wk_late_forget_oldest(struct worker *w)
{
	memmove(w->late, w->late + 1, (w->nlate - 1) * sizeof(*w->late));
	w->nlate--;
}

/*
 * Keep req as one of the worker's pending /next requests.  Past its
 * max_concurrency slots, a client is asking again for what it already
 * asked: the oldest pending /next is stale (one at a time: the only one).
 */
static void
wk_park_next(struct worker *w, struct http_request *req)
{
	bool full = w->state == WS_DRAINING ? w->nnext >= w->maxc :
	    w->nnext + w->nlive + w->nlate >= w->maxc;
	struct http_request *old = NULL;

	if (full && w->nnext > 0) {
		old = w->nexts[0];
		wk_next_remove(w, old);
	} else if (full && w->nlate > 0)
		wk_late_forget_oldest(w);
	else if (full) {
		rapi_send_error(req, 403, "InvalidStateTransition",
		    "more /next requests than max_concurrency");
		return;
	}
	w->nexts[w->nnext++] = req;
	req->on_abort = next_aborted;
	req->data = w;
	/*
	 * Answered last: answering lets the old one's connection go on to a
	 * request pipelined behind it (http_respond), which can be another
	 * /next for this worker, parked from in here.
	 */
	if (old != NULL)
		rapi_send_error(old, 403, "InvalidStateTransition",
		    "superseded by a newer /next");
}

static void
wk_idle_timer(struct worker *w)
{
	struct pool *p = w->pool;

	if (p->fc->idle_timeout_s > 0)
		uv_timer_start(&w->timer, wk_timer_cb,
		    (uint64_t)p->fc->idle_timeout_s * 1000, 0);
}

/* The timer of a busy worker: the earliest deadline of what it runs. */
static void
wk_arm_deadline(struct worker *w)
{
	uint64_t now = uv_now(w->pool->loop), due = UINT64_MAX;
	unsigned i;

	for (i = 0; i < w->nlive; i++)
		if (w->invs[i]->due < due)
			due = w->invs[i]->due;
	uv_timer_start(&w->timer, wk_timer_cb, due > now ? due - now : 0, 0);
}

/* After an invocation left a busy worker: still busy, idle or resting. */
static void
wk_settle(struct worker *w)
{
	if (w->state != WS_BUSY)
		return;
	if (w->nlive > 0) {
		wk_arm_deadline(w);
		return;
	}
	uv_timer_stop(&w->timer);
	if (w->nnext > 0) {
		wk_set_state(w, WS_IDLE);
		wk_idle_timer(w);
	} else
		wk_set_state(w, WS_RESTING);
}

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
	wk_idle_timer(w);
	/* The worker can reach /next before the spawner's reply brings its
	 * pid: wk_spawned logs the ready line then. */
	if (w->pid != 0)
		log_debug("%s: worker %d ready in %.2f ms", p->fc->name,
		    (int)w->pid, w->init_ms);
}

static void
a_next_busy(struct worker *w)
{
	/* One at a time, a second /next before any reply re-delivers the
	 * same event (RIE); with more, it is another thread asking. */
	if (w->maxc == 1)
		wk_send_event(w, w->invs[0], wk_cur_req);
	else
		wk_park_next(w, wk_cur_req);
}

static void
a_next_idle(struct worker *w)
{
	wk_park_next(w, wk_cur_req);
}

static void
a_next_rest(struct worker *w)
{
	wk_park_next(w, wk_cur_req);
	if (w->nnext == 0)
		return;
	wk_set_state(w, WS_IDLE);
	wk_idle_timer(w);
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
	struct http_request *req = wk_cur_req;

	if (req != NULL && wk_next_remove(w, req))
		http_respond(req, 500, NULL, 0, NULL, 0);
	if (w->state == WS_IDLE && w->nnext == 0) {
		uv_timer_stop(&w->timer);
		wk_set_state(w, WS_RESTING);
	}
}

/* The newest invocation in w->invs goes out on the newest pending /next. */
static void
a_assign(struct worker *w)
{
	struct pool *p = w->pool;
	struct invocation *inv = w->invs[w->nlive - 1];
	struct http_request *req = w->nexts[w->nnext - 1];
	uint64_t ms = (uint64_t)p->fc->timeout_s * 1000;
	char line[96];
	int n;

	wk_next_remove(w, req);
	if (w->state != WS_BUSY)
		wk_set_state(w, WS_BUSY);
	inv->start_ns = uv_hrtime();
	inv->deadline_ms = pool_epoch_ms() + ms;
	inv->due = uv_now(p->loop) + ms;
	if (inv->trace_id == NULL)
		inv->trace_id = inv_trace_make(inv->deadline_ms);
	inv->cold = w->cold;
	w->cold = false;
	if (inv->cold)
		metrics_cold_start(p->metrics);
	n = snprintf(line, sizeof(line), "START RequestId: %s Version: %s",
	    inv->id, pool_version(p));
	log_fn_id(p->fc->name, inv->id, line, (size_t)n);
	buf_reset(&inv->tail);
	wk_tail_add(inv, line, (size_t)n);
	if (w->nlive == 1)
		uv_timer_start(&w->timer, wk_timer_cb, ms, 0);
	else
		wk_arm_deadline(w);
	wk_send_event(w, inv, req);
}

/*
 * Invocations past their deadline are answered.  One at a time, the
 * worker is killed and replaced, as on Lambda.  Holding several, it is
 * not (Lambda Managed Instances do not stop the others): the late answer
 * of one that timed out is taken and dropped when it comes.  Unless the
 * worker is then of no use, running nothing with no /next pending (every
 * thread it has is stuck, or a runtime that ignores
 * AWS_LAMBDA_MAX_CONCURRENCY): it is killed and replaced.
 */
static void
a_timeout(struct worker *w)
{
	struct pool *p = w->pool;
	struct invocation *gone[64];
	double gsecs[64];
	uint64_t now = uv_now(p->loop);
	unsigned i, n = 0;

	wk_log_drain(w);
	for (i = 0; i < w->nlive && n < 64; ) {
		struct invocation *inv = w->invs[i];
		double secs = (double)(uv_hrtime() - inv->start_ns) / 1e9;
		char line[128];
		int k;

		if (inv->due > now) {
			i++;
			continue;
		}
		k = snprintf(line, sizeof(line),
		    "Task timed out after %.2f seconds", secs);
		log_fn(p->fc->name, inv->id, line, (size_t)k);
		wk_log_report(w, inv);
		wk_inv_detach(w, inv);
		if (w->maxc > 1 && w->nlate < w->maxc)
			memcpy(w->late[w->nlate++], inv->id, 37);
		gsecs[n] = secs;
		gone[n++] = inv;
	}
	if (w->nlive == 0 && (w->maxc == 1 || w->nnext == 0)) {
		if (w->maxc > 1)
			log_info("%s: worker %d: every invocation it holds has "
			    "timed out; killed", p->fc->name, (int)w->pid);
		wk_kill(w);
	} else
		wk_settle(w);
	for (i = 0; i < n; i++)
		inv_fail(gone[i], INV_PLATFORM_ERROR, "Sandbox.Timedout",
		    "RequestId: %s Error: Task timed out after %.2f seconds",
		    gone[i]->id, gsecs[i]);
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
	} else
		wk_idle_timer(w);
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

/* An invocation was answered (and detached): recycle, or go on. */
static void
a_reply(struct worker *w)
{
	struct pool *p = w->pool;

	w->ninv++;
	if (p->fc->max_invocations > 0 && w->ninv >= p->fc->max_invocations) {
		/* Holding several, the others finish first. */
		w->recycle = true;
		wk_ready_sync(w);
		if (w->nlive == 0) {
			wk_kill(w);
			return;
		}
	}
	wk_settle(w);
}

#define I a_ignore
static const wk_action wk_actions[WS_NSTATES][WE_NEVENTS] = {
	/*              SPAWNED  NEXT             NEXT_GONE    ASSIGN    REPLY    INIT_ERROR    TIMER           RETIRE */
	[WS_SPAWNING] = { I,     a_first_next,    a_next_gone, I,        I,       a_init_error, a_init_timeout, a_retire },
	[WS_IDLE]     = { I,     a_next_idle,     a_next_gone, a_assign, I,       I,            a_idle_timeout, a_retire },
	[WS_BUSY]     = { I,     a_next_busy,     a_next_gone, a_assign, a_reply, I,            a_timeout,      a_retire },
	[WS_RESTING]  = { I,     a_next_rest,     a_next_gone, I,        I,       I,            I,              a_retire },
	[WS_DRAINING] = { I,     a_next_draining, a_next_gone, I,        I,       I,            I,              I },
};
#undef I

void
wk_event(struct worker *w, enum wk_ev ev)
{
	wk_actions[w->state][ev](w);
	wk_ready_sync(w);
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

/*
 * Every invocation w holds gets the error, exactly once: detached first,
 * as a door's done may submit more.
 */
static void
wk_fail_held(struct worker *w, const char *type, const char *why)
{
	struct pool *p = w->pool;
	struct invocation *gone[64];
	unsigned i, n = 0;

	while (w->nlive > 0 && n < 64) {
		struct invocation *inv = w->invs[0];

		log_fn(p->fc->name, inv->id, why, strlen(why));
		wk_log_report(w, inv);
		wk_inv_detach(w, inv);
		gone[n++] = inv;
	}
	for (i = 0; i < n; i++)
		inv_fail(gone[i], INV_PLATFORM_ERROR, type,
		    "RequestId: %s Error: %s", gone[i]->id, why);
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
		log_debug("%s: worker %d spawned in %.2f ms", p->fc->name,
		    (int)pid, (double)(uv_hrtime() - w->spawn_ns) / 1e6);
		if (w->init_ms > 0)	/* it was ready first */
			log_debug("%s: worker %d ready in %.2f ms",
			    p->fc->name, (int)pid, w->init_ms);
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
	/* Its process may have called /next before the answer came, and
	 * been given invocations: they get the failure too. */
	if (w->nlive > 0)
		wk_fail_held(w, "Sandbox.Failure", strerror(-err));
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
	if (w->nlive > 0)
		wk_fail_held(w, "Runtime.ExitError", why);
	else if (was == WS_SPAWNING) {
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
	wk_free_slots(w);
	if (w->statusfd >= 0)
		close(w->statusfd);
	if (w->peakfd >= 0)
		close(w->peakfd);
	free(w);
	p->nhandles--;
	pool_check_stopped(p);
}

void
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
	if (w->ready)
		ready_remove(w);
	p->slots -= w->slots;
	w->slots = 0;
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

void
wk_assign(struct worker *w, struct invocation *inv)
{
	inv->worker = w;
	w->invs[w->nlive++] = inv;
	wk_actions[w->state][WE_ASSIGN](w);
	wk_ready_sync(w);
}

/* A /next arrived on the worker's endpoint (worker_rapi.c). */
void
wk_next(struct worker *w, struct http_request *req)
{
	wk_cur_req = req;
	wk_event(w, WE_NEXT);
	wk_cur_req = NULL;
}
