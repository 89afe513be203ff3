/*
 * pool: per function, the bounded queue in front of the workers, when to
 * start more, and struct invocation's one way out (inv_finish).  The
 * workers themselves, their state machine and their Runtime API live in
 * worker.c.  See pool.h for the model.
 *
 * Invariants:
 *   - an invocation is in exactly one place: the queue, a worker (w->invs),
 *     or finished (its done callback has run and it is no longer ours);
 *   - inv_finish() is the only way an invocation leaves the pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "pool_int.h"
#include "stream.h"
#include "rapi.h"
#include "sandbox.h"
#include "uuid.h"

/* ---- small helpers ---------------------------------------------------- */

uint64_t
pool_epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A fast PRNG (xoshiro256**), seeded once from the kernel: request ids need
 * to be unique and unguessable enough for logs, not secret keys. */
static uint64_t rng_s[4];

uint64_t
pool_random(void)
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

/* A request id: the pool's fast generator, not a syscall per call. */
static void
uuid_make(char out[37])
{
	uint64_t a = pool_random(), b = pool_random();
	unsigned char u[16];

	memcpy(u, &a, 8);
	memcpy(u + 8, &b, 8);
	uuid_format(out, u);
}

/* An X-Ray style trace id, as Lambda makes when the caller sent none. */
char *
inv_trace_make(uint64_t ms)
{
	char *t = malloc(80);

	if (t != NULL)
		snprintf(t, 80, "Root=1-%08" PRIx64 "-%08" PRIx64 "%016" PRIx64
		    ";Parent=%016" PRIx64 ";Sampled=0", (ms / 1000) & 0xffffffff,
		    pool_random() & 0xffffffff, pool_random(), pool_random());
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
	buf_init(&inv->tail);
	return inv;
}

void
inv_free(struct invocation *inv)
{
	if (inv == NULL)
		return;
	buf_free(&inv->event);
	buf_free(&inv->tail);
	free(inv->client_context);
	free(inv->cognito_identity);
	free(inv->trace_id);
	free(inv);
}

/* ---- finishing an invocation ------------------------------------------ */

/* inv_finish hands these to metrics.c as they are. */
_Static_assert((int)INV_OK == (int)METRICS_OK &&
    (int)INV_VIA_HTTP == (int)METRICS_DOOR_HTTP &&
    (int)INV_FUNC_ERROR == (int)METRICS_FUNC_ERROR &&
    (int)INV_PLATFORM_ERROR == (int)METRICS_PLATFORM_ERROR &&
    (int)INV_THROTTLED == (int)METRICS_THROTTLED &&
    (int)INV_VIA_INVOKE == (int)METRICS_DOOR_INVOKE &&
    (int)INV_VIA_EVENT == (int)METRICS_DOOR_EVENT, "enums out of step");

/*
 * The one exit of an invocation: unlink it from its worker, log END and
 * REPORT when it ran, and call its door.  The door owns it afterwards.
 */
void
inv_finish(struct invocation *inv, struct inv_result *res)
{
	struct pool *p = inv->pool;
	bool ran = inv->start_ns != 0;

	if (inv->worker != NULL)
		wk_inv_detach(inv->worker, inv);
	if (inv->stream != NULL) {	/* cut short: the door ends it */
		rapi_stream_detach(inv);
		res->streamed = true;
	}
	if (ran) {
		res->log_tail = inv->tail.data;
		res->log_tail_len = inv->tail.len;
	}
	p->inflight--;
	metrics_inv_done(p->metrics, (enum metrics_door)inv->via,
	    (enum metrics_outcome)res->status, res->error_type,
	    ran ? uv_hrtime() - inv->start_ns : 0);
	inv->done(inv, res);
	pool_check_stopped(p);
}

void
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

/* ---- the spawner client ------------------------------------------------- */

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
			wk_spawned(w, r.pid, r.err, r.fd);
		else if (r.type == SB_LISTENING)
			wk_listening(w, r.fd, r.port, r.err);
		else if (r.type == SB_EXITED)
			wk_exited(w, r.status, r.sys_nr, r.sys_foreign);
	}
	if (rc != -EAGAIN) {
		/* Without the spawner no worker can start or be killed. */
		log_set_buffered(0);
		log_err("spawner: %s; exiting", strerror(-rc));
		exit(1);
	}
}

