/*
 * apigw: the public front's policy stages, the part of Amazon API Gateway
 * that sits between a routed request and the function (issue 10).
 *
 * A request the front has routed passes through a short list of stages in
 * API Gateway's order:
 *
 *   CORS preflight -> throttling -> API key -> authorizer -> validation
 *   -> cache -> the function
 *
 * The list is composed in front.c and holds only stages that exist: today
 * cors.c, throttle.c, apikey.c (api_key = required, usage plans), iam.c
 * (auth = aws_iam, SigV4 as API Gateway's IAM authorization, which is an
 * authorizer), authorizer.c (JWT), validate.c (request_schema) and
 * cache.c.  Each stage is one file with one
 * entry point of type apigw_stage_fn, declared in its own header.
 *
 * The stage contract.  A stage gets the call: the request, the route it
 * matched, the function behind that route and the front's shared state.
 * It either passes (APIGW_PASS: the next stage runs, and after the last
 * one the function) or answers (APIGW_ANSWER): it sets status and body,
 * and the reason the refusal is counted under, and the pipeline writes
 * the reply.  A stage may answer with headers and a body of its own (the
 * cache's hits: own_answer).  A stage never writes to the socket itself, so a stage is a
 * pure function of the call and its state and is unit-tested directly.
 *
 * A stage may attach headers to whatever reply the request gets, its own
 * answer or the function's (CORS adds Access-Control-Allow-Origin to the
 * function's reply), and may have headers of the function's reply dropped
 * by prefix (with CORS on, API Gateway ignores the function's own
 * Access-Control-* headers).  Attached values are copied: the reply may
 * come after a reload has freed the configuration they came from.
 *
 * Around the stages, request.c holds a request's life: apigw_begin when
 * it arrives (its trace id, trace.c, attached to whatever reply it gets),
 * apigw_finish when it is answered, by the function or by the gateway
 * itself (a 404, a stage's refusal, a timeout): the reply is written and
 * its access-log line (accesslog.c) made, so front.c never writes a reply
 * of its own and no answer goes unlogged.
 *
 * Asynchronous stages.  A stage whose answer needs work elsewhere (a
 * Lambda authorizer invokes a function) returns APIGW_PENDING after
 * starting it; the call must then have been made by apigw_call_new and
 * run by apigw_start, which keeps it (allocated, not on the stack) and
 * returns.  When the work completes, the stage finishes its decision and
 * calls apigw_resume(c, APIGW_PASS or APIGW_ANSWER): the remaining stages
 * run, then the caller's done callback (the function's turn), exactly as
 * if the stage had answered at once.  Meanwhile the client may go away
 * (on_abort: the call is marked aborted) and the configuration may be
 * reloaded (apigw_set_pools: the call's pointers into the old one are no
 * longer safe): a resumed call that was aborted runs nothing more and
 * releases the request with a reply that is discarded; one that
 * outlived its configuration is handed to the restart callback, which
 * routes the request again under the new one.  Either way everything
 * the call holds is freed.
 *
 * Everything runs on the loop thread; nothing here blocks.
 */
#ifndef LAMBDAD_APIGW_H
#define LAMBDAD_APIGW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "buf.h"

struct http_request;
struct http_header;
struct route_match;
struct function_conf;
struct metrics_fn;
struct apigw;
struct apigw_cache;
struct apigw_cache_pending;

#define APIGW_PASS	0
#define APIGW_ANSWER	1
#define APIGW_PENDING	2	/* apigw_resume will be called */

#define APIGW_MAX_HDRS	10	/* attached headers per request */

/*
 * A request from its arrival to its reply (apigw_begin .. apigw_finish):
 * the headers its reply gets (the trace id, and what stages attach) and
 * what the access log records of it.  Names are static strings; values
 * live in text (offsets, so text may grow).
 */
