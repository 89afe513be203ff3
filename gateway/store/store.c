/*
 * store: SQLite off the event loop (store.h).
 *
 * Threads: one writer and cfg->nreaders readers, each owning one
 * connection (opened NOMUTEX: a connection is only ever used by its
 * thread).  Two queues, each a list under its own mutex and condvar: the
 * writer's and the one the readers share.  Finished jobs go onto one
 * completion list and one uv_async_t wakes the loop, which runs the done
 * callbacks in the order the jobs finished.  The loop holds a store mutex
 * only to push or pop list nodes: it never waits on SQLite.
 *
 * The writer takes every job queued when it wakes (up to STORE_GROUP_MAX)
 * and runs them as one transaction, each job inside its own SAVEPOINT, so
 * one COMMIT (one fsync of the WAL under synchronous=FULL) acknowledges
 * them all.  Nothing reaches the completion list before that COMMIT has
 * returned.
 *
 * Loop-only state (pending, closing, finished) needs no lock; what the
 * threads share with the loop is behind the queue or completion mutexes,
 * and the counters of store_stats are atomics.
 *
 * Closing: store_close marks both queues closing and wakes the threads;
 * each drains its queue, closes its own connection (the writer last, once
 * every reader has, so its sqlite3_close is the one that checkpoints the
 * WAL, off the loop) and says so on the completion list.  The async
 * callback, once every thread has said so, joins them (they are at their
 * return by then), closes the async handle and, from its close callback,
 * frees the store and calls the caller's cb.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define STORE_WRITER_BUSY_MS	5000	/* another process holding the lock */
#define STORE_READER_BUSY_MS	1000	/* WAL recovery after a crash only */
#define STORE_WRITER_CACHE	"-16384"	/* KiB: 16 MiB */
#define STORE_READER_CACHE	"-8192"

struct store_job {
	struct store_job	*next;
	store_job_fn		 fn;
	store_done_fn		 done;
	void			*arg;
	int			 rc;
};

/* A FIFO of jobs under its own lock; closing is set under that lock. */
struct store_queue {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct store_job	*head, *tail;
	bool			 closing;
};

struct store_thread {
	struct store		*s;
	sqlite3			*db;
	pthread_t		 tid;
	bool			 writer;
	bool			 started;
};

struct store {
	uv_loop_t		*loop;
	uv_async_t		 async;

	struct store_queue	 wq;		/* the writer's */
	struct store_queue	 rq;		/* shared by the readers */

	/* Completion list, and which threads are finished (under dmu). */
	pthread_mutex_t		 dmu;
	pthread_cond_t		 dcv;		/* a reader finished */
	struct store_job	*dhead, *dtail;
	unsigned		 readers_exited;
	bool			 writer_exited;

	struct store_thread	 writer;
	struct store_thread	*readers;
	unsigned		 nreaders;	/* with a thread running */
	unsigned		 nconn;		/* reader connections opened */

	atomic_ullong		 commits, writes;
	char			 werr[160];	/* the last write failure (dmu) */

	/* Loop only. */
	unsigned		 pending;
	bool			 closing, finished;
	void			(*close_cb)(void *);
	void			*close_arg;
};

/* ---- queues ------------------------------------------------------------ */

static int
store_queue_init(struct store_queue *q)
{
	if (pthread_mutex_init(&q->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&q->cv, NULL) != 0) {
		pthread_mutex_destroy(&q->mu);
		return -1;
	}
	return 0;
}

static void
store_queue_destroy(struct store_queue *q)
{
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
}

static void
store_queue_push(struct store_queue *q, struct store_job *j)
{
	pthread_mutex_lock(&q->mu);
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	pthread_mutex_unlock(&q->mu);
	/* After the unlock: the woken thread does not wait for our mutex. */
	pthread_cond_signal(&q->cv);
}

/*
 * Wait for work and take up to max jobs, oldest first.  0 once the queue
 * is closing and empty: the thread's cue to stop.
 */
