/*
 * equeue: the on-disk queue of Event (asynchronous) invocations.
 *
 * An Event is accepted (202) only once its record is durable: written to
 * <state_dir>/events/ID.tmp, fsynced, renamed to ID.ev and the directory
 * fsynced.  The record then runs through its function's pool like any
 * invocation.  After a success the record is unlinked (and the directory
 * fsynced); after a function error, a crash or a timeout it is retried
 * event_retries more times, event_retry_delay seconds after the first
 * failure and twice that after the second, as Lambda does; a throttle (the
 * pool's queue full) is retried with exponential backoff up to
 * event_max_age.  A record that is out of retries or too old is moved to
 * <state_dir>/events/failed/ with a log line naming the function and id.
 * At start-up every ID.ev is loaded and run, so an accepted Event survives
 * a SIGKILL of the daemon.
 *
 * The disk work (write, fsync, rename, unlink) runs on libuv's threadpool,
 * so a slow disk never stalls the loop.
 *
 * Crash windows, honestly: a crash after a run succeeded but before its
 * unlink is durable runs the event again after the restart (at least
 * once, not exactly once); a crash after a failed attempt but before the
 * attempt count was rewritten gives that attempt again; and a restart runs
 * pending retries at once, not after their remaining delay.
 */
#ifndef LAMBDAD_EQUEUE_H
#define LAMBDAD_EQUEUE_H

#include <stddef.h>
#include <uv.h>

struct equeue;
struct pool;

#define EQUEUE_MAX_PAYLOAD	262144	/* Lambda's asynchronous payload limit */
/* The longest fn: NAME (64) ":" and a version or alias (128). */
#define EQUEUE_FN_MAX		193

/* The pool that runs function name now, or NULL (it was removed). */
typedef struct pool *(*equeue_find_cb)(void *arg, const char *name);
/* A put finished: 0 once the record is durable, or -errno. */
typedef void (*equeue_put_cb)(void *arg, int rc);

/*
 * Open (mkdir -p) <state_dir>/events and events/failed, load the records
 * found there and schedule them.  find(arg, name) maps names to pools at
 * run time (so a reload may swap pools).  NULL with a reason in err when
 * the directories cannot be made.
 */
struct equeue *equeue_new(uv_loop_t *loop, const char *state_dir,
	    unsigned retry_delay_s, unsigned max_records, equeue_find_cb find,
	    void *arg, char *err, size_t errlen);
/*
 * Queue one Event for function fn with request id id; payload, trace_id
 * and client_context (compact JSON, NULL-able) are copied.  cb(arg, rc)
 * runs later, exactly once, unless this returns non-zero: -EAGAIN when
 * the queue holds max_records already, -E2BIG for a payload over
 * EQUEUE_MAX_PAYLOAD, -ENAMETOOLONG for an fn over EQUEUE_FN_MAX, -ENOMEM.
 */
int	equeue_put(struct equeue *q, const char *fn, const char *id,
	    const char *payload, size_t len, const char *trace_id,
	    const char *client_context, equeue_put_cb cb, void *arg);
/*
 * equeue_put with a retry policy of the event's own (a schedule's):
 * retries failed runs again at most, and max_age_s seconds after it was
 * queued it is not run any more.  EQUEUE_FN_POLICY for either: the
 * function's event_retries or event_max_age, as equeue_put.
 */
#define EQUEUE_FN_POLICY	(~0u)
int	equeue_put_policy(struct equeue *q, const char *fn, const char *id,
	    const char *payload, size_t len, const char *trace_id,
	    const char *client_context, unsigned retries, unsigned max_age_s,
	    equeue_put_cb cb, void *arg);
/*
 * SIGTERM: run nothing more.  Runs already in a pool finish; a success
 * still removes its record, anything else leaves it on disk as it is.
 */
void	equeue_stop(struct equeue *q);
/* Records on disk (or being written). NULL-safe. */
unsigned equeue_depth(const struct equeue *q);
/* Puts being written plus events handed to a pool and not finished. */
unsigned equeue_inflight(const struct equeue *q);	/* NULL-safe */
/* Release; disk work still in progress finishes first.  NULL-safe. */
void	equeue_free(struct equeue *q);

#endif
