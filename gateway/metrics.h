/*
 * metrics: per-function counters and histograms, and their rendering in
 * the Prometheus text exposition format 0.0.4.
 *
 * The registry (struct metrics) belongs to the daemon and outlives pools: a
 * reload replaces a function's pool, and its counters must continue, so a
 * pool holds a pointer to its function's entry (struct metrics_fn, found or
 * made by name) rather than counters of its own.  Entries are never freed
 * before the registry, so a pool that drains after a reload may keep
 * counting into the same entry as its successor.
 *
 * Counters (invocations, errors by type, throttles, timeouts, cold starts)
 * and the two histograms (handler duration, worker init duration) are
 * updated by one-line hooks in pool.c and worker.c, and every hook accepts
 * a NULL entry, so a pool without metrics attached works unchanged.
 * Gauges (workers by state, queue depth) are sampled from the live pools
 * at render time by the caller (pool_gauges) and handed in; two pools of
 * one name (old and new during a reload) are summed, so a series is never
 * written twice.
 *
 * This module is a leaf: pools, workers, the doors and the API gateway
 * report into it, and it calls none of them.
 *
 * The Tables store's series (per table, operation and calling function)
 * are metrics_tables.h's, a part of the same registry that the Tables
 * door reports into and metrics_render writes after these.
 *
 * metrics_server is the optional `metrics_listen` port: GET /metrics on
 * the project's HTTP server, nothing else.
 */
#ifndef LAMBDAD_METRICS_H
#define LAMBDAD_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"

struct metrics;
struct metrics_fn;
struct metrics_server;

/* Which door an invocation came through (struct invocation's `via`). */
enum metrics_door {
	METRICS_DOOR_HTTP,	/* a route on the public listener */
	METRICS_DOOR_INVOKE,	/* the Invoke API, RequestResponse */
	METRICS_DOOR_EVENT,	/* the Invoke API's Event (async) */
	METRICS_NDOORS
};

/* How an invocation ended, as the pool saw it (enum inv_status, mapped). */
enum metrics_outcome {
	METRICS_OK,
	METRICS_FUNC_ERROR,	/* the function's own /error or /init/error */
	METRICS_PLATFORM_ERROR,	/* crash, timeout, too large...: see type */
	METRICS_THROTTLED,	/* rejected before it ran */
};

/* Bucket upper bounds in seconds, shared by both histograms (+Inf is
 * implicit): Prometheus' usual set, stretched to Lambda's 900 s limit. */
#define METRICS_NBUCKETS	18
extern const double metrics_buckets[METRICS_NBUCKETS];

/* Distinct error types kept per function; more are counted as "other". */
#define METRICS_MAX_ERROR_TYPES	16

/* A new, empty registry; start time is now.  NULL on ENOMEM. */
struct metrics *metrics_new(void);
/* Free the registry and every entry; no pool may use one afterwards. */
void	metrics_free(struct metrics *m);	/* NULL-safe */
/*
 * The entry of the function named name, made on first use (its counters
 * start at zero then and are kept for the registry's life).  NULL only on
 * ENOMEM, which every hook tolerates.
 */
struct metrics_fn *metrics_fn(struct metrics *m, const char *name);
struct metrics_tables;
/* The Tables store's part of the registry (metrics_tables.h), where the
 * door reports its calls.  NULL when m is. */
struct metrics_tables *metrics_tables(struct metrics *m);
/*
 * Open connections on the public listener, for lambdad_open_connections:
 * fn(arg) is called at render time.  Without it the gauge is not written.
 */
void	metrics_set_conns(struct metrics *m, unsigned (*fn)(void *), void *arg);
/* The same for lambdad_event_queue_depth (the Invoke API's Event queue). */
void	metrics_set_events(struct metrics *m, unsigned (*fn)(void *), void *arg);
/* Buckets' on_object events (buckets/notify.h): on disk, stored and
 * lost since the start, for lambdad_bucket_event_queue_depth,
 * lambdad_bucket_events_total and lambdad_bucket_events_lost_total. */
struct metrics_bucket_events {
	unsigned	 depth;
	uint64_t	 queued, lost;
};
void	metrics_set_bucket_events(struct metrics *m,
	    void (*fn)(void *, struct metrics_bucket_events *), void *arg);
/* The access log's lines written and dropped (apigw/accesslog.h), for
 * lambdad_access_log_lines_total and lambdad_access_log_dropped_total. */
void	metrics_set_access_log(struct metrics *m,
	    void (*fn)(void *, uint64_t *, uint64_t *), void *arg);
struct http_server_stats;
/*
 * The public listener's connection counters, for
 * lambdad_http_max_connections, lambdad_http_idle_connections,
 * lambdad_http_idle_evictions_total and lambdad_http_conn_refused_total.
 */
void	metrics_set_http(struct metrics *m,
	    void (*fn)(void *, struct http_server_stats *), void *arg);

/* The WebSocket APIs' numbers (apigw/ws.h), for lambdad_ws_*: open
 * connections, upgrades accepted and refused, messages and bytes in
 * and out. */
struct metrics_ws {
	unsigned	 open;
	uint64_t	 accepted, refused, msgs_in, msgs_out, bytes_in,
			 bytes_out;
};
void	metrics_set_ws(struct metrics *m,
	    void (*fn)(void *, struct metrics_ws *), void *arg);
/* A function's counters, summed over doors and error types (what
 * pool_stats reports). */