static unsigned
store_queue_take(struct store_queue *q, struct store_job **out, unsigned max)
{
	unsigned n = 0;

	pthread_mutex_lock(&q->mu);
	while (q->head == NULL && !q->closing)
		pthread_cond_wait(&q->cv, &q->mu);
	while (q->head != NULL && n < max) {
		out[n] = q->head;
		q->head = q->head->next;
		out[n++]->next = NULL;
	}
	if (q->head == NULL)
		q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return n;
}

static void
store_queue_close(struct store_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closing = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Hand finished jobs (in order) to the loop. */
static void
store_complete(struct store *s, struct store_job **jobs, unsigned n)
{
	unsigned i;

	pthread_mutex_lock(&s->dmu);
	for (i = 0; i < n; i++) {
		if (s->dtail != NULL)
			s->dtail->next = jobs[i];
		else
			s->dhead = jobs[i];
		s->dtail = jobs[i];
	}
	pthread_mutex_unlock(&s->dmu);
	uv_async_send(&s->async);
}

/* ---- the writer: group commit -------------------------------------------- */

static int
store_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* One statement without results (BEGIN, COMMIT, SAVEPOINT ...), prepared
 * once per thread: the jobs' framing costs no parsing. */
static int
store_exec1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(db, sql, &st) != SQLITE_OK || st == NULL)
		return -1;
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * One job in its savepoint.  The job's rc is kept; a savepoint that
 * cannot be made or released makes it STORE_ECOMMIT.  -1 when the
 * transaction is no longer usable: gone (SQLite rolls the whole
 * transaction back on some errors, SQLITE_FULL or an I/O error, and a
 * job may have ended it itself) or a ROLLBACK TO that failed, so the
 * job's changes would otherwise be committed.
 */
static int
store_write_one(sqlite3 *db, struct store_job *j)
{
	if (store_exec1(db, "SAVEPOINT store_job") != 0) {
		j->rc = STORE_ECOMMIT;
		return sqlite3_get_autocommit(db) ? -1 : 0;
	}
	j->rc = j->fn(db, j->arg);
	if (sqlite3_get_autocommit(db))
		return -1;
	if (j->rc == 0 && store_exec1(db, "RELEASE store_job") == 0)
		return 0;
	if (j->rc == 0)
		j->rc = STORE_ECOMMIT;
	if (store_exec1(db, "ROLLBACK TO store_job") != 0 ||
	    store_exec1(db, "RELEASE store_job") != 0)
		return -1;
	return 0;
}

/* Every job of a segment whose transaction did not commit. */
static void
store_fail(struct store_job **jobs, unsigned from, unsigned to)
{
	while (from < to)
		jobs[from++]->rc = STORE_ECOMMIT;
}

static void
store_abandon(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		(void)store_exec1(db, "ROLLBACK");
}

/* Keep SQLite's word for a failed write ("database or disk is full") for
 * the loop to log: the writer thread cannot use the logger. */
static void
store_note(struct store *s, sqlite3 *db)
{
	pthread_mutex_lock(&s->dmu);
	snprintf(s->werr, sizeof(s->werr), "%s", sqlite3_errmsg(db));
	pthread_mutex_unlock(&s->dmu);
}

/*
 * COMMIT jobs [from, to); on failure they all get STORE_ECOMMIT.  Every
 * job of a committed transaction counts as written, a refused one too:
 * writes / commits is the jobs each fsync covered.
 */
static void
store_commit(struct store *s, sqlite3 *db, struct store_job **jobs,
    unsigned from, unsigned to)
{
	if (store_exec1(db, "COMMIT") != 0) {
		store_note(s, db);
		store_abandon(db);
		store_fail(jobs, from, to);
		return;
	}
	atomic_fetch_add(&s->commits, 1);
	atomic_fetch_add(&s->writes, to - from);
}

/*
 * Run a group as one transaction.  Should it break half-way (see
 * store_write_one), the jobs run so far in it are lost and get
 * STORE_ECOMMIT, and the rest go on in a new transaction: one job that
 * fills the disk does not take every later job with it.
 */
