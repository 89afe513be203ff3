/*
 * store: one SQLite database used from the event loop without the loop
 * ever waiting on the disk or a lock.  Shared by the stores (Tables now,
 * Buckets' metadata later).
 *
 * A store has one writer thread and a few reader threads, each with its
 * own connection to the same file in WAL mode.  Work is a function that
 * runs on one of those threads with that thread's connection; its
 * completion callback runs later on the loop (through one uv_async_t).
 *
 *   - store_write: jobs queued while the writer is busy are committed
 *     together (group commit): BEGIN IMMEDIATE, then for each job a
 *     SAVEPOINT, the job, and RELEASE (or ROLLBACK TO when the job returns
 *     non-zero, so a refused request changes nothing), then one COMMIT,
 *     whose fsync (synchronous=FULL) covers them all.  Each job's done
 *     callback runs only after that COMMIT returned: an acknowledged write
 *     is durable.  If the COMMIT fails, every job of the group gets
 *     STORE_ECOMMIT.  At most STORE_GROUP_MAX jobs go into one group.
 *   - store_read: runs in a read transaction (BEGIN ... COMMIT) on a
 *     reader connection: a consistent snapshot that never waits for the
 *     writer and sees every write whose done callback has run.
 *
 * The job function must not touch the loop or anything the loop owns
 * without its own locking; it gets its arg and hands results back through
 * it.  rc, as returned by the job (0 for success), is passed to done.
 */
#ifndef LAMBDAD_STORE_H
#define LAMBDAD_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>
#include <uv.h>

#include "stmt.h"

struct store;

/* Runs on a store thread.  0 = success; anything else rolls the job back
 * (writes) and is handed to done as is. */
typedef int (*store_job_fn)(sqlite3 *db, void *arg);
/* Runs on the loop once the job is finished (and, for writes, durable). */
typedef void (*store_done_fn)(void *arg, int rc);

#define STORE_ECOMMIT	(-100000)	/* the group's COMMIT failed */
#define STORE_ECLOSED	(-100001)	/* submitted after store_close */
#define STORE_GROUP_MAX	256

struct store_cfg {
	const char	*path;		/* the database file; made if missing */
	bool		 sync_full;	/* synchronous=FULL (else NORMAL) */
	unsigned	 nreaders;	/* reader threads, >= 1 */
	/* Run once on the writer's connection at open, in one transaction
	 * (CREATE TABLE IF NOT EXISTS ...).  May be NULL. */
	const char	*schema;
	/* Called once on every connection after it is opened (register
	 * functions, prepare statements kept in *conn_data).  May be NULL. */
	int		(*on_open)(sqlite3 *db, bool writer, void *arg);
	void		*on_open_arg;
};

/* Open the file and start the threads.  0, or -1 with a sentence in err
 * (the file, and SQLite's message). */
int	store_open(uv_loop_t *loop, const struct store_cfg *cfg,
	    struct store **out, char *err, size_t errlen);
/* Queue a job.  0, or STORE_ECLOSED (done is not called then). */
int	store_write(struct store *s, store_job_fn fn, store_done_fn done,
	    void *arg);
int	store_read(struct store *s, store_job_fn fn, store_done_fn done,
	    void *arg);
/* Jobs queued and not yet done (for metrics and back-pressure). */
unsigned store_pending(const struct store *s);
/* Groups committed and jobs written so far (bench: jobs per fsync). */
/* SQLite's message for the last write that failed (STORE_ECOMMIT), for the
 * log: "database or disk is full".  Loop only. */
void	store_last_error(struct store *s, char *out, size_t n);
void	store_stats(const struct store *s, unsigned long long *commits,
	    unsigned long long *writes);
/*
 * Stop taking jobs, finish every queued one (their done callbacks still
 * run), join the threads, close the connections, then call cb(arg) on the
 * loop and free s.  NULL-safe.
 */
void	store_close(struct store *s, void (*cb)(void *arg), void *arg);


#endif