struct apigw_reply {
	struct http_request *req;	/* the request it answers */
	struct apigw	*gw;
	size_t		 n;
	const char	*name[APIGW_MAX_HDRS];
	size_t		 off[APIGW_MAX_HDRS], len[APIGW_MAX_HDRS];
	const char	*drop_prefix;	/* static; drop these of the function's */
	struct buf	 text;
	/* The record (accesslog.h). */
	uint64_t	 time_ms;	/* arrival, epoch ms */
	char		 source_ip[48];
	char		 request_id[40];	/* the invocation's, or made */
	char		*route_key;	/* copied: a reload frees the routes */
	char		*trace_id;	/* X-Amzn-Trace-Id (trace.h) */
	char		*traceparent;
	char		*authorizer_json;	/* the authorizer's, for the log */
	const char	*authorizer_error;	/* static: the refusal's reason */
	char		*api_key_id;	/* copied: the key store's may go */
	int		 integration_status;	/* 0: no integration */
	int64_t		 integration_latency_ms;
	const char	*integration_error;	/* valid until apigw_finish */
	/* The cache stage's mark on a miss: store the function's reply
	 * (apigw/cache.h, apigw_cache_store); freed with the reply. */
	struct apigw_cache_pending *cache_store;
};

struct apigw_call {
	/* In: what every stage reads. */
	struct http_request *req;
	const struct route_match *m;
	const struct function_conf *fn;	/* the function the route serves */
	const struct conf_cors *cors;	/* fn's CORS, or [cors] for an
					   unrouted preflight; NULL: off */
	struct apigw	*gw;		/* shared state (apigw_new) */
	uint64_t	 now_ms;	/* the loop's clock (uv_now) */
	struct metrics_fn *mf;		/* fn's metrics (apigw_run's), or NULL */
	/* Out: a stage's answer. */
	int		 status;
	const char	*body;		/* static JSON, or NULL for none */
	/* own_answer: hdrs instead of the JSON Content-Type, and body_len
	 * bytes of body (NULL: none); both must live until apigw_run
	 * returns. */
	bool		 own_answer;
	const struct http_header *hdrs;
	size_t		 nhdrs, body_len;
	const char	*reason;	/* a refusal's metrics label; NULL: none */
	struct apigw_reply *reply;	/* NULL until a stage attaches one */
	/* A JWT authorizer's {claims, scopes} for the event (malloc'd JSON;
	 * after APIGW_PASS owned by reply, which frees it; freed on an
	 * answer). */
	char		*authorizer_jwt;
	const char	*authorizer_error;	/* static; set by the authorizer */
	/* The API key's id (apikey.c), for the event; NULL: no key.  Points
	 * into the key store: valid until the loop runs again. */
	const char	*api_key_id;
	/* A Lambda authorizer's requestContext.authorizer object (malloc'd
	 * JSON, for the payload version of fn; freed with the call). */
	char		*authorizer;
	/* What apigw_start keeps for a call that is resumed later. */
	struct route_match *match;	/* the copy m points to */
	const void	*stages;	/* const apigw_stage_fn * */
	size_t		 nstages, at;	/* at: the stage that is pending */
	void		(*done)(struct apigw_call *c, void *arg);
	void		*done_arg;
	uint64_t	 gen;		/* gw's configuration generation */
	int		 pending;	/* waiting for apigw_resume */
	int		 aborted;	/* the client went away meanwhile */
	char		*api_key_id_own;	/* api_key_id kept for a wait */
};

typedef int (*apigw_stage_fn)(struct apigw_call *c);
typedef void (*apigw_done_fn)(struct apigw_call *c, void *arg);

/* The front's shared state (what stages keep between requests). */
struct apigw *apigw_new(void);
void	apigw_free(struct apigw *gw);	/* NULL-safe */
struct conf_cors;
/* The [cors] section (not owned; NULL: none): the CORS configuration of
 * preflights for paths no route serves (apigw_preflight). */
void	apigw_set_cors(struct apigw *gw, const struct conf_cors *cors);
/* The access keys ("ID:SECRET", not owned) auth = aws_iam checks. */
void	apigw_set_access_keys(struct apigw *gw, char *const *keys, size_t n);
void	apigw_access_keys(const struct apigw *gw, char *const **keys,
	    size_t *n);
struct conf;
/* The response cache (apigw/cache.h), and a (re)loaded configuration for
 * it: cache_size and the functions that cache (not kept). */