static void
store_group_run(struct store *s, sqlite3 *db, struct store_job **jobs,
    unsigned n)
{
	unsigned i, first = 0;
	bool open = false;

	for (i = 0; i < n; i++) {
		if (!open) {
			if (store_exec1(db, "BEGIN IMMEDIATE") != 0) {
				store_note(s, db);
				store_abandon(db);
				jobs[i]->rc = STORE_ECOMMIT;
				continue;
			}
			open = true;
			first = i;
		}
		if (store_write_one(db, jobs[i]) != 0) {
			store_note(s, db);
			store_abandon(db);
			store_fail(jobs, first, i + 1);
			open = false;
		} else if (jobs[i]->rc == STORE_ECOMMIT)
			store_note(s, db);
	}
	if (open)
		store_commit(s, db, jobs, first, n);
}

/* ---- thread bodies --------------------------------------------------------- */

/*
 * Statements a connection's on_open prepared and kept: nobody else can
 * finalize them now, and sqlite3_close refuses to close over them.
 */
static void
store_db_close(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (db == NULL)
		return;
	while ((st = sqlite3_next_stmt(db, NULL)) != NULL)
		sqlite3_finalize(st);
	sqlite3_close(db);
}

static void *
store_writer_main(void *arg)
{
	struct store_thread *t = arg;
	struct store *s = t->s;
	struct store_job *group[STORE_GROUP_MAX];
	unsigned n;

	store_stmt_attach(t->db);
	while ((n = store_queue_take(&s->wq, group, STORE_GROUP_MAX)) > 0) {
		store_group_run(s, t->db, group, n);
		store_complete(s, group, n);
	}
	/* Last to close: SQLite checkpoints the WAL into the database and
	 * removes it when the last connection closes. */
	pthread_mutex_lock(&s->dmu);
	while (s->readers_exited < s->nreaders)
		pthread_cond_wait(&s->dcv, &s->dmu);
	pthread_mutex_unlock(&s->dmu);
	store_stmt_detach();
	store_db_close(t->db);
	t->db = NULL;
	pthread_mutex_lock(&s->dmu);
	s->writer_exited = true;
	pthread_mutex_unlock(&s->dmu);
	uv_async_send(&s->async);
	return NULL;
}

/*
 * A reader takes up to this many queued jobs per wake-up and hands them
 * back together: one wake-up of the reader and one of the loop for the
 * lot, instead of one each.  Small, so the other readers still get work
 * and a batch's first reply does not wait long for its last.
 */
#define STORE_READ_BATCH	4

/* A read transaction: one snapshot for the whole job. */
static void
store_read_one(sqlite3 *db, struct store_job *j)
{
	if (store_exec1(db, "BEGIN") != 0) {
		j->rc = STORE_ECOMMIT;
		return;
	}
	j->rc = j->fn(db, j->arg);
	/* A job's result stands whatever ending the snapshot says. */
	if (!sqlite3_get_autocommit(db) && store_exec1(db, "COMMIT") != 0)
		store_abandon(db);
}

static void *
store_reader_main(void *arg)
{
	struct store_thread *t = arg;
	struct store *s = t->s;
	struct store_job *j[STORE_READ_BATCH];
	unsigned i, n;

	store_stmt_attach(t->db);
	while ((n = store_queue_take(&s->rq, j, STORE_READ_BATCH)) > 0) {
		for (i = 0; i < n; i++)
			store_read_one(t->db, j[i]);
		store_complete(s, j, n);
	}
	store_stmt_detach();
	store_db_close(t->db);
	t->db = NULL;
	pthread_mutex_lock(&s->dmu);
	s->readers_exited++;
	pthread_cond_signal(&s->dcv);
	pthread_mutex_unlock(&s->dmu);
	uv_async_send(&s->async);
	return NULL;
}

/* ---- the loop side ----------------------------------------------------------- */