/*
 * Say once, at start-up, which layers of the jail this machine gives us:
 * a layer the kernel or our privileges refuse is left out of every spawn,
 * and the operator should know that from the log, not from an attack.
 */
static void
spawner_report(struct spawner *sp)
{
	char rep[512], *line, *save = NULL;
	struct passwd *pw;

	sp->avail = sb_probe_layers(rep, sizeof(rep));
	for (line = strtok_r(rep, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *how = strchr(line, ':');

		if (how == NULL)
			continue;
		*how++ = '\0';
		if (strstr(how, "unavailable") == NULL)
			log_info("jail: %s namespace:%s", line, how);
		else
			log_warnx("jail: %s namespace:%s; left out", line, how);
	}
	sp->root = geteuid() == 0;
	sp->def_uid = sp->def_gid = 65534;
	if ((pw = getpwnam("nobody")) != NULL) {
		sp->def_uid = pw->pw_uid;
		sp->def_gid = pw->pw_gid;
	}
	if (sp->root)
		log_info("jail: uid: workers drop to their function's uid "
		    "(worker_uids) or to nobody's");
	log_info("jail: endpoint: network = none: inside the function's "
	    "netns; otherwise admitted per connection by the peer's uid");
	if (!sp->root) {
		log_warnx("jail: uid: not started as root; workers keep uid %d "
		    "(inside a user namespace where the kernel allows one), "
		    "so host-network endpoints admit any process of that uid",
		    (int)getuid());
		if (sp->avail & SB_NS_NET)
			log_warnx("jail: net: a function's own network namespace "
			    "needs root; network = none runs on the host's "
			    "loopback, its endpoint checked per connection");
		sp->avail &= ~SB_NS_NET;
	}
}

int
spawner_open(uv_loop_t *loop, struct spawner **out)
{
	struct spawner *sp = calloc(1, sizeof(*sp));
	int rc;

	if (sp == NULL)
		return -ENOMEM;
	spawner_report(sp);
	if ((rc = sb_spawner_start(&sp->fd, &sp->pid)) != 0) {
		free(sp);
		return rc;
	}
	fcntl(sp->fd, F_SETFL, fcntl(sp->fd, F_GETFL) | O_NONBLOCK);
	/* Every worker drops root (pool_jail_decide): make the spawner hold
	 * us to it before we read any request. */
	if (sp->root && (rc = sb_spawner_lock(sp->fd)) != 0) {
		close(sp->fd);
		free(sp);
		return rc;
	}
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

static bool
pool_env_has(const struct function_conf *fc, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < fc->nenv; i++)
		if (strncmp(fc->env[i], name, n) == 0 && fc->env[i][n] == '=')
			return true;
	return false;
}

/*
 * With tables = or buckets =, the SDKs must sign their calls to Tables
 * and Buckets (they refuse to send unsigned ones), and the endpoint
 * checks no signature: any credentials do, so these are fixed
 * placeholders, not secrets.  A function's own env wins.  The endpoint itself is per worker (worker.c).
 */
static void
pool_tables_env(struct pool *p)
{
	if (p->fc->ntables == 0 && p->fc->nbuckets == 0)
		return;
	if (!pool_env_has(p->fc, "AWS_ACCESS_KEY_ID"))
		env_add(&p->env, &p->nenv, "AWS_ACCESS_KEY_ID", "lambdad");
	if (!pool_env_has(p->fc, "AWS_SECRET_ACCESS_KEY"))
		env_add(&p->env, &p->nenv, "AWS_SECRET_ACCESS_KEY",
		    "lambdad-local");
}

/* The environment every worker of this function shares (spec §2). */
static void
pool_build_env(struct pool *p)
{
	const struct function_conf *fc = p->fc;
	const char *opt = p->opt[0] != '\0' ? p->opt : "/opt";
	char tmp[3 * 4096 + 256];
	size_t i;

	/* A published version's section is named NAME:N (conf.h). */
	const char *colon = strchr(fc->name, ':');
	char name[CONF_NAME_MAX + 1];

	snprintf(name, sizeof(name), "%.*s", colon != NULL ?
	    (int)(colon - fc->name) : CONF_NAME_MAX, fc->name);
	buf_init(&p->env);
	p->nenv = 0;
	snprintf(tmp, sizeof(tmp), "%u", fc->memory_mb);
	env_add(&p->env, &p->nenv, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", tmp);
	env_add(&p->env, &p->nenv, "AWS_LAMBDA_FUNCTION_NAME", name);
	env_add(&p->env, &p->nenv, "AWS_LAMBDA_FUNCTION_VERSION",
	    pool_version(p));
	snprintf(tmp, sizeof(tmp), "/aws/lambda/%s", name);
	env_add(&p->env, &p->nenv, "AWS_LAMBDA_LOG_GROUP_NAME", tmp);
	env_add(&p->env, &p->nenv, "AWS_REGION", REGION);
	env_add(&p->env, &p->nenv, "AWS_DEFAULT_REGION", REGION);
	env_add(&p->env, &p->nenv, "LAMBDA_TASK_ROOT", fc->task_root);
	env_add(&p->env, &p->nenv, "LAMBDA_RUNTIME_DIR", fc->task_root);
	env_add(&p->env, &p->nenv, "TZ", ":UTC");
	env_add(&p->env, &p->nenv, "LANG", "en_US.UTF-8");
	snprintf(tmp, sizeof(tmp), "/var/lang/bin:/usr/local/bin:/usr/bin/:"
	    "/bin:%s/bin", opt);
	env_add(&p->env, &p->nenv, "PATH", tmp);
	snprintf(tmp, sizeof(tmp), "/var/lang/lib:/lib64:/usr/lib64:"
	    "/var/runtime:/var/runtime/lib:%s:%s/lib:%s/lib",
	    fc->task_root, fc->task_root, opt);
	env_add(&p->env, &p->nenv, "LD_LIBRARY_PATH", tmp);
	/* Layers with no mount namespace to put them on /opt: say where. */
	if (p->opt[0] != '\0' && strcmp(p->opt, "/opt") != 0)
		env_add(&p->env, &p->nenv, "LAMBDAD_OPT", p->opt);
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
	/* Runtimes that know it (aws-lambda-go, liblambda, Lambda Managed
	 * Instances' own) then hold that many /next at once. */
	if (fc->max_concurrency > 1) {
		snprintf(tmp, sizeof(tmp), "%u", fc->max_concurrency);
		env_add(&p->env, &p->nenv, "AWS_LAMBDA_MAX_CONCURRENCY", tmp);
	}
	pool_tables_env(p);
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
void
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

/*
 * The jail of this function's workers, decided once.  full: the namespaces
 * this machine allows (pid, mount, and with network = none the function's
 * own netns, where its workers' endpoints are made too), and when root a
 * uid of the function's own (worker_uids) or nobody's.  basic: rlimits,
 * seccomp and the uid drop.  none: only the uid drop (when root).
 */
static void
pool_jail_decide(struct pool *p)
{
	const struct function_conf *fc = p->fc;
	struct spawner *sp = p->sp;

	if (sp == NULL)
		return;		/* a pool that never spawns (unit tests) */
	/* Even sandbox = none: the spawner runs nothing as root. */
	if (sp->root) {
		p->uid = fc->worker_uid != 0 ? fc->worker_uid : sp->def_uid;
		p->gid = fc->worker_uid != 0 ? fc->worker_uid : sp->def_gid;
		log_info("%s: workers run as uid %d, gid %d", fc->name,
		    (int)p->uid, (int)p->gid);
	}
	if (fc->sandbox != CONF_SANDBOX_FULL)
		return;
	p->ns = SB_NS_PID | SB_NS_MOUNT;
	if (fc->network == CONF_NETWORK_NONE && (sp->avail & SB_NS_NET)) {
		p->ns |= SB_NS_NET;
		p->netns_key = ++sp->next_netns;
	}
}

/*
 * opt = DIR goes on /opt in the mount namespace; with none (sandbox =
 * basic or none, a kernel that refuses it, no /opt to mount on) the
 * workers get DIR itself, and LAMBDAD_OPT says where it is.
 */
static void
pool_opt_decide(struct pool *p)
{
	const struct function_conf *fc = p->fc;
	struct stat st;

	if (fc->opt_dir == NULL)
		return;
	/* Unprivileged, a mount namespace needs a user namespace too
	 * (sb_jail_prepare). */
	if ((p->ns & SB_NS_MOUNT) && p->sp != NULL &&
	    (p->sp->avail & SB_NS_MOUNT) && (p->sp->root ||
	    (p->sp->avail & SB_NS_USER)) && stat("/opt", &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		snprintf(p->opt, sizeof(p->opt), "/opt");
		return;
	}
	snprintf(p->opt, sizeof(p->opt), "%s", fc->opt_dir);
	if (p->sp != NULL)
		log_warnx("%s: no mount namespace to put its layers on /opt: "
		    "they are at %s (LAMBDAD_OPT), on PATH and LD_LIBRARY_PATH",
		    fc->name, fc->opt_dir);
}

/*
 * What a worker runs: the bootstrap; or, when it was not there at load
 * and the function has layers, theirs ($opt/bootstrap), as Lambda's
 * provided runtimes do.
 */
static const char *
pool_bootstrap(const struct pool *p, char *buf, size_t size)
{
	const struct function_conf *fc = p->fc;

	if (p->opt[0] == '\0' || fc->boot_ino != 0 || fc->boot_dev != 0)
		return fc->bootstrap;
	snprintf(buf, size, "%s/bootstrap", p->opt);
	return buf;
}

/* The sandbox settings of a worker of p, as pool_jail_decide chose. */
void
pool_policy(const struct pool *p, struct sb_policy *pol, char *boot,
    size_t size)
{
	const struct function_conf *fc = p->fc;

	pol->path = pool_bootstrap(p, boot, size);
	pol->opt_dir = strcmp(p->opt, "/opt") == 0 ? fc->opt_dir : NULL;
	pol->cwd = fc->task_root;
	pol->uid = p->uid;
	pol->gid = p->gid;
	if (fc->sandbox == CONF_SANDBOX_NONE) {
		pol->seccomp = SB_SECCOMP_NONE;
		return;
	}
	pol->memory_mb = fc->memory_mb;
	pol->nofile = 1024;
	/* RLIMIT_NPROC counts every process and thread of the uid: only
	 * meaningful for a uid of the function's own; shared by all functions
	 * (nobody), a few busy runtimes would starve every other spawn. */
	pol->nproc = p->uid != 0 && fc->worker_uid != 0 ? fc->pids : 0;
	pol->fsize_mb = fc->tmp_mb;
	pol->cpu_s = 0;		/* the invocation timeout kills first */
	pol->seccomp = fc->seccomp == CONF_SECCOMP_EXEC ? SB_SECCOMP_EXEC :
	    fc->seccomp == CONF_SECCOMP_LOG ? SB_SECCOMP_LOG :
	    SB_SECCOMP_DEFAULT;
	pol->ns = p->ns;
	pol->netns_key = p->netns_key;
	pol->tmp_mb = fc->tmp_mb;
	/* The others' directories, covered in the mount namespace. */
	pol->hide = (p->ns & SB_NS_MOUNT) && fc->others != NULL &&
	    fc->others[0] != NULL ? (char *const *)fc->others : NULL;
	/* Used where the daemon found a delegated cgroup v2 subtree. */
	pol->cgroup = fc->name;
	pol->pids = fc->pids;
	pol->cpu_pct = fc->cpu_pct;
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
	pool_jail_decide(p);
	pool_opt_decide(p);
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
		/* Queued work wants one starting worker per max_concurrency
		 * queued invocations. */
		want = p->queued > starting * pool_maxc(p);
		/* A resting worker is idle again as soon as its /next arrives
		 * (usually in the same write as its reply): count it. */
		if (!want && !p->draining && p->count[WS_IDLE] +
		    p->count[WS_RESTING] + starting < p->fc->min_idle) {
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

/* A draining pool lets workers go as soon as nothing waits for them. */
static void
pool_drain_idle(struct pool *p)
{
	if (p->qhead != NULL || p->draining_now)
		return;
	p->draining_now = true;		/* wk_event calls pool_run again */
	for (;;) {
		struct worker *w = p->ready;

		/* Not one still running invocations (max_concurrency > 1). */
		while (w != NULL && w->state != WS_IDLE)
			w = w->rnext;
		if (w == NULL)
			break;
		wk_event(w, WE_RETIRE);
	}
	p->draining_now = false;
}

void
pool_run(struct pool *p)
{
	if (p->stopping)
		return;
	while (p->qhead != NULL && p->ready != NULL) {
		struct invocation *inv = p->qhead;

		p->qhead = inv->qnext;
		if (p->qhead == NULL)
			p->qtail = NULL;
		p->queued--;
		inv->qnext = NULL;
		wk_assign(p->ready, inv);
	}
	pool_grow(p);
	if (p->draining)
		pool_drain_idle(p);
	if (p->qhead != NULL) {
		uint64_t lim = (uint64_t)p->fc->queue_timeout_s * 1000;
		uint64_t waited = (uv_hrtime() - p->qhead->enqueued_ns) / 1000000;

		uv_timer_start(&p->qtimer, qtimer_cb,
		    waited >= lim ? 0 : lim - waited, 0);
	} else
		uv_timer_stop(&p->qtimer);
}

/*
 * Accept while the invocations waiting fit in what can take them soon (the
 * pending /next of ready workers, and max_concurrency for each worker still
 * allowed to start) plus queue_depth more that must wait for a busy one.
 * Running invocations are bounded by max_workers * max_concurrency.
 */
int
pool_submit(struct pool *p, struct invocation *inv)
{
	unsigned live = p->count[WS_SPAWNING] + p->count[WS_IDLE] +
	    p->count[WS_BUSY] + p->count[WS_RESTING];
	unsigned room = p->slots + (live < p->fc->max_workers ?
	    (p->fc->max_workers - live) * pool_maxc(p) : 0);

	if (p->stopping || p->draining ||
	    p->queued >= p->fc->queue_depth + room) {
		if (!p->stopping && !p->draining)
			metrics_throttle(p->metrics);
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

/* A pool of NAME:N runs version N (the control plane's); any other, $LATEST. */
const char *
pool_version(const struct pool *p)
{
	const char *c = strchr(p->fc->name, ':');

	return c != NULL ? c + 1 : "$LATEST";
}

struct metrics_gauge *
pool_gauges(struct pool *const *pools, size_t n)
{
	struct metrics_gauge *g = n > 0 ? calloc(n, sizeof(*g)) : NULL;
	size_t i;

	for (i = 0; g != NULL && i < n; i++) {
		g[i].name = pools[i]->fc->name;
		g[i].spawning = pools[i]->count[WS_SPAWNING];
		g[i].idle = pools[i]->count[WS_IDLE];
		g[i].busy = pools[i]->count[WS_BUSY];
		g[i].resting = pools[i]->count[WS_RESTING];
		g[i].draining = pools[i]->count[WS_DRAINING];
		g[i].queued = pools[i]->queued;
	}
	return g;
}

void
pool_stats(const struct pool *p, struct pool_stats *st)
{
	struct metrics_counts c;

	memset(st, 0, sizeof(*st));
	metrics_fn_counts(p->metrics, &c);
	st->invocations = c.invocations;
	st->errors = c.errors;
	st->throttles = c.throttles;
	st->timeouts = c.timeouts;
	st->cold_starts = c.cold_starts;
	st->spawning = p->count[WS_SPAWNING];
	st->idle = p->count[WS_IDLE];
	st->busy = p->count[WS_BUSY];
	st->resting = p->count[WS_RESTING];
	st->draining = p->count[WS_DRAINING];
	st->queued = p->queued;
}

void
pool_set_metrics(struct pool *p, struct metrics_fn *m)
{
	p->metrics = m;
}

struct metrics_fn *
pool_metrics(const struct pool *p)
{
	return p->metrics;
}

void
pool_check_stopped(struct pool *p)
{
	if ((!p->stopping && !p->draining) || p->stop_cb == NULL ||
	    p->workers != NULL ||
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

void
pool_drain(struct pool *p, void (*cb)(struct pool *, void *), void *arg)
{
	p->draining = true;
	p->stop_cb = cb;
	p->stop_arg = arg;
	uv_timer_stop(&p->btimer);
	pool_run(p);
	pool_check_stopped(p);
}

void
pool_prewarm(struct pool *p)
{
	int rc;

	if (p->count[WS_SPAWNING] + p->count[WS_IDLE] > 0 ||
	    p->fc->max_workers == 0)
		return;
	if ((rc = wk_spawn(p)) != 0)
		log_warnx("%s: cannot spawn a worker: %s", p->fc->name,
		    strerror(-rc));
}

void
pool_set_conf(struct pool *p, const struct function_conf *fc)
{
	p->fc = fc;
}

bool
pool_is_draining(const struct pool *p)
{
	return p->draining;
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
	/* Its netns goes with the last worker and listener still in it. */
	if (p->netns_key != 0)
		(void)sb_spawner_netns_drop(p->sp->fd, p->netns_key);
	p->nhandles = 2;
	uv_close((uv_handle_t *)&p->qtimer, pool_timer_closed);
	uv_close((uv_handle_t *)&p->btimer, pool_timer_closed);
}

