/*
 * pool: per function, the warm workers and the bounded queue in front of
 * them; and struct invocation, the one unit of work that every door (HTTP
 * route, Invoke API, async queue) hands in and gets exactly one result for.
 *
 * A worker's life is one state machine (pool.c: wk_actions[state][event]):
 *
 *   SPAWNING --first GET /next--> IDLE --event handed out--> BUSY
 *   BUSY --/response or /error--> RESTING --GET /next--> IDLE ...
 *   any --timeout, idle reap, recycle, exit--> DEAD (after the process is gone)
 *
 * With max_concurrency = N > 1 a worker holds up to N: BUSY while any is
 * running, taking more while it has a /next pending; IDLE and RESTING as
 * above when none runs.  Each invocation has its own deadline; one past it
 * is answered and the worker goes on (as Lambda Managed Instances do), and
 * a worker's exit answers every invocation it held.
 *
 * A worker is ready at its first /next.  The invocation timeout starts when
 * the event is handed to the worker, not while it waits in the queue; at the
 * deadline the worker's process group is killed and the invocation answered.
 * Idle workers are kept in LIFO order, so the most recently used (warmest)
 * worker is reused first and the others age out to idle_timeout.
 */
#ifndef LAMBDAD_POOL_H
#define LAMBDAD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "buf.h"
#include "conf.h"

struct pool;
struct worker;
struct invocation;
struct spawner;
struct metrics_fn;

enum inv_status {
	INV_OK,			/* the function's response */
	INV_FUNC_ERROR,		/* /error or /init/error: body is the error JSON */
	INV_PLATFORM_ERROR,	/* crash, timeout, too large...: body is error JSON */
	INV_THROTTLED,		/* queue full or queue_timeout: nothing ran */
};

struct inv_result {
	enum inv_status	 status;
	const char	*error_type;	/* "Runtime.ExitError", "Sandbox.Timedout", ... */
	const char	*body;		/* response bytes, or the error JSON */
	size_t		 body_len;
	const char	*content_type;	/* as the worker posted it; may be NULL */
	const char	*log_tail;	/* last <= 4 KiB of the invocation's log */
	size_t		 log_tail_len;
	/* The body went through the door's sink as it came (stream.h): body
	 * is empty, or the error JSON of a stream that ended in error. */
	bool		 streamed;
};

typedef void (*inv_done_cb)(struct invocation *inv, const struct inv_result *res);

/* The door an invocation came through, for the metrics (same order as
 * enum metrics_door).  calloc's zero is a route. */
enum inv_via { INV_VIA_HTTP, INV_VIA_INVOKE, INV_VIA_EVENT };

struct invocation {
	char		 id[37];	/* request id, a UUID */
	struct buf	 event;		/* the payload handed to the worker */
	char		*client_context;	/* decoded JSON, or NULL */
	char		*cognito_identity;	/* JSON, or NULL */
	char		*trace_id;	/* X-Amzn-Trace-Id, or NULL: one is made */

	inv_done_cb	 done;		/* called exactly once */
	void		*door;		/* the door's own data */
	enum inv_via	 via;		/* set by the door before pool_submit */
	/* A door that takes a streamed response as it comes (stream.h);
	 * NULL: buffered, as every response is without one. */
	const struct inv_sink *sink;
	void		*sink_arg;	/* the door's */
	struct rapi_stream *stream;	/* the worker's stream, while on */

	/* Owned by the pool. */
	struct pool	*pool;
	struct worker	*worker;
	struct invocation *qnext;
	uint64_t	 enqueued_ns;
	uint64_t	 start_ns;	/* handed to the worker */
	uint64_t	 deadline_ms;	/* epoch ms */
	uint64_t	 due;		/* loop ms of the deadline */
	bool		 cold;		/* its worker's first: Init Duration */
	struct buf	 tail;		/* its log, for LogType Tail */
};

/* A new invocation with a fresh id; free with inv_free (NULL-safe). */
struct invocation *inv_new(void);
void	inv_free(struct invocation *inv);

struct pool_stats {
	unsigned	 spawning, idle, busy, resting, draining;
	unsigned	 queued;
	/* The function's, from its metrics entry (so they continue across
	 * reloads); 0 for a pool with none attached. */
	uint64_t	 invocations, errors, throttles, timeouts, cold_starts;
};

/* The spawner client, shared by all pools. 0 or -errno. */
int	spawner_open(uv_loop_t *loop, struct spawner **out);
void	spawner_close(struct spawner *sp);

/* fc must outlive the pool. */
struct pool *pool_new(uv_loop_t *loop, struct spawner *sp,
	    const struct function_conf *fc);
/* Start min_idle workers. */
void	pool_start(struct pool *p);
/*
 * Submit inv; the pool holds it until inv->done runs.  0: accepted, done
 * will be called exactly once, never from inside pool_submit.  -EBUSY: no
 * room (or stopping); done will not be called and the caller keeps inv.
 */
int	pool_submit(struct pool *p, struct invocation *inv);
/* Seconds a throttled client should wait (for Retry-After). */
unsigned pool_retry_after(const struct pool *p);
const struct function_conf *pool_conf(const struct pool *p);
/* The version its workers run: "N" for NAME:N, else "$LATEST". */
const char *pool_version(const struct pool *p);
void	pool_stats(const struct pool *p, struct pool_stats *st);
struct metrics_gauge;
/* The gauges metrics.c renders, of pools[0..n): a malloc'd array of n
 * (NULL when n is 0 or memory is short), the caller's to free. */
struct metrics_gauge *pool_gauges(struct pool *const *pools, size_t n);
/*
 * Count into m (metrics.c's entry for this function, which outlives the
 * pool; NULL: count nothing).  Set before pool_start.
 */
void	pool_set_metrics(struct pool *p, struct metrics_fn *m);
struct metrics_fn *pool_metrics(const struct pool *p);
/*
 * Stop: fail queued invocations (throttled), kill every worker.  cb runs
 * once every worker is gone and the pool can be freed with pool_free.
 */
void	pool_shutdown(struct pool *p, void (*cb)(struct pool *, void *), void *arg);
void	pool_free(struct pool *p);
/*
 * Drain (a reload replaced or removed the function): take nothing new, run
 * what is queued and in flight to the end, let each worker go once nothing
 * waits for it.  cb runs when the last is gone; then pool_free.
 */
void	pool_drain(struct pool *p, void (*cb)(struct pool *, void *), void *arg);
bool	pool_is_draining(const struct pool *p);
/* Start one worker now unless one is idle or starting (a reload warming a
 * changed function whose old pool had live workers). */
void	pool_prewarm(struct pool *p);
/* A reload kept the function as it was: point the pool at the new conf's
 * copy (same settings), so the old conf can be freed. */
void	pool_set_conf(struct pool *p, const struct function_conf *fc);

/* ---- Called by rapi.c (the worker's Runtime API endpoint). ---- */
struct http_request;
void	pool_rapi_request(struct worker *w, struct http_request *req);

#endif