/* The async handle keeps the loop alive while there is work or a close. */
static void
store_hold(struct store *s)
{
	if (s->pending > 0 || s->closing)
		uv_ref((uv_handle_t *)&s->async);
	else
		uv_unref((uv_handle_t *)&s->async);
}

static void
store_free(struct store *s)
{
	store_queue_destroy(&s->wq);
	store_queue_destroy(&s->rq);
	pthread_cond_destroy(&s->dcv);
	pthread_mutex_destroy(&s->dmu);
	free(s->readers);
	free(s);
}

static void
store_async_closed(uv_handle_t *h)
{
	struct store *s = h->data;
	void (*cb)(void *) = s->close_cb;
	void *arg = s->close_arg;

	store_free(s);
	if (cb != NULL)
		cb(arg);
}

/* Every thread has returned or is about to: join them and go. */
static void
store_finish(struct store *s)
{
	unsigned i;

	s->finished = true;
	if (s->writer.started)
		pthread_join(s->writer.tid, NULL);
	for (i = 0; i < s->nreaders; i++)
		pthread_join(s->readers[i].tid, NULL);
	for (i = s->nreaders; i < s->nconn; i++)
		store_db_close(s->readers[i].db);
	store_db_close(s->writer.db);	/* only if its thread never ran */
	uv_close((uv_handle_t *)&s->async, store_async_closed);
}

static void
store_async(uv_async_t *a)
{
	struct store *s = a->data;
	struct store_job *j, *next;
	bool all_exited;

	pthread_mutex_lock(&s->dmu);
	j = s->dhead;
	s->dhead = s->dtail = NULL;
	/* Read with the list: a thread's last jobs are on it before it
	 * says it is finished. */
	all_exited = s->writer_exited && s->readers_exited == s->nreaders;
	pthread_mutex_unlock(&s->dmu);
	for (; j != NULL; j = next) {
		next = j->next;
		s->pending--;
		j->done(j->arg, j->rc);
		free(j);
	}
	if (s->closing && all_exited && !s->finished)
		store_finish(s);
	else if (!s->finished)
		store_hold(s);
}

static int
store_submit(struct store *s, struct store_queue *q, store_job_fn fn,
    store_done_fn done, void *arg)
{
	struct store_job *j;

	if (s == NULL || s->closing)
		return STORE_ECLOSED;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->fn = fn;
	j->done = done;
	j->arg = arg;
	if (s->pending++ == 0)
		store_hold(s);
	store_queue_push(q, j);
	return 0;
}

int
store_write(struct store *s, store_job_fn fn, store_done_fn done, void *arg)
{
	return store_submit(s, s != NULL ? &s->wq : NULL, fn, done, arg);
}

int
store_read(struct store *s, store_job_fn fn, store_done_fn done, void *arg)
{
	return store_submit(s, s != NULL ? &s->rq : NULL, fn, done, arg);
}

unsigned
store_pending(const struct store *s)
{
	return s != NULL ? s->pending : 0;
}

void
store_last_error(struct store *s, char *out, size_t n)
{
	pthread_mutex_lock(&s->dmu);
	snprintf(out, n, "%s", s->werr[0] != '\0' ? s->werr : "unknown");
	pthread_mutex_unlock(&s->dmu);
}

void
store_stats(const struct store *s, unsigned long long *commits,
    unsigned long long *writes)
{
	struct store *w = (struct store *)s;	/* atomic_load wants it so */

	if (commits != NULL)
		*commits = s != NULL ? atomic_load(&w->commits) : 0;
	if (writes != NULL)
		*writes = s != NULL ? atomic_load(&w->writes) : 0;
}

/*
 * A second call is ignored (the first cb stands).  store_close(NULL)
 * calls cb at once, so a caller's shutdown path need not special-case a
 * store that never opened.
 */
void
store_close(struct store *s, void (*cb)(void *arg), void *arg)
{
	if (s == NULL) {
		if (cb != NULL)
			cb(arg);
		return;
	}
	if (s->closing)
		return;
	s->closing = true;
	s->close_cb = cb;
	s->close_arg = arg;
	store_hold(s);
	store_queue_close(&s->wq);
	store_queue_close(&s->rq);
}

