/*
 * Unit tests for gateway/store/store.c, on a real libuv loop and a real
 * database file: writes and reads see each other in order, a failing job
 * is rolled back alone inside its group, queued writes share commits (at
 * most STORE_GROUP_MAX a group), every done runs once on the loop thread,
 * readers do not wait for the writer, close drains the queues, reopening
 * sees the data, and a writer SIGKILLed mid-stream loses no write it had
 * acknowledged.
 *
 * To put jobs into one group on purpose, a "gate" write job holds the
 * writer (it says it started, then waits) while the test queues more.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "store/store.h"
#include "tmpdir.h"

#define SCHEMA "CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v TEXT);"

struct tst {
	uv_loop_t	 loop;
	struct store	*s;
	char		 dir[PATH_MAX], path[PATH_MAX + 16];
	int		 closed;
	pthread_t	 main_thr;
};

/* One job: inserts (k, 'v<k>') when a write, counts rows when a read. */
struct job {
	struct tst	*t;
	long		 k;
	int		 ret;		/* what fn returns */
	int		 rc;		/* what done got */
	int		 ndone;
	int		 order;		/* rank among done calls */
	long		 count;		/* a read's result */
	bool		 on_loop;	/* done ran on the test's thread */
	int		 chain;		/* write more from done, this many */
};

static int done_seq;

static void
tst_open_cfg(struct tst *t, const struct store_cfg *cfg)
{
	char err[512] = "";

	cr_assert_eq(store_open(&t->loop, cfg, &t->s, err, sizeof(err)), 0,
	    "store_open: %s", err);
	cr_assert_not_null(t->s);
}

static void
tst_open(struct tst *t, bool sync_full, unsigned nreaders)
{
	struct store_cfg cfg = {
		.sync_full = sync_full, .nreaders = nreaders, .schema = SCHEMA,
	};

	memset(t, 0, sizeof(*t));
	cr_assert_eq(uv_loop_init(&t->loop), 0);
	tmpdir_make("test_store", t->dir);
	snprintf(t->path, sizeof(t->path), "%s/s.db", t->dir);
	t->main_thr = pthread_self();
	cfg.path = t->path;
	tst_open_cfg(t, &cfg);
}

static void
tst_closed(void *arg)
{
	struct tst *t = arg;

	t->closed++;
}

/* Close the store, run the loop until nothing is left on it. */
static void
tst_close(struct tst *t)
{
	store_close(t->s, tst_closed, t);
	cr_assert_eq(uv_run(&t->loop, UV_RUN_DEFAULT), 0);
	cr_assert_eq(t->closed, 1, "close cb ran %d times", t->closed);
	t->s = NULL;
	t->closed = 0;
}

static void
tst_done_all(struct tst *t)
{
	tst_close(t);
	cr_assert_eq(uv_loop_close(&t->loop), 0, "handles left on the loop");
	tmpdir_remove(t->dir);
}

