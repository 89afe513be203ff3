/*
 * pool: warm workers, the bounded queue, and the worker state machine.
 * See pool.h for the model.
 *
 * Every change of a worker's state goes through wk_event(), which looks up
 * wk_actions[state][event]: one small function per meaningful cell, and an
 * explicit "ignore" or "refuse" for the others, so every combination of
 * state and event has been decided once, in one place (after s6-supervise).
 *
 * Invariants:
 *   - an invocation is in exactly one place: the queue, a worker (w->inv),
 *     or finished (its done callback has run and it is no longer ours);
 *   - a worker is freed only after its process is gone (SB_EXITED, or a
 *     failed spawn) and every libuv handle it owns has been closed;
 *   - inv_finish() is the only way an invocation leaves the pool.
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
#include "http.h"
#include "log.h"
#include "pool.h"
#include "rapi.h"
#include "sandbox.h"

#define INIT_TIMEOUT_MS		10000	/* Lambda caps init at 10 s */
#define LOG_TAIL_MAX		4096
#define BACKOFF_MAX_MS		30000
#define REGION			"us-east-1"
#define ACCOUNT			"123456789012"

enum wk_state { WS_SPAWNING, WS_IDLE, WS_BUSY, WS_RESTING, WS_DRAINING, WS_NSTATES };
enum wk_ev {
	WE_SPAWNED,	/* spawner: process started */
	WE_NEXT,	/* GET /next */
	WE_NEXT_GONE,	/* the pending /next's connection closed */
	WE_ASSIGN,	/* the pool hands the worker an invocation */
	WE_REPLY,	/* POST /response or /error for the current id */
	WE_INIT_ERROR,	/* POST /init/error */
	WE_TIMER,	/* init timeout, invocation timeout or idle timeout */
	WE_RETIRE,	/* the pool wants it gone (recycle, shutdown) */
	WE_NEVENTS
};

struct spawner {
	uv_loop_t	*loop;
	int		 fd;
	pid_t		 pid;
	uv_poll_t	 poll;
};

struct worker {
	struct pool	*pool;
	enum wk_state	 state;
	pid_t		 pid;		/* 0 until spawned */
	bool		 exited;	/* process gone */
	bool		 cold;		/* next invocation is its first */
	bool		 init_failed;
	unsigned	 ninv;		/* invocations completed */
	uint64_t	 spawn_ns;
	double		 init_ms;
	struct http_server *rapi;
	struct http_request *next_req;	/* a pending GET /next */
	struct invocation *inv;		/* the current invocation */
	char		 last_id[37];	/* the last one answered */
	int		 statusfd;	/* /proc/PID/status, or -1 */
	unsigned	 mem_mb;	/* VmHWM as last read */
	uint64_t	 mem_ns;	/* when */
	uv_timer_t	 timer;
	uv_pipe_t	 logpipe;
	bool		 log_open;
	struct buf	 logline;	/* a partial output line */
	struct buf	 tail;		/* the current invocation's log */
	int		 nhandles;	/* libuv handles still open */
	struct worker	*next, *prev;	/* p->workers */
	struct worker	*inext;		/* p->idle (LIFO) */
};

struct pool {
	uv_loop_t	*loop;
	struct spawner	*sp;
	const struct function_conf *fc;
	char		 arn[192];
	struct buf	 env;		/* NUL-separated common environment */
	size_t		 nenv;
	struct worker	*workers;
	struct worker	*idle;
	unsigned	 count[WS_NSTATES];
	struct invocation *qhead, *qtail;
	unsigned	 queued;
	unsigned	 inflight;
	uv_timer_t	 qtimer;
	uv_timer_t	 btimer;	/* min_idle refill after a backoff */
	unsigned	 fail_streak;
	uint64_t	 backoff_until_ns;
	struct pool_stats st;
	bool		 stopping;
	void		(*stop_cb)(struct pool *, void *);
	void		*stop_arg;
	int		 nhandles;
};