/* ---- opening --------------------------------------------------------------- */

static int
store_sqlerr(sqlite3 *db, const char *path, const char *what, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "%s: SQLite says %s%s", path,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory", what);
	return -1;
}

/* PRAGMA journal_mode answers with the mode in force: check it took. */
static int
store_wal(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const char *mode;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK)
		return store_sqlerr(db, path, "", err, errlen);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_sqlerr(db, path, "", err, errlen);
	} else if ((mode = (const char *)sqlite3_column_text(st, 0)) == NULL ||
	    strcmp(mode, "wal") != 0) {
		snprintf(err, errlen, "%s: SQLite would not use a WAL "
		    "(journal_mode is %s)", path, mode != NULL ? mode : "?");
	} else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

static int
store_pragmas(sqlite3 *db, const struct store_cfg *cfg, bool writer,
    char *err, size_t errlen)
{
	char sql[256];

	sqlite3_busy_timeout(db, writer ? STORE_WRITER_BUSY_MS :
	    STORE_READER_BUSY_MS);
	if (store_wal(db, cfg->path, err, errlen) != 0)
		return -1;
	snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s;"
	    "PRAGMA foreign_keys=OFF;PRAGMA cache_size=%s",
	    cfg->sync_full ? "FULL" : "NORMAL",
	    writer ? STORE_WRITER_CACHE : STORE_READER_CACHE);
	if (store_exec(db, sql) != 0)
		return store_sqlerr(db, cfg->path, "", err, errlen);
	return 0;
}

static int
store_schema(sqlite3 *db, const struct store_cfg *cfg, char *err,
    size_t errlen)
{
	if (cfg->schema == NULL)
		return 0;
	if (store_exec(db, "BEGIN IMMEDIATE") != 0 ||
	    store_exec(db, cfg->schema) != 0) {
		store_sqlerr(db, cfg->path, " (in the schema)", err, errlen);
		store_abandon(db);
		return -1;
	}
	if (store_exec(db, "COMMIT") != 0) {
		store_sqlerr(db, cfg->path, " (committing the schema)", err,
		    errlen);
		store_abandon(db);
		return -1;
	}
	return 0;
}

/* One connection, set up; the writer's also creates the file and schema. */
static int
store_conn(const struct store_cfg *cfg, bool writer, sqlite3 **out,
    char *err, size_t errlen)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (writer ? SQLITE_OPEN_CREATE : 0);
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(cfg->path, &db, flags, NULL) != SQLITE_OK) {
		store_sqlerr(db, cfg->path, "", err, errlen);
		goto fail;
	}
	if (store_pragmas(db, cfg, writer, err, errlen) != 0 ||
	    (writer && store_schema(db, cfg, err, errlen) != 0))
		goto fail;
	if (cfg->on_open != NULL &&
	    cfg->on_open(db, writer, cfg->on_open_arg) != 0) {
		store_sqlerr(db, cfg->path, " (setting up the connection)",
		    err, errlen);
		goto fail;
	}
	*out = db;
	return 0;
fail:
	store_db_close(db);
	return -1;
}

static int
store_conns(struct store *s, const struct store_cfg *cfg, char *err,
    size_t errlen)
{
	unsigned i;

	if (store_conn(cfg, true, &s->writer.db, err, errlen) != 0)
		return -1;
	for (i = 0; i < cfg->nreaders; i++) {
		if (store_conn(cfg, false, &s->readers[i].db, err,
		    errlen) != 0)
			return -1;
		s->nconn++;
	}
	return 0;
}

/* 0 or an errno. */
static int
store_spawn(struct store_thread *t, void *(*main_fn)(void *),
    const char *name)
{
	int rc;

	if ((rc = pthread_create(&t->tid, NULL, main_fn, t)) != 0)
		return rc;
	pthread_setname_np(t->tid, name);
	t->started = true;
	return 0;
}