/* Rows in the file, read with a connection of the test's own. */
static long
tst_rows(const struct tst *t, const char *where)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char sql[256];
	long n = -1;

	cr_assert_eq(sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM t %s", where);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int
sql_insert(sqlite3 *db, long k, const char *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO t(k, v) VALUES (?, ?)", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, k);
	sqlite3_bind_text(st, 2, v, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static long
sql_count(sqlite3 *db)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* ---- jobs ---------------------------------------------------------------- */

static int
job_insert(sqlite3 *db, void *arg)
{
	struct job *j = arg;
	char v[32];

	snprintf(v, sizeof(v), "v%ld", j->k);
	if (sql_insert(db, j->k, v) != 0)
		return -1;
	return j->ret;	/* the row is in: non-zero must roll it back */
}

static int
job_count(sqlite3 *db, void *arg)
{
	struct job *j = arg;

	j->count = sql_count(db);
	return j->count < 0 ? -1 : j->ret;
}

/* Ends the transaction under the store's feet, as a buggy job could. */
static int
job_rollback(sqlite3 *db, void *arg)
{
	(void)arg;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return 0;
}

static void
job_done(void *arg, int rc)
{
	struct job *j = arg;

	j->rc = rc;
	j->ndone++;
	j->order = done_seq++;
	j->on_loop = pthread_equal(pthread_self(), j->t->main_thr);
	if (j->chain > 0) {
		j[1].t = j->t;
		j[1].k = j->k + 1;
		j[1].chain = j->chain - 1;
		cr_assert_eq(store_write(j->t->s, job_insert, job_done, &j[1]),
		    0);
	}
}

struct gate {
	sem_t		 started, go;
	bool		 timed_out;
	int		 ndone, rc, order;
};

static int
job_gate(sqlite3 *db, void *arg)
{
	struct gate *g = arg;
	struct timespec ts;

	(void)db;
	sem_post(&g->started);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	while (sem_timedwait(&g->go, &ts) != 0)
		if (errno != EINTR) {
			g->timed_out = true;
			break;
		}
	return 0;
}

static void
gate_done(void *arg, int rc)
{
	struct gate *g = arg;

	g->ndone++;
	g->rc = rc;
	g->order = done_seq++;
}

/* Queue the gate and wait until the writer is inside it. */
static void
gate_hold(struct tst *t, struct gate *g)
{
	memset(g, 0, sizeof(*g));
	sem_init(&g->started, 0, 0);
	sem_init(&g->go, 0, 0);
	cr_assert_eq(store_write(t->s, job_gate, gate_done, g), 0);
	cr_assert_eq(sem_wait(&g->started), 0);
}

static void
gate_free(struct gate *g)
{
	cr_expect(!g->timed_out, "the gate was never opened");
	cr_expect_eq(g->ndone, 1);
	sem_destroy(&g->started);
	sem_destroy(&g->go);
}

/* ---- order and visibility ---------------------------------------------- */

Test(store, writes_then_reads_in_order)
{
	struct tst t;
	struct job w[10] = { 0 }, r = { 0 };
	int i;

	tst_open(&t, true, 2);
	done_seq = 0;
	for (i = 0; i < 10; i++) {
		w[i].t = &t;
		w[i].k = i;
		cr_assert_eq(store_write(t.s, job_insert, job_done, &w[i]), 0);
	}
	cr_expect_eq(store_pending(t.s), 10);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	cr_expect_eq(store_pending(t.s), 0);
	for (i = 0; i < 10; i++) {
		cr_expect_eq(w[i].ndone, 1, "write %d: done %d times", i,
		    w[i].ndone);
		cr_expect_eq(w[i].rc, 0, "write %d: rc %d", i, w[i].rc);
		cr_expect_eq(w[i].order, i, "write %d done as %d", i,
		    w[i].order);
		cr_expect(w[i].on_loop, "write %d: done off the loop", i);
	}
	/* A read submitted after the writes' done sees all of them. */
	r.t = &t;
	cr_assert_eq(store_read(t.s, job_count, job_done, &r), 0);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	cr_expect_eq(r.ndone, 1);
	cr_expect_eq(r.rc, 0);
	cr_expect_eq(r.count, 10, "the read saw %ld rows", r.count);
	cr_expect(r.on_loop);
	tst_done_all(&t);
}

Test(store, write_from_done_callback)
{
	struct tst t;
	struct job w[21] = { 0 };
	int i;

	tst_open(&t, false, 1);
	w[0].t = &t;
	w[0].chain = 20;
	cr_assert_eq(store_write(t.s, job_insert, job_done, &w[0]), 0);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	for (i = 0; i < 21; i++)
		cr_expect_eq(w[i].ndone, 1, "job %d: done %d times", i,
		    w[i].ndone);
	tst_close(&t);
	cr_expect_eq(tst_rows(&t, ""), 21);
	cr_assert_eq(uv_loop_close(&t.loop), 0);
	tmpdir_remove(t.dir);
}

/* ---- groups ----------------------------------------------------------------- */

Test(store, failing_job_rolled_back_alone)
{
	struct tst t;
	struct gate g;
	struct job w[3] = { { .k = 1 }, { .k = 2, .ret = 7 }, { .k = 3 } };
	unsigned long long commits, writes;
	int i;

	tst_open(&t, true, 1);
	gate_hold(&t, &g);
	for (i = 0; i < 3; i++) {
		w[i].t = &t;
		cr_assert_eq(store_write(t.s, job_insert, job_done, &w[i]), 0);
	}
	sem_post(&g.go);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	gate_free(&g);
	cr_expect_eq(w[0].rc, 0);
	cr_expect_eq(w[1].rc, 7, "the failing job's rc: %d", w[1].rc);
	cr_expect_eq(w[2].rc, 0);
	store_stats(t.s, &commits, &writes);
	/* The gate's group, then the three together. */
	cr_expect_eq(commits, 2, "%llu commits", commits);
	cr_expect_eq(writes, 4, "%llu writes", writes);
	tst_close(&t);
	cr_expect_eq(tst_rows(&t, "WHERE k IN (1, 3)"), 2);
	cr_expect_eq(tst_rows(&t, "WHERE k = 2"), 0, "job 2 was committed");
	cr_assert_eq(uv_loop_close(&t.loop), 0);
	tmpdir_remove(t.dir);
}

Test(store, queued_writes_share_commits)
{
	enum { N = 600 };
	struct tst t;
	struct gate g;
	struct job *w = calloc(N, sizeof(*w));
	unsigned long long commits, writes;
	int i;

	cr_assert_not_null(w);
	tst_open(&t, true, 1);
	gate_hold(&t, &g);
	for (i = 0; i < N; i++) {
		w[i].t = &t;
		w[i].k = i;
		cr_assert_eq(store_write(t.s, job_insert, job_done, &w[i]), 0);
	}
	cr_expect_eq(store_pending(t.s), N + 1);
	sem_post(&g.go);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	gate_free(&g);
	for (i = 0; i < N; i++)
		cr_expect(w[i].ndone == 1 && w[i].rc == 0,
		    "job %d: done %d times, rc %d", i, w[i].ndone, w[i].rc);
	store_stats(t.s, &commits, &writes);
	/* The gate, then 600 in groups of at most STORE_GROUP_MAX. */
	cr_expect_eq(commits, 1 + (N + STORE_GROUP_MAX - 1) / STORE_GROUP_MAX,
	    "%llu commits", commits);
	cr_expect_eq(writes, N + 1);
	tst_close(&t);
	cr_expect_eq(tst_rows(&t, ""), N);
	free(w);
	cr_assert_eq(uv_loop_close(&t.loop), 0);
	tmpdir_remove(t.dir);
}

/* Without a gate: a burst from the loop still groups. */
Test(store, burst_has_fewer_commits_than_writes)
{
	enum { N = 2000 };
	struct tst t;
	struct job *w = calloc(N, sizeof(*w));
	unsigned long long commits, writes;
	int i;

	cr_assert_not_null(w);
	tst_open(&t, true, 1);
	for (i = 0; i < N; i++) {
		w[i].t = &t;
		w[i].k = i;
		cr_assert_eq(store_write(t.s, job_insert, job_done, &w[i]), 0);
	}
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	store_stats(t.s, &commits, &writes);
	cr_expect_eq(writes, N);
	cr_expect_lt(commits, writes, "%llu commits for %llu writes",
	    commits, writes);
	for (i = 0; i < N; i++)
		cr_expect_eq(w[i].ndone, 1, "job %d: %d", i, w[i].ndone);
	free(w);
	tst_done_all(&t);
}

/* A job that ends the transaction itself: the jobs before it in the group
 * lost their changes and must not hear 0; the jobs after it commit. */
Test(store, broken_transaction_fails_its_jobs)
{
	struct tst t;
	struct gate g;
	struct job a = { .k = 1 }, x = { 0 }, c = { .k = 3 };

	tst_open(&t, true, 1);
	a.t = x.t = c.t = &t;
	gate_hold(&t, &g);
	cr_assert_eq(store_write(t.s, job_insert, job_done, &a), 0);
	cr_assert_eq(store_write(t.s, job_rollback, job_done, &x), 0);
	cr_assert_eq(store_write(t.s, job_insert, job_done, &c), 0);
	sem_post(&g.go);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	gate_free(&g);
	cr_expect_eq(a.rc, STORE_ECOMMIT, "a: %d", a.rc);
	cr_expect_eq(x.rc, STORE_ECOMMIT, "x: %d", x.rc);
	cr_expect_eq(c.rc, 0, "c: %d", c.rc);
	tst_close(&t);
	cr_expect_eq(tst_rows(&t, "WHERE k = 1"), 0);
	cr_expect_eq(tst_rows(&t, "WHERE k = 3"), 1);
	cr_assert_eq(uv_loop_close(&t.loop), 0);
	tmpdir_remove(t.dir);
}

/* ---- readers ----------------------------------------------------------------- */

/* A read that lets the held writer go on only from its done callback. */
struct rgate {
	struct job	 r;
	struct gate	*g;
};

static void
rgate_done(void *arg, int rc)
{
	struct rgate *rg = arg;

	job_done(&rg->r, rc);
	sem_post(&rg->g->go);	/* only now may the writer go on */
}

static int
rgate_count(sqlite3 *db, void *arg)
{
	struct rgate *rg = arg;

	return job_count(db, &rg->r);
}

Test(store, reads_do_not_wait_for_the_writer)
{
	struct tst t;
	struct gate g;
	struct job w = { .k = 1 };
	struct rgate rg = { .g = &g };

	tst_open(&t, true, 2);
	done_seq = 0;
	w.t = rg.r.t = &t;
	cr_assert_eq(store_write(t.s, job_insert, job_done, &w), 0);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	gate_hold(&t, &g);
	cr_assert_eq(store_read(t.s, rgate_count, rgate_done, &rg), 0);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	gate_free(&g);
	cr_expect_eq(rg.r.ndone, 1);
	cr_expect_eq(rg.r.count, 1, "the read saw %ld rows", rg.r.count);
	cr_expect_lt(rg.r.order, g.order, "the read finished after the "
	    "writer's job (%d, %d)", rg.r.order, g.order);
	tst_done_all(&t);
}

/* ---- closing and reopening ----------------------------------------------- */

Test(store, close_runs_every_queued_job)
{
	enum { N = 50 };
	struct tst t;
	struct gate g;
	struct job w[N] = { 0 }, r[N] = { 0 }, late = { 0 };
	struct store_cfg cfg = { .nreaders = 1, .schema = SCHEMA };
	int i;

	tst_open(&t, true, 3);
	gate_hold(&t, &g);
	for (i = 0; i < N; i++) {
		w[i].t = r[i].t = &t;
		w[i].k = i;
		cr_assert_eq(store_write(t.s, job_insert, job_done, &w[i]), 0);
		cr_assert_eq(store_read(t.s, job_count, job_done, &r[i]), 0);
	}
	store_close(t.s, tst_closed, &t);
	cr_expect_eq(store_write(t.s, job_insert, job_done, &late),
	    STORE_ECLOSED);
	cr_expect_eq(store_read(t.s, job_count, job_done, &late),
	    STORE_ECLOSED);
	sem_post(&g.go);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	cr_expect_eq(t.closed, 1);
	t.closed = 0;
	gate_free(&g);
	cr_expect_eq(late.ndone, 0);
	for (i = 0; i < N; i++) {
		cr_expect(w[i].ndone == 1 && w[i].rc == 0,
		    "write %d: done %d, rc %d", i, w[i].ndone, w[i].rc);
		cr_expect(r[i].ndone == 1 && r[i].rc == 0,
		    "read %d: done %d, rc %d", i, r[i].ndone, r[i].rc);
	}
	/* The last connection's close checkpointed the WAL away. */
	cr_expect_eq(access(t.path, F_OK), 0);
	cr_expect_neq(access(strcat(strcpy((char[PATH_MAX + 32]){ 0 },
	    t.path), "-wal"), F_OK), 0, "the WAL is still there");
	/* Reopened: the data and the schema are there. */
	cfg.path = t.path;
	tst_open_cfg(&t, &cfg);
	memset(&r[0], 0, sizeof(r[0]));
	r[0].t = &t;
	cr_assert_eq(store_read(t.s, job_count, job_done, &r[0]), 0);
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	cr_expect_eq(r[0].count, N, "after reopening: %ld rows", r[0].count);
	tst_done_all(&t);
}

Test(store, close_null_and_twice)
{
	struct tst t = { 0 };

	store_close(NULL, tst_closed, &t);	/* cb at once */
	cr_expect_eq(t.closed, 1);
	store_close(NULL, NULL, NULL);
	cr_expect_eq(store_pending(NULL), 0);
	tst_open(&t, false, 1);
	store_close(t.s, tst_closed, &t);
	store_close(t.s, tst_closed, &t);	/* ignored */
	cr_assert_eq(uv_run(&t.loop, UV_RUN_DEFAULT), 0);
	cr_expect_eq(t.closed, 1);
	cr_assert_eq(uv_loop_close(&t.loop), 0);
	tmpdir_remove(t.dir);
}

/* ---- errors at open ----------------------------------------------------------- */

static void
open_fails(const char *path, const char *schema, const char *want)
{
	struct store_cfg cfg = { .path = path, .nreaders = 1,
	    .schema = schema };
	uv_loop_t loop;
	struct store *s = (struct store *)&loop;
	char err[512] = "";

	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_expect_eq(store_open(&loop, &cfg, &s, err, sizeof(err)), -1);
	cr_expect_null(s);
	cr_expect(strstr(err, path) == err, "%s: err: %s", path, err);
	cr_expect_not_null(strstr(err, want), "%s: err: %s", path, err);
	cr_expect_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

static int
refuse_open(sqlite3 *db, bool writer, void *arg)
{
	int *n = arg;

	(*n)++;
	return writer ? 0 : sqlite3_exec(db, "SELECT nope", NULL, NULL, NULL);
}

Test(store, open_errors)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], err[512];
	struct store_cfg cfg = { .nreaders = 2 };
	uv_loop_t loop;
	struct store *s;
	int calls = 0;
	FILE *f;

	tmpdir_make("test_store", dir);
	snprintf(path, sizeof(path), "%s/no/such/dir.db", dir);
	open_fails(path, NULL, "SQLite says");
	snprintf(path, sizeof(path), "%s/bad.db", dir);
	open_fails(path, "CREATE TABLE (", "SQLite says");
	snprintf(path, sizeof(path), "%s/junk.db", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	for (int i = 0; i < 1000; i++)
		fputs("this is not a database ", f);
	fclose(f);
	open_fails(path, NULL, "not a database");
	/* on_open runs on every connection; a refusal is an open error. */
	snprintf(path, sizeof(path), "%s/hook.db", dir);
	cfg.path = path;
	cfg.on_open = refuse_open;
	cfg.on_open_arg = &calls;
	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_expect_eq(store_open(&loop, &cfg, &s, err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "no such column"), "err: %s", err);
	cr_expect_eq(calls, 2, "on_open ran %d times", calls);
	cr_expect_eq(uv_loop_close(&loop), 0);
	tmpdir_remove(dir);
}

/* ---- a crash -------------------------------------------------------------------- */

#define CRASH_FLIGHT	16

struct crash {
	struct store	*s;
	int		 fd;
	long		 next;
	long		 k[CRASH_FLIGHT];
};

static int
crash_insert(sqlite3 *db, void *arg)
{
	long *k = arg;
	char v[201];

	memset(v, 'a' + (int)(*k % 26), 200);
	v[200] = '\0';
	return sql_insert(db, *k, v);
}

static struct crash crash;

/* Acknowledge (only now, the COMMIT has returned), then write the next. */
static void
crash_done(void *arg, int rc)
{
	long *k = arg;

	if (rc != 0)
		_exit(3);
	if (write(crash.fd, k, sizeof(*k)) != (ssize_t)sizeof(*k))
		_exit(4);
	*k = crash.next++;
	if (store_write(crash.s, crash_insert, crash_done, k) != 0)
		_exit(5);
}

static void
crash_child(const char *path, int fd)
{
	struct store_cfg cfg = { .path = path, .sync_full = true,
	    .nreaders = 1, .schema = SCHEMA };
	uv_loop_t loop;
	char err[512];
	int i;

	uv_loop_init(&loop);
	if (store_open(&loop, &cfg, &crash.s, err, sizeof(err)) != 0)
		_exit(2);
	crash.fd = fd;
	for (i = 0; i < CRASH_FLIGHT; i++) {
		crash.k[i] = crash.next++;
		store_write(crash.s, crash_insert, crash_done, &crash.k[i]);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	_exit(6);
}

static void
check_integrity(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
	    NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_expect_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

Test(store, acknowledged_writes_survive_sigkill, .timeout = 60)
{
	struct tst t;
	long k, acked = 0, *got = NULL;
	size_t ngot = 0, cap = 0;
	int p[2], status;
	pid_t pid;
	ssize_t n;

	tst_open(&t, true, 1);
	tst_close(&t);		/* the file exists; the child writes it */
	cr_assert_eq(pipe(p), 0);
	cr_assert_geq(pid = fork(), 0);
	if (pid == 0) {
		close(p[0]);
		crash_child(t.path, p[1]);
	}
	close(p[1]);
	/* Let a few thousand acknowledgements through, then kill it. */
	while ((n = read(p[0], &k, sizeof(k))) == (ssize_t)sizeof(k)) {
		if (ngot == cap) {
			cap = cap ? cap * 2 : 1024;
			cr_assert_not_null(got = realloc(got, cap * sizeof(*got)));
		}
		got[ngot++] = k;
		if (++acked == 3000)
			kill(pid, SIGKILL);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "the child ended otherwise (status %#x)", status);
	cr_assert_geq(ngot, 3000);
	check_integrity(t.path);
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		size_t i, missing = 0;

		cr_assert_eq(sqlite3_open_v2(t.path, &db,
		    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		cr_assert_eq(sqlite3_prepare_v2(db, "SELECT length(v) FROM t "
		    "WHERE k = ?", -1, &st, NULL), SQLITE_OK);
		for (i = 0; i < ngot; i++) {
			sqlite3_bind_int64(st, 1, got[i]);
			if (sqlite3_step(st) != SQLITE_ROW ||
			    sqlite3_column_int(st, 0) != 200)
				missing++;
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
		cr_expect_eq(missing, 0, "%zu of %zu acknowledged rows lost",
		    missing, ngot);
	}
	free(got);
	close(p[0]);
	cr_assert_eq(uv_loop_close(&t.loop), 0);
	tmpdir_remove(t.dir);
}

/* ---- stmt.c: statements kept per thread ------------------------------------ */

static int
nstmts(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int n = 0;

	while ((st = sqlite3_next_stmt(db, st)) != NULL)
		n++;
	return n;
}

Test(stmt, kept_on_the_attached_connection_only)
{
	sqlite3 *db, *other;
	sqlite3_stmt *a, *b, *c;
	char sql[64];
	int i;

	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	cr_assert_eq(sqlite3_open(":memory:", &other), SQLITE_OK);
	store_stmt_attach(db);

	cr_assert_eq(store_stmt(db, "SELECT ?1 + 1", &a), SQLITE_OK);
	cr_assert_eq(sqlite3_bind_int(a, 1, 41), SQLITE_OK);
	cr_assert_eq(sqlite3_step(a), SQLITE_ROW);
	cr_expect_eq(sqlite3_column_int(a, 0), 42);
	/* Asked again while busy: a statement of its own. */
	cr_assert_eq(store_stmt(db, "SELECT ?1 + 1", &b), SQLITE_OK);
	cr_expect_neq(a, b, "a nested use gets its own statement");
	store_stmt_done(b);
	store_stmt_done(a);
	/* Given back: the same statement, reset, its bindings cleared. */
	cr_assert_eq(store_stmt(db, "SELECT ?1 + 1", &c), SQLITE_OK);
	cr_expect(c == a || c == b, "kept for the next use");
	cr_assert_eq(sqlite3_step(c), SQLITE_ROW);
	cr_expect_eq(sqlite3_column_type(c, 0), SQLITE_NULL,
	    "bindings were cleared (NULL + 1 is NULL)");
	store_stmt_done(c);
	cr_expect_eq(nstmts(db), 2);

	/* More texts than slots: the cache stays bounded. */
	for (i = 0; i < 200; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		cr_assert_eq(store_stmt(db, sql, &a), SQLITE_OK);
		cr_assert_eq(sqlite3_step(a), SQLITE_ROW);
		cr_expect_eq(sqlite3_column_int(a, 0), i, "the text's own plan");
		store_stmt_done(a);
	}
	cr_expect_leq(nstmts(db), 48, "at most 48 kept, %d", nstmts(db));

	/* Another connection: prepared and finalized as usual. */
	cr_assert_eq(store_stmt(other, "SELECT 1", &a), SQLITE_OK);
	store_stmt_done(a);
	cr_expect_eq(nstmts(other), 0, "nothing kept on another connection");
	cr_expect_neq(store_stmt(db, "SELEC 1", &a), SQLITE_OK,
	    "a syntax error is SQLite's");
	cr_expect_null(a);

	store_stmt_detach();
	cr_expect_eq(nstmts(db), 0, "detach finalizes what was kept");
	cr_expect_eq(sqlite3_close(db), SQLITE_OK);
	cr_expect_eq(sqlite3_close(other), SQLITE_OK);
}