struct metrics_counts {
	uint64_t	 invocations, errors, throttles, timeouts, cold_starts;
};
/* f's counts into *c (zeros when f is NULL). */
void	metrics_fn_counts(const struct metrics_fn *f, struct metrics_counts *c);

/*
 * The live numbers of one pool, for the gauges: the caller samples its
 * pools (pool_gauge) and hands them over, so this module knows nothing of
 * pools.  Entries with the same name (a pool and the one a reload is
 * draining) are summed into one series.
 */
struct metrics_gauge {
	const char	*name;
	unsigned	 spawning, idle, busy, resting, draining, queued;
};

/* ---- Hooks; each is a no-op when f is NULL. ---- */

/*
 * An invocation finished.  type is the platform error type (NULL for OK
 * and function errors).  ran_ns is how long the handler had it (0 if it
 * never reached a worker: then the duration histogram is not touched).
 * Throttled invocations count as throttles only, not invocations.
 */
void	metrics_inv_done(struct metrics_fn *f, enum metrics_door door,
	    enum metrics_outcome out, const char *type, uint64_t ran_ns);
/* A request refused before it was queued (queue full). */
void	metrics_throttle(struct metrics_fn *f);
/* An invocation is handed to a worker that has served none yet. */
void	metrics_cold_start(struct metrics_fn *f);
/* n log lines of the function dropped (over its log_rate). */
void	metrics_log_dropped(struct metrics_fn *f, uint64_t n);
/* A worker finished its init (first GET /next) after init_ns. */
void	metrics_worker_ready(struct metrics_fn *f, uint64_t init_ns);
/*
 * The function answered as a Lambda authorizer after ns (apigw/
 * lambda_authz.c; the invocation itself is counted as any other), or a
 * request was decided from its cache without asking it.
 */
void	metrics_authorizer(struct metrics_fn *f, uint64_t ns);
void	metrics_authorizer_hit(struct metrics_fn *f);
/*
 * An error found after the pool was done, by the door (a route's reply
 * that is not a valid API Gateway reply: "MalformedReply").  The
 * invocation itself was already counted; this adds the error.
 */
void	metrics_error(struct metrics_fn *f, const char *type);

/*
 * A request one of the API gateway's stages (apigw/) refused before any
 * worker: route is the route key ("GET /a"), reason a static string
 * ("throttle", "aws_iam").  Counted in lambdad_apigw_refusals_total by
 * route, status and reason; past METRICS_MAX_REFUSALS series a function's
 * further ones go to route "other".
 */
void	metrics_refusal(struct metrics_fn *f, const char *route, int status,
	    const char *reason);
#define METRICS_MAX_REFUSALS	16

/* The response cache's events (apigw/cache.c). */
enum metrics_cache {
	METRICS_CACHE_HIT,	/* answered from the cache */
	METRICS_CACHE_MISS,	/* looked up (or refreshed), sent to the function */
	METRICS_CACHE_EVICTION,	/* dropped to make room under cache_size */
	METRICS_CACHE_NEVENTS
};
/* Counted in lambdad_apigw_cache_{hits,misses,evictions}_total. */
void	metrics_cache(struct metrics_fn *f, enum metrics_cache ev);
/* The bytes f's entries hold went up or down by delta
 * (lambdad_apigw_cache_bytes). */
void	metrics_cache_bytes(struct metrics_fn *f, int64_t delta);

/* ---- Rendering ---- */

/*
 * Append the whole exposition (text format 0.0.4) to out: daemon-wide
 * gauges, then each family with one series per function; counters of
 * every function ever seen, gauges of g[0..ng).  Returns 0.
 */
int	metrics_render(struct metrics *m, const struct metrics_gauge *g,
	    size_t ng, struct buf *out);
/* The Content-Type of what metrics_render writes. */
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct http_request;
/*
 * Answer req (a GET /metrics, on any server: the metrics port, the admin
 * socket) with 200 and the exposition.  Returns http_respond's result.
 */
int	metrics_respond(struct http_request *req, struct metrics *m,
	    const struct metrics_gauge *g, size_t ng);

/* Pure helpers, exposed for the unit tests. */
/* Index of the bucket v falls in: the first bound >= v, or n for +Inf. */
size_t	metrics_bucket(const double *bounds, size_t n, double v);
/* Append s as a label value: \ " and newline escaped (no quotes added). */
void	metrics_escape_label(struct buf *b, const char *s);
/* Append s as HELP text: \ and newline escaped. */
void	metrics_escape_help(struct buf *b, const char *s);
/* Write v as Prometheus does: shortest text that reads back exactly,
 * "+Inf", "-Inf", "NaN". */
void	metrics_fmt_double(char *out, size_t n, double v);

/* ---- The metrics_listen port ---- */

/* The daemon's current gauges, sampled at each scrape (reloads change the
 * pools): a malloc'd array of *n entries, freed by the caller. */
typedef struct metrics_gauge *(*metrics_gauges_cb)(void *arg, size_t *n);

/*
 * Serve GET /metrics on host:port (port 0: ephemeral): 200 with the
 * exposition; other paths 404, other methods 405.  0 and *out, or -errno.
 */
int	metrics_server_start(uv_loop_t *loop, struct metrics *m,
	    metrics_gauges_cb gauges, void *arg, const char *host, int port,
	    struct metrics_server **out);
/* The bound port, or -errno. */
int	metrics_server_port(const struct metrics_server *s);
/* Close the listener and its connections.  NULL-safe. */
void	metrics_server_free(struct metrics_server *s);

#endif
