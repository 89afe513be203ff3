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
 *
 * Destinations (an event-invoke config's OnSuccess and OnFailure, given
 * to equeue_put_with as function ARNs): when a run succeeds, or when the
 * event fails for good (out of retries, or too old), its invocation
 * record (destination.h) is queued here as a new Event of the
 * destination function, with that function's own policy and
 * destinations, and only once that record is durable is the source's
 * removed.  With an OnFailure destination the source does not go to
 * failed/; a record that cannot be sent (the destination is gone, the
 * record is over EQUEUE_MAX_PAYLOAD, the disk refuses it) goes on as
 * without one: a success is removed, a failure moved to failed/.  A
 * record that has gone through DEST_HOPS_MAX destinations is not sent
 * on (Lambda's recursive-loop stop).
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
 * pending retries at once, not after their remaining delay.  With a
 * destination: a crash after the destination's record is durable but
 * before the source's removal is runs the source again after the
 * restart, and its destination gets a second record (for a failure, the
 * last attempt is also made again, as its count was not rewritten).
 * Nothing is lost; a destination may see a record twice.
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

#define EQUEUE_QUAL_MAX		128
#define EQUEUE_ARN_MAX		256

/* What an Event goes with besides its payload (equeue_put_with). */
struct equeue_policy {
	unsigned	 retries;	/* EQUEUE_FN_POLICY: event_retries */
	unsigned	 max_age_s;	/* EQUEUE_FN_POLICY: event_max_age */
	/* The qualifier it was invoked with ("": none), for the record's
	 * functionArn. */
	char		 qual[EQUEUE_QUAL_MAX + 1];
	char		 on_success[EQUEUE_ARN_MAX];	/* function ARNs; "": none */
	char		 on_failure[EQUEUE_ARN_MAX];
};

/* The pool that runs function name now, or NULL (it was removed). */
typedef struct pool *(*equeue_find_cb)(void *arg, const char *name);
/* A put finished: 0 once the record is durable, or -errno. */
typedef void (*equeue_put_cb)(void *arg, int rc);

/*
 * Where a destination's record goes: the pool that runs function ARN arn
 * now (its name into pool) and that function's own policy (pol comes
 * set as equeue_policy_init leaves it).  0, or -ENOENT when it is gone.
 */
typedef int (*equeue_dest_cb)(void *arg, const char *arn, char *pool,
	    size_t size, struct equeue_policy *pol);

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
/* The function's policy, no qualifier, no destinations. */
void	equeue_policy_init(struct equeue_policy *pol);
/*
 * equeue_put_policy with pol's qualifier and destinations too (they are
 * kept in the record).  Returns as equeue_put.
 */
int	equeue_put_with(struct equeue *q, const char *fn, const char *id,
	    const char *payload, size_t len, const char *trace_id,
	    const char *client_context, const struct equeue_policy *pol,
	    equeue_put_cb cb, void *arg);
/*
 * Send records to destinations with dest (without one, a queue sends
 * none and its events end as they always did).
 */
void	equeue_set_dest(struct equeue *q, equeue_dest_cb dest, void *arg);
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