struct apigw_cache *apigw_cache_of(struct apigw *gw);
void	apigw_set_cache(struct apigw *gw, const struct conf *c);

struct route_table;
/*
 * Route req as the front does, with one difference: a CORS preflight
 * (OPTIONS with Origin and Access-Control-Request-Method) is routed by the
 * method it asks about when that route's function has CORS on, so the
 * gateway answers it even without an OPTIONS route, as API Gateway does.
 * Route targets are pools.  0, or -ENOENT.
 */
int	apigw_lookup(const struct route_table *rt,
	    const struct http_request *req, struct route_match *m);

/*
 * A preflight apigw_lookup found no route for, and no route serves the
 * method it asks about on that path: API Gateway answers every preflight
 * once CORS is configured, so with a [cors] section the CORS stage
 * answers it from that section (APIGW_ANSWER, reply written).  Otherwise
 * (a cors = off function's route, no [cors], not a preflight) APIGW_PASS:
 * the caller's 404.
 */
int	apigw_preflight(struct apigw_reply *x, const struct route_table *rt,
	    uint64_t now_ms);

/*
 * A request has arrived: its reply and record, with the trace id attached
 * as X-Amzn-Trace-Id.  Every request the front answers (404s included)
 * begins here and ends in apigw_finish or apigw_finish_error, which write
 * the reply and its access-log line and free x.  Never NULL.
 */
struct apigw_reply *apigw_begin(struct apigw *gw, struct http_request *req);
/* The function's reply (mapped from its output). */
void	apigw_finish(struct apigw_reply *x, int status,
	    const struct http_header *hdrs, size_t n, const char *body,
	    size_t len);
/* A reply the owner streamed (front_stream.c): the access-log line with
 * len bytes sent, and x freed; req is the owner's to release, after. */
void	apigw_finish_streamed(struct apigw_reply *x, int status,
	    uint64_t len);
/* An upgrade the owner answers itself (101, apigw/ws.h): the access-log
 * line, and x freed; req is not answered here. */
void	apigw_finish_upgrade(struct apigw_reply *x);
/* The gateway's own JSON answer {"message":"..."} (the access log's
 * error.message); retry_after (seconds) when not NULL. */
void	apigw_finish_error(struct apigw_reply *x, int status, const char *body,
	    const char *retry_after);
/* The invocation behind x finished: Lambda's status for it, its error
 * type (NULL: none), and when it was handed to the pool (uv_hrtime). */
void	apigw_integration(struct apigw_reply *x, int status,
	    const char *error, uint64_t submitted_ns);
struct event_ctx;
/* The event's context for x (time, source ip, stage, stage variables,
 * the authorizer's JSON); request_id is the caller's, copied into x. */
void	apigw_event_ctx(struct apigw_reply *x, const char *request_id,
	    struct event_ctx *ctx);
struct conf;
/*
 * The stage, stage variables and access log of c (not owned; the next
 * call replaces them).  A changed access_log opens the new file (the old
 * one is closed after what it has waiting); 0, or -1 with the reason in
 * err (nothing changed).
 */
int	apigw_configure(struct apigw *gw, uv_loop_t *loop, const struct conf *c,
	    char *err, size_t errlen);
/* Reopen the access log (SIGUSR1, logrotate). */
void	apigw_reopen_log(struct apigw *gw);
/* Access-log lines written and dropped since start, across reloads. */
void	apigw_log_stats(struct apigw *gw, uint64_t *lines, uint64_t *dropped);

/*
 * Run the stages in order over c (req, m, fn, gw set; the rest zeroed by
 * apigw_call_init).  APIGW_PASS (c->reply holds what the stages attached
 * for the function's reply, or is NULL), or APIGW_ANSWER when a stage
 * answered and the reply was written; a refusal (an answer with a
 * reason) is counted in mf, the function's metrics (may be NULL), by
 * route, status and reason.
 */
void	apigw_call_init(struct apigw_call *c, struct apigw *gw,
	    struct http_request *req, const struct route_match *m,
	    const struct function_conf *fn, uint64_t now_ms);
int	apigw_run(struct apigw_call *c, const apigw_stage_fn *stages,
	    size_t nstages, struct metrics_fn *mf);