static void	pool_run(struct pool *p);
static void	wk_event(struct worker *w, enum wk_ev ev);
static void	wk_kill(struct worker *w);
static void	wk_release(struct worker *w);
static void	wk_set_state(struct worker *w, enum wk_state s);
static void	pool_check_stopped(struct pool *p);

/* ---- small helpers ---------------------------------------------------- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A fast PRNG (xoshiro256**), seeded once from the kernel: request ids need
 * to be unique and unguessable enough for logs, not secret keys. */
static uint64_t rng_s[4];

static uint64_t
rng_next(void)
{
	uint64_t *s = rng_s, r, t;

	if ((s[0] | s[1] | s[2] | s[3]) == 0 &&
	    getrandom(s, sizeof(rng_s), 0) != sizeof(rng_s))
		s[0] = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32, s[1] = 1;
	r = s[1] * 5;
	r = ((r << 7) | (r >> 57)) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return r;
}

static void
uuid_make(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = rng_next(), b = rng_next();
	unsigned char u[16];
	int i, k = 0;

	memcpy(u, &a, 8);
	memcpy(u + 8, &b, 8);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[u[i] >> 4];
		out[k++] = hex[u[i] & 15];
	}
	out[k] = '\0';
}

/* An X-Ray style trace id, as Lambda makes when the caller sent none. */
static char *
trace_make(uint64_t ms)
{
	char *t = malloc(80);

	if (t != NULL)
		snprintf(t, 80, "Root=1-%08" PRIx64 "-%08" PRIx64 "%016" PRIx64
		    ";Parent=%016" PRIx64 ";Sampled=0", (ms / 1000) & 0xffffffff,
		    rng_next() & 0xffffffff, rng_next(), rng_next());
	return t;
}

struct invocation *
inv_new(void)
{
	struct invocation *inv = calloc(1, sizeof(*inv));

	if (inv == NULL)
		return NULL;
	uuid_make(inv->id);
	buf_init(&inv->event);
	return inv;
}

void
inv_free(struct invocation *inv)
{
	if (inv == NULL)
		return;
	buf_free(&inv->event);
	free(inv->client_context);
	free(inv->cognito_identity);
	free(inv->trace_id);
	free(inv);
}

/* ---- finishing an invocation ------------------------------------------ */

/*
 * The one exit of an invocation: unlink it from its worker, log END and
 * REPORT when it ran, and call its door.  The door owns it afterwards.
 */
static void
inv_finish(struct invocation *inv, struct inv_result *res)
{
	struct pool *p = inv->pool;
	struct worker *w = inv->worker;

	if (w != NULL) {
		w->inv = NULL;
		snprintf(w->last_id, sizeof(w->last_id), "%s", inv->id);
		res->log_tail = w->tail.data;
		res->log_tail_len = w->tail.len;
	}
	inv->worker = NULL;
	p->inflight--;
	p->st.invocations += res->status != INV_THROTTLED;
	p->st.errors += res->status == INV_FUNC_ERROR ||
	    res->status == INV_PLATFORM_ERROR;
	p->st.throttles += res->status == INV_THROTTLED;
	inv->done(inv, res);
	if (w != NULL)
		buf_reset(&w->tail);
	pool_check_stopped(p);
}

static void
inv_fail(struct invocation *inv, enum inv_status st, const char *type,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
inv_fail(struct invocation *inv, enum inv_status st, const char *type,
    const char *fmt, ...)
{
	struct inv_result res = { .status = st, .error_type = type };
	struct buf b, msg;
	va_list ap;

	buf_init(&b);
	buf_init(&msg);
	va_start(ap, fmt);
	{
		char tmp[512];

		vsnprintf(tmp, sizeof(tmp), fmt, ap);
		buf_adds(&msg, tmp);
	}
	va_end(ap);
	buf_adds(&b, "{\"errorType\":");
	buf_json_str(&b, type, strlen(type));
	buf_adds(&b, ",\"errorMessage\":");
	buf_json_str(&b, msg.data, msg.len);
	buf_addc(&b, '}');
	res.body = b.data;
	res.body_len = b.len;
	res.content_type = "application/json";
	inv_finish(inv, &res);
	buf_free(&b);
	buf_free(&msg);
}

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
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		wk_log_feed(w, tmp, (size_t)n);
	if (w->logline.len > 0) {
		wk_log_line(w, w->logline.data, w->logline.len);
		buf_reset(&w->logline);
	}
}

