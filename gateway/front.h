/*
 * front: the public HTTP door.  A request is routed (route.c), turned into
 * an API Gateway event (event.c), submitted to its function's pool as an
 * invocation, and the invocation's result is mapped back to an HTTP reply.
 *
 * Errors are JSON: 404 {"message":"Not Found"}, 413 for bodies over 6 MiB,
 * 429 with Retry-After when the function's queue is full, 500 for a function
 * error, 502 for output that is not a valid reply, 504 on timeout.
 */
#ifndef LAMBDAD_FRONT_H
#define LAMBDAD_FRONT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct front;
struct route_table;
struct invoke;

#define FRONT_MAX_BODY	6291456		/* Lambda's synchronous request limit */

/* rt is not owned. */
struct front *front_new(uv_loop_t *loop, struct route_table *rt);
int	front_listen(struct front *f, const char *host, int port);
/*
 * Hand Invoke API paths (invoke_match) to iv instead of the routes; NULL
 * (the default) turns that off.  iv is not owned.
 */
void	front_set_invoke(struct front *f, struct invoke *iv);
/* A reload's new route table; the caller frees the old one (requests
 * already routed hold pools, not routes). */
void	front_set_routes(struct front *f, struct route_table *rt);
/*
 * The access keys ("ID:SECRET", not owned) that routes of functions with
 * auth = aws_iam verify SigV4 signatures against; they get 403
 * {"message":"Forbidden"} without one.
 */
void	front_set_access_keys(struct front *f, char *const *keys, size_t n);
struct pool;
/* The pools, lined up with the configuration's functions (not owned),
 * that Lambda authorizers call; a reload sets the new ones. */
void	front_set_pools(struct front *f, struct pool *const *pools, size_t n);
struct conf_cors;
/* The [cors] section (not owned, NULL: none), for preflights of paths no
 * route serves; a reload sets the new one. */
void	front_set_cors(struct front *f, const struct conf_cors *cors);
/* The [site] routes of c, served from b (buckets/site.h); replaces the
 * last ones (at a reload). */
struct buckets;
struct conf;
void	front_set_sites(struct front *f, const struct conf *c,
	    struct buckets *b);
struct conf;
/* c's stage, stage variables and access log (not owned; a reload sets
 * the new ones): 0, or -1 with "access_log: ..." in err. */
int	front_set_apigw(struct front *f, const struct conf *c, char *err,
	    size_t errlen);
/* Reopen the access log (SIGUSR1). */
void	front_reopen_logs(struct front *f);
/* Its lines written and dropped since start. */
void	front_access_log_stats(struct front *f, uint64_t *lines,
	    uint64_t *dropped);
/* The API reference of c at its docs_path (apigw/docs.h), made now: once
 * listening (its server URL has the port), and at every reload. */
void	front_set_docs(struct front *f, const struct conf *c);
/* The response cache's settings (cache_size, which functions cache; not
 * kept): at start and on each reload (apigw/cache.h). */
void	front_set_cache(struct front *f, const struct conf *c);
int	front_port(const struct front *f);
void	front_stop_accepting(struct front *f);
/* Invocations in flight from this listener, Invoke API ones included. */
unsigned front_inflight(const struct front *f);
/* Client connections open on this listener, WebSocket ones included. */
unsigned front_nconns(const struct front *f);
struct ws;
/* The WebSocket APIs (apigw/ws.h), for the private endpoints and the
 * metrics. */
struct ws *front_ws(const struct front *f);
/* The connection cap ([lambdad] max_connections, sized in main.c). */
void	front_set_max_conns(struct front *f, unsigned n);
/* [lambdad] header_timeout and body_timeout, in seconds. */
void	front_set_timeouts(struct front *f, unsigned header_s, unsigned body_s,
	    unsigned send_s);
struct http_server_stats;
/* The listener's connection counters, for the metrics. */
void	front_http_stats(const struct front *f, struct http_server_stats *st);
void	front_free(struct front *f);

#endif