/*
 * A call on the heap (m copied into it), for apigw_start; NULL on ENOMEM.
 * apigw_call_free frees it and all it holds (NULL-safe).
 */
struct apigw_call *apigw_call_new(struct apigw *gw, struct http_request *req,
	    const struct route_match *m, const struct function_conf *fn,
	    uint64_t now_ms);
void	apigw_call_free(struct apigw_call *c);
/*
 * Run the stages over c (from apigw_call_new), which apigw_start owns
 * from now on: a stage that answers has its reply written (and counted
 * in mf) and c is freed; when every stage passes, done(c, arg) runs (it
 * may take c->reply and the authorizer fields, setting them NULL) and c
 * is freed after it.  A stage may pend: then this returns APIGW_PENDING
 * and the rest happens in apigw_resume.  Otherwise APIGW_PASS or
 * APIGW_ANSWER, after done or the reply.
 */
int	apigw_start(struct apigw_call *c, const apigw_stage_fn *stages,
	    size_t nstages, struct metrics_fn *mf, apigw_done_fn done,
	    void *arg);
/* The pending stage's result (APIGW_PASS or APIGW_ANSWER, with status,
 * body and reason set as a stage sets them): carry on as apigw_start. */
void	apigw_resume(struct apigw_call *c, int rc);
/* Calls waiting for apigw_resume (the daemon waits for them to stop). */
unsigned apigw_pending(const struct apigw *gw);
/*
 * After a reload: the pools (lined up with the configuration's functions,
 * not owned) a Lambda authorizer's function is found in.  Pending calls
 * are restarted when they resume, and the authorizer cache is emptied.
 */
struct pool;
void	apigw_set_pools(struct apigw *gw, struct pool *const *pools,
	    size_t n);
struct pool *apigw_pool(const struct apigw *gw, size_t i, const char *name);
/* What routes a request again (the front's on_request), for a pending
 * call that outlived its configuration. */
void	apigw_set_restart(struct apigw *gw,
	    void (*fn)(struct http_request *req, void *arg), void *arg);
/* The gateway's configuration generation (bumped by apigw_set_pools). */
uint64_t apigw_gen(const struct apigw *gw);
struct authz_cache;
/* The Lambda authorizers' decisions cache (authz_cache.h). */
struct authz_cache *apigw_authz_cache(struct apigw *gw);

/* Attach a header (value copied) to c's reply. */
void	apigw_reply_add(struct apigw_call *c, const char *name,
	    const char *value, size_t len);
/* c's reply headers, made empty if no stage attached any. */
struct apigw_reply *apigw_reply_of(struct apigw_call *c);
/* apigw_reply_add on the reply itself (after the stages ran). */
void	apigw_reply_put(struct apigw_reply *x, const char *name,
	    const char *value, size_t len);
/* Drop the function's headers whose names start with prefix (a static
 * string, compared case-insensitively). */
void	apigw_reply_drop(struct apigw_call *c, const char *prefix);
/*
 * The headers of a reply: hdrs (the function's, or the stage's own) minus
 * the dropped ones, then x's, then Apigw-Requestid (API Gateway's header:
 * the event's requestContext.requestId) once x has an id.  out has room
 * for n + APIGW_MAX_HDRS + 1.
 * Returns the count.  x may be NULL (hdrs copied).
 */
size_t	apigw_reply_merge(const struct apigw_reply *x,
	    const struct http_header *hdrs, size_t n, struct http_header *out);
void	apigw_reply_free(struct apigw_reply *x);	/* NULL-safe */
/* http_respond with x's headers merged into hdrs (x may be NULL). */
void	apigw_respond(const struct apigw_reply *x, struct http_request *req,
	    int status, const struct http_header *hdrs, size_t n,
	    const char *body, size_t len);

/*
 * The throttle bucket (bucket.h) of a route key, made on first use and
 * kept for the gateway's life, across reloads: keys come from the
 * configuration, so they are few.  NULL only on ENOMEM.
 */
struct tbucket;
struct tbucket *apigw_bucket(struct apigw *gw, const char *route_key);

#endif