/*
 * Peak resident memory of the worker in MB (VmHWM), from a /proc file kept
 * open for the worker's life.  Making that file costs the kernel some
 * microseconds, so under load it is read at most every 100 ms per worker;
 * the peak only grows, so a cached value is a lower bound of the truth.
 */
static unsigned
wk_max_memory_mb(struct worker *w)
{
	char path[64], tmp[2048], *s;
	uint64_t now = uv_hrtime();
	ssize_t n;

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
	log_fn(w->pool->fc->name, NULL, line, (size_t)n);
	wk_tail_add(w, line, (size_t)n);
	n = snprintf(line, sizeof(line), "REPORT RequestId: %s\tDuration: %.2f ms"
	    "\tBilled Duration: %.0f ms\tMemory Size: %u MB\tMax Memory Used: %u MB\t",
	    inv->id, dur, billed < 1 ? 1 : billed, w->pool->fc->memory_mb,
	    wk_max_memory_mb(w));
	if (w->cold)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    "Init Duration: %.2f ms\t", w->init_ms);
	log_fn(w->pool->fc->name, NULL, line, (size_t)n);
	wk_tail_add(w, line, (size_t)n);
	w->cold = false;
}

/* ---- the spawner client ------------------------------------------------- */

static void wk_exited(struct worker *w, int status);
static void wk_spawned(struct worker *w, pid_t pid, int err);

static void
spawner_readable(uv_poll_t *h, int status, int events)
{
	struct spawner *sp = h->data;
	struct sb_reply r;
	int rc;

	(void)events;
	if (status < 0)
		return;
	while ((rc = sb_spawner_recv(sp->fd, &r)) == 0) {
		struct worker *w = (struct worker *)(uintptr_t)r.tag;

		if (r.type == SB_SPAWNED)
			wk_spawned(w, r.pid, r.err);
		else if (r.type == SB_EXITED)
			wk_exited(w, r.status);
	}
	if (rc != -EAGAIN) {
		/* Without the spawner no worker can start or be killed. */
		log_set_buffered(0);
		log_err("spawner: %s; exiting", strerror(-rc));
		exit(1);
	}
}

int
spawner_open(uv_loop_t *loop, struct spawner **out)
{
	struct spawner *sp = calloc(1, sizeof(*sp));
	int rc;

	if (sp == NULL)
		return -ENOMEM;
	if ((rc = sb_spawner_start(&sp->fd, &sp->pid)) != 0) {
		free(sp);
		return rc;
	}
	fcntl(sp->fd, F_SETFL, fcntl(sp->fd, F_GETFL) | O_NONBLOCK);
	sp->loop = loop;
	uv_poll_init(loop, &sp->poll, sp->fd);
	sp->poll.data = sp;
	uv_poll_start(&sp->poll, UV_READABLE, spawner_readable);
	*out = sp;
	return 0;
}

static void
spawner_poll_closed(uv_handle_t *h)
{
	struct spawner *sp = h->data;

	close(sp->fd);
	free(sp);
}

void
spawner_close(struct spawner *sp)
{
	if (sp == NULL)
		return;
	/* Closing our end makes the spawner kill every worker and exit. */
	uv_close((uv_handle_t *)&sp->poll, spawner_poll_closed);
}

/* ---- spawning a worker -------------------------------------------------- */

static void
env_add(struct buf *b, size_t *n, const char *k, const char *v)
{
	buf_adds(b, k);
	buf_addc(b, '=');
	buf_adds(b, v);
	buf_addc(b, '\0');
	(*n)++;
}