/*
 * The threads block every signal: the loop's thread is the one that gets
 * them (libuv's signal watchers, SIGCHLD for the workers).  0 or an errno.
 */
static int
store_threads(struct store *s, unsigned nreaders)
{
	sigset_t all, old;
	char name[16];
	int rc = 0;
	unsigned i;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = store_spawn(&s->writer, store_writer_main, "store-w");
	for (i = 0; rc == 0 && i < nreaders; i++) {
		s->readers[i].s = s;
		snprintf(name, sizeof(name), "store-r%u", i % 1000);
		if ((rc = store_spawn(&s->readers[i], store_reader_main,
		    name)) == 0)
			s->nreaders++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static struct store *
store_alloc(unsigned nreaders)
{
	struct store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->readers = calloc(nreaders, sizeof(*s->readers))) == NULL)
		goto fail_s;
	if (store_queue_init(&s->wq) != 0)
		goto fail_r;
	if (store_queue_init(&s->rq) != 0)
		goto fail_wq;
	if (pthread_mutex_init(&s->dmu, NULL) != 0)
		goto fail_rq;
	if (pthread_cond_init(&s->dcv, NULL) != 0)
		goto fail_dmu;
	atomic_init(&s->commits, 0);
	atomic_init(&s->writes, 0);
	s->writer.s = s;
	s->writer.writer = true;
	return s;
fail_dmu:
	pthread_mutex_destroy(&s->dmu);
fail_rq:
	store_queue_destroy(&s->rq);
fail_wq:
	store_queue_destroy(&s->wq);
fail_r:
	free(s->readers);
fail_s:
	free(s);
	return NULL;
}

/* Close what store_conns opened, when no thread was started. */
static void
store_unopen(struct store *s)
{
	unsigned i;

	for (i = 0; i < s->nconn; i++)
		store_db_close(s->readers[i].db);
	store_db_close(s->writer.db);
	store_free(s);
}

/*
 * Threads that did start are stopped and joined here (their queues are
 * empty, so that is quick); the store is freed once the async handle is
 * closed.
 */
static void
store_abort_threads(struct store *s)
{
	unsigned i;

	store_queue_close(&s->wq);
	store_queue_close(&s->rq);
	if (s->writer.started)
		pthread_join(s->writer.tid, NULL);
	for (i = 0; i < s->nreaders; i++)
		pthread_join(s->readers[i].tid, NULL);
	if (!s->writer.started)
		store_db_close(s->writer.db);
	for (i = s->nreaders; i < s->nconn; i++)
		store_db_close(s->readers[i].db);
	s->close_cb = NULL;
	uv_close((uv_handle_t *)&s->async, store_async_closed);
}

int
store_open(uv_loop_t *loop, const struct store_cfg *cfg, struct store **out,
    char *err, size_t errlen)
{
	struct store *s;
	int rc;

	*out = NULL;
	if (cfg->path == NULL || cfg->nreaders < 1) {
		snprintf(err, errlen, "%s: a store needs a path and a reader",
		    cfg->path != NULL ? cfg->path : "(no path)");
		return -1;
	}
	if (!sqlite3_threadsafe()) {
		snprintf(err, errlen, "%s: this SQLite is built without "
		    "thread support", cfg->path);
		return -1;
	}
	if ((s = store_alloc(cfg->nreaders)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", cfg->path);
		return -1;
	}
	s->loop = loop;
	if (store_conns(s, cfg, err, errlen) != 0) {
		store_unopen(s);
		return -1;
	}
	if (uv_async_init(loop, &s->async, store_async) != 0) {
		snprintf(err, errlen, "%s: uv_async_init failed", cfg->path);
		store_unopen(s);
		return -1;
	}
	s->async.data = s;
	uv_unref((uv_handle_t *)&s->async);
	if ((rc = store_threads(s, cfg->nreaders)) != 0) {
		snprintf(err, errlen, "%s: cannot start the store's threads: "
		    "%s", cfg->path, strerror(rc));
		store_abort_threads(s);
		return -1;
	}
	*out = s;
	return 0;
}