/* The environment every worker of this function shares (spec §2). */
static void
pool_build_env(struct pool *p)
{
	const struct function_conf *fc = p->fc;
	char tmp[512];
	size_t i;

	buf_init(&p->env);
	p->nenv = 0;
	snprintf(tmp, sizeof(tmp), "%u", fc->memory_mb);
	env_add(&p->env, &p->nenv, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", tmp);
	env_add(&p->env, &p->nenv, "AWS_LAMBDA_FUNCTION_NAME", fc->name);
	env_add(&p->env, &p->nenv, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
	snprintf(tmp, sizeof(tmp), "/aws/lambda/%s", fc->name);
	env_add(&p->env, &p->nenv, "AWS_LAMBDA_LOG_GROUP_NAME", tmp);
	env_add(&p->env, &p->nenv, "AWS_REGION", REGION);
	env_add(&p->env, &p->nenv, "AWS_DEFAULT_REGION", REGION);
	env_add(&p->env, &p->nenv, "LAMBDA_TASK_ROOT", fc->task_root);
	env_add(&p->env, &p->nenv, "LAMBDA_RUNTIME_DIR", fc->task_root);
	env_add(&p->env, &p->nenv, "TZ", ":UTC");
	env_add(&p->env, &p->nenv, "LANG", "en_US.UTF-8");
	env_add(&p->env, &p->nenv, "PATH",
	    "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin");
	snprintf(tmp, sizeof(tmp), "/var/lang/lib:/lib64:/usr/lib64:"
	    "/var/runtime:/var/runtime/lib:%s:%s/lib:/opt/lib",
	    fc->task_root, fc->task_root);
	env_add(&p->env, &p->nenv, "LD_LIBRARY_PATH", tmp);
	for (i = 0; i < fc->nenv; i++) {
		buf_adds(&p->env, fc->env[i]);
		buf_addc(&p->env, '\0');
		p->nenv++;
	}
	/* _HANDLER unless the function's env sets it. */
	for (i = 0; i < fc->nenv; i++)
		if (strncmp(fc->env[i], "_HANDLER=", 9) == 0)
			break;
	if (i == fc->nenv)
		env_add(&p->env, &p->nenv, "_HANDLER", "handler");
}

static void
wk_timer_cb(uv_timer_t *t)
{
	wk_event(t->data, WE_TIMER);
}

static void rapi_on_request(struct http_request *req, void *arg);

static int
wk_open_rapi(struct worker *w)
{
	struct http_server_cfg cfg = {
		/* The Node client sends the whole X-Ray error cause, up to
		 * 1 MiB of JSON, as a header. */
		.max_header_size = 1100 * 1024,
		.max_body = RAPI_MAX_RESPONSE,
		.header_timeout_ms = 30000,
		.body_timeout_ms = 30000,
		.keepalive_timeout_ms = 0,	/* a pending /next never times out */
		.max_conns = 16,
		.on_request = rapi_on_request,
		.arg = w,
	};
	int rc;

	if ((w->rapi = http_server_new(w->pool->loop, &cfg)) == NULL)
		return -ENOMEM;
	if ((rc = http_server_listen(w->rapi, "127.0.0.1", 0)) != 0)
		return rc;
	return http_server_port(w->rapi);
}

static int
wk_send_spawn(struct worker *w, int port, int logfd)
{
	struct pool *p = w->pool;
	char api[64], stream[128], itype[64];
	char *envp[128], *s;
	struct sb_policy pol;
	size_t i, n = 0;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(api, sizeof(api), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", port);
	snprintf(stream, sizeof(stream), "AWS_LAMBDA_LOG_STREAM_NAME="
	    "%04d/%02d/%02d/[$LATEST]%016" PRIx64 "%016" PRIx64,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, rng_next(), rng_next());
	snprintf(itype, sizeof(itype), "AWS_LAMBDA_INITIALIZATION_TYPE=%s",
	    p->count[WS_IDLE] + p->count[WS_SPAWNING] < p->fc->min_idle ?
	    "provisioned-concurrency" : "on-demand");
	envp[n++] = api;
	envp[n++] = stream;
	envp[n++] = itype;
	for (i = 0, s = p->env.data; i < p->nenv && n < 127; i++) {
		envp[n++] = s;
		s += strlen(s) + 1;
	}
	envp[n] = NULL;
	memset(&pol, 0, sizeof(pol));
	pol.path = p->fc->bootstrap;
	pol.envp = envp;
	pol.cwd = p->fc->task_root;
	pol.memory_mb = p->fc->memory_mb;
	pol.nofile = 1024;
	pol.nproc = 0;
	pol.fsize_mb = 0;
	pol.cpu_s = 0;
	pol.seccomp = p->fc->seccomp == CONF_SECCOMP_EXEC ? SB_SECCOMP_EXEC :
	    p->fc->seccomp == CONF_SECCOMP_LOG ? SB_SECCOMP_LOG :
	    SB_SECCOMP_DEFAULT;
	return sb_spawner_spawn(p->sp->fd, (uint64_t)(uintptr_t)w, &pol, logfd,
	    NULL, 0);
}

/* Start one worker.  0 or -errno (nothing is left behind on error). */
static int
wk_spawn(struct pool *p)
{
	struct worker *w = calloc(1, sizeof(*w));
	int fds[2] = { -1, -1 }, port, rc;

	if (w == NULL)
		return -ENOMEM;
	w->pool = p;
	w->state = WS_SPAWNING;
	w->cold = true;
	w->statusfd = -1;
	buf_init(&w->logline);
	buf_init(&w->tail);
	if ((port = wk_open_rapi(w)) < 0 || pipe2(fds, O_CLOEXEC) != 0) {
		rc = port < 0 ? port : -errno;
		http_server_free(w->rapi);
		free(w);
		return rc;
	}
	if ((rc = wk_send_spawn(w, port, fds[1])) != 0) {
		close(fds[0]);
		close(fds[1]);
		http_server_free(w->rapi);
		free(w);
		return rc;
	}
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

static uint64_t
pool_backoff_ms(const struct pool *p)
{
	uint64_t ms = 100;
	unsigned i;

	for (i = 1; i < p->fail_streak && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* A worker that failed before it was ready fails the oldest queued
 * invocation, as a failed init fails the invoke that caused it on Lambda. */
static void
pool_init_failed(struct pool *p, const char *type, const char *body,
    size_t len, const char *msg)
{
	struct invocation *inv = p->qhead;

	p->fail_streak++;
	p->backoff_until_ns = uv_hrtime() + pool_backoff_ms(p) * 1000000;
	if (inv == NULL)
		return;
	p->qhead = inv->qnext;
	if (p->qhead == NULL)
		p->qtail = NULL;
	p->queued--;
	if (body != NULL) {
		struct inv_result res = {
			.status = INV_FUNC_ERROR, .error_type = type,
			.body = body, .body_len = len,
			.content_type = "application/json",
		};
		inv_finish(inv, &res);
	} else
		inv_fail(inv, INV_PLATFORM_ERROR, type, "RequestId: %s Error: %s",
		    inv->id, msg);
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
	(void)w;
	rapi_send_error(wk_cur_req, 500, "InternalServerError",
	    "worker is being retired");
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
	inv->deadline_ms = now_ms() + (uint64_t)p->fc->timeout_s * 1000;
	if (inv->trace_id == NULL)
		inv->trace_id = trace_make(inv->deadline_ms);
	if (w->cold)
		p->st.cold_starts++;
	n = snprintf(line, sizeof(line), "START RequestId: %s Version: $LATEST",
	    inv->id);
	log_fn(p->fc->name, NULL, line, (size_t)n);
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
	p->st.timeouts++;
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

static void
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
	wk_drop_next(w);
	if (w->state != WS_DRAINING)
		wk_set_state(w, WS_DRAINING);
	if (w->pid > 0 && !w->exited)
		sb_spawner_kill(w->pool->sp->fd, w->pid, SIGKILL);
}

/* ---- spawner replies ----------------------------------------------------- */

static void
wk_spawned(struct worker *w, pid_t pid, int err)
{
	struct pool *p = w->pool;

	if (err == 0) {
		w->pid = pid;
		log_debug("%s: worker %d spawned in %.2f ms", p->fc->name, (int)pid, (double)(uv_hrtime() - w->spawn_ns) / 1e6);
		if (w->state == WS_DRAINING)	/* retired while spawning */
			sb_spawner_kill(p->sp->fd, pid, SIGKILL);
		return;
	}
	log_warnx("%s: cannot start %s: %s", p->fc->name, p->fc->bootstrap,
	    strerror(-err));
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

static void
wk_exited(struct worker *w, int status)
{
	struct pool *p = w->pool;
	enum wk_state was = w->state;
	char why[160];

	w->exited = true;
	exit_reason(status, why, sizeof(why));
	wk_log_drain(w);
	if (w->inv != NULL) {
		struct invocation *inv = w->inv;

		log_fn(p->fc->name, inv->id, why, strlen(why));
		wk_log_report(w, inv);
		inv_fail(inv, INV_PLATFORM_ERROR, "Runtime.ExitError",
		    "RequestId: %s Error: %s", inv->id, why);
	} else if (was == WS_SPAWNING) {
		log_warnx("%s: worker %d died during init: %s", p->fc->name,
		    (int)w->pid, why);
		pool_init_failed(p, "Runtime.ExitError", NULL, 0, why);
	} else if (was != WS_DRAINING)
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
	if (req->too_large) {
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
	pool_rapi_request(arg, req);
}

/* ---- the pool ------------------------------------------------------------ */

static void
qtimer_cb(uv_timer_t *t)
{
	struct pool *p = t->data;
	uint64_t now = uv_hrtime(), lim = (uint64_t)p->fc->queue_timeout_s * 1000000000ull;

	while (p->qhead != NULL && now - p->qhead->enqueued_ns >= lim) {
		struct invocation *inv = p->qhead;

		p->qhead = inv->qnext;
		if (p->qhead == NULL)
			p->qtail = NULL;
		p->queued--;
		log_info("%s: %s waited %us for a worker; throttled", p->fc->name,
		    inv->id, p->fc->queue_timeout_s);
		inv_fail(inv, INV_THROTTLED, "TooManyRequestsException",
		    "Rate Exceeded.");
	}
	pool_run(p);
}

static void
btimer_cb(uv_timer_t *t)
{
	pool_run(t->data);
}

struct pool *
pool_new(uv_loop_t *loop, struct spawner *sp, const struct function_conf *fc)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->loop = loop;
	p->sp = sp;
	p->fc = fc;
	snprintf(p->arn, sizeof(p->arn), "arn:aws:lambda:%s:%s:function:%s",
	    REGION, ACCOUNT, fc->name);
	pool_build_env(p);
	uv_timer_init(loop, &p->qtimer);
	uv_timer_init(loop, &p->btimer);
	p->qtimer.data = p->btimer.data = p;
	return p;
}

void
pool_start(struct pool *p)
{
	pool_run(p);
}

/* Spawn what the queue and min_idle call for, within max_workers. */
static void
pool_grow(struct pool *p)
{
	unsigned live, want, starting;
	uint64_t now = uv_hrtime();
	int rc;

	for (;;) {
		live = p->count[WS_SPAWNING] + p->count[WS_IDLE] +
		    p->count[WS_BUSY] + p->count[WS_RESTING];
		starting = p->count[WS_SPAWNING];
		if (live >= p->fc->max_workers)
			return;
		/* Queued work wants one starting worker per queued invocation. */
		want = p->queued > starting;
		/* A resting worker is idle again as soon as its /next arrives
		 * (usually in the same write as its reply): count it. */
		if (!want && p->count[WS_IDLE] + p->count[WS_RESTING] +
		    starting < p->fc->min_idle) {
			if (now < p->backoff_until_ns) {
				uv_timer_start(&p->btimer, btimer_cb,
				    (p->backoff_until_ns - now) / 1000000 + 1, 0);
				return;
			}
			want = 1;
		}
		if (!want)
			return;
		if ((rc = wk_spawn(p)) != 0) {
			log_warnx("%s: cannot spawn a worker: %s", p->fc->name,
			    strerror(-rc));
			return;
		}
	}
}

static void
pool_run(struct pool *p)
{
	if (p->stopping)
		return;
	while (p->qhead != NULL && p->idle != NULL) {
		struct invocation *inv = p->qhead;
		struct worker *w = p->idle;

		p->qhead = inv->qnext;
		if (p->qhead == NULL)
			p->qtail = NULL;
		p->queued--;
		inv->qnext = NULL;
		inv->worker = w;
		w->inv = inv;
		wk_actions[w->state][WE_ASSIGN](w);
	}
	pool_grow(p);
	if (p->qhead != NULL) {
		uint64_t lim = (uint64_t)p->fc->queue_timeout_s * 1000;
		uint64_t waited = (uv_hrtime() - p->qhead->enqueued_ns) / 1000000;

		uv_timer_start(&p->qtimer, qtimer_cb,
		    waited >= lim ? 0 : lim - waited, 0);
	} else
		uv_timer_stop(&p->qtimer);
}

/*
 * Accept while the invocations waiting fit in what can take them soon (idle
 * workers and workers still allowed to start) plus queue_depth more that
 * must wait for a busy one.  Running invocations are bounded by max_workers.
 */
int
pool_submit(struct pool *p, struct invocation *inv)
{
	unsigned live = p->count[WS_SPAWNING] + p->count[WS_IDLE] +
	    p->count[WS_BUSY] + p->count[WS_RESTING];
	unsigned room = p->count[WS_IDLE] +
	    (live < p->fc->max_workers ? p->fc->max_workers - live : 0);

	if (p->stopping || p->queued >= p->fc->queue_depth + room) {
		if (!p->stopping)
			p->st.throttles++;
		return -EBUSY;
	}
	inv->pool = p;
	inv->qnext = NULL;
	inv->enqueued_ns = uv_hrtime();
	if (p->qtail != NULL)
		p->qtail->qnext = inv;
	else
		p->qhead = inv;
	p->qtail = inv;
	p->queued++;
	p->inflight++;
	pool_run(p);
	return 0;
}

unsigned
pool_retry_after(const struct pool *p)
{
	/* A worker frees up within one timeout at the most. */
	return p->fc->timeout_s < 1 ? 1 : p->fc->timeout_s;
}

const struct function_conf *
pool_conf(const struct pool *p)
{
	return p->fc;
}

void
pool_stats(const struct pool *p, struct pool_stats *st)
{
	*st = p->st;
	st->spawning = p->count[WS_SPAWNING];
	st->idle = p->count[WS_IDLE];
	st->busy = p->count[WS_BUSY];
	st->resting = p->count[WS_RESTING];
	st->draining = p->count[WS_DRAINING];
	st->queued = p->queued;
}

unsigned
pool_inflight(const struct pool *p)
{
	return p->inflight;
}

static void
pool_check_stopped(struct pool *p)
{
	if (!p->stopping || p->stop_cb == NULL || p->workers != NULL ||
	    p->nhandles > 0 || p->inflight > 0)
		return;
	p->stop_cb(p, p->stop_arg);
	p->stop_cb = NULL;
}

void
pool_shutdown(struct pool *p, void (*cb)(struct pool *, void *), void *arg)
{
	struct worker *w, *next;

	p->stopping = true;
	p->stop_cb = cb;
	p->stop_arg = arg;
	uv_timer_stop(&p->qtimer);
	uv_timer_stop(&p->btimer);
	while (p->qhead != NULL) {
		struct invocation *inv = p->qhead;

		p->qhead = inv->qnext;
		p->queued--;
		inv_fail(inv, INV_THROTTLED, "ServiceException",
		    "lambdad is shutting down");
	}
	p->qtail = NULL;
	for (w = p->workers; w != NULL; w = next) {
		next = w->next;
		if (w->state != WS_DRAINING)
			wk_event(w, WE_RETIRE);
	}
	pool_check_stopped(p);
}

static void
pool_timer_closed(uv_handle_t *h)
{
	struct pool *p = h->data;

	if (--p->nhandles == 0) {
		buf_free(&p->env);
		free(p);
	}
}

void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	p->nhandles = 2;
	uv_close((uv_handle_t *)&p->qtimer, pool_timer_closed);
	uv_close((uv_handle_t *)&p->btimer, pool_timer_closed);
}
