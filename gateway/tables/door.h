/*
 * door: the HTTP side of the Tables store.  It speaks DynamoDB's JSON
 * protocol (spec/dynamodb.md 1) in front of the engine (engine.h) and the
 * store (store/store.h), from two places:
 *
 *   - the operator's listener on [lambdad] dynamodb_listen: SigV4 (service
 *     "dynamodb") against the access_key lines when there are any, else
 *     loopback peers only; every table is reachable;
 *   - every function's private endpoint (endpoint.h hands those requests
 *     over): no signature is checked, and the function's tables = grants,
 *     looked up by name in the current configuration at each call, decide
 *     which tables it may read and write.
 *
 * A request is parsed on the loop; the operation runs on a store thread
 * (the writer for writes, a reader otherwise), which also prints the reply
 * and its CRC-32, so the loop only writes bytes.  Every reply, errors too,
 * carries x-amzn-RequestId, x-amz-crc32 and Content-Type
 * application/x-amz-json-1.0.  A client that goes away meanwhile does not
 * stop its job; the reply is discarded (http.h).
 *
 * The door also runs the TTL sweeper: every DOOR_TTL_MS, one pass of
 * tables_ttl_sweep on the writer.
 *
 * And it serves the operator's admin requests on the store (admin.h's
 * /tables): the list with exact counts and a per-table backup, both on a
 * reader, never on the loop.
 */
#ifndef LAMBDAD_TABLES_DOOR_H
#define LAMBDAD_TABLES_DOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct tables_door;
struct conf;
struct http_request;
struct cJSON;

#define DOOR_MAX_BODY		(16u * 1024 * 1024)	/* as dynalite, 413 above */
#define DOOR_TTL_MS		5000
#define DOOR_TTL_BATCH		1000	/* items per sweep */
#define DOOR_TARGET_PREFIX	"DynamoDB_20120810."

/*
 * Open the door for configuration c (not owned; see tables_door_set_conf):
 * the store at <tables_dir>/tables.db (made if missing) when something
 * uses it (dynamodb_listen, or a function with tables =), and the
 * listener when dynamodb_listen is set.  0 and *out, or -1 with the
 * reason logged.
 */
int	tables_door_open(uv_loop_t *loop, const struct conf *c,
	    struct tables_door **out);
/* After a reload: the access keys and the grants come from c from now on
 * (the old configuration may be freed).  Opens the store if c is the first
 * to use it.  The listener stays where it was. */
void	tables_door_set_conf(struct tables_door *d, const struct conf *c);
struct metrics_tables;
/* Report every call, and samples of the store's counts, to mt (the
 * daemon's registry, metrics_tables.h; it outlives d). */
void	tables_door_set_metrics(struct tables_door *d,
	    struct metrics_tables *mt);
/* The listener's port, or -1 without one. */
int	tables_door_port(const struct tables_door *d);

/* Whether req asks for the DynamoDB API (an X-Amz-Target of its prefix). */
bool	tables_door_match(const struct http_request *req);
/* Answer req, a request on function fn's private endpoint (always,
 * exactly once, maybe later).  d NULL: 503, the store is not open. */
void	tables_door_function(struct tables_door *d, const char *fn,
	    struct http_request *req);

/*
 * An admin request's answer, on the loop, exactly once (maybe before the
 * call returns): status 200 and res (the callee's to free), or an HTTP
 * status (404 no such table, 403 the daemon may not write there, 400 a
 * bad request, 503 no store) and a sentence in err.
 */
typedef void (*tables_door_cb)(void *arg, int status, struct cJSON *res,
	    const char *err);
/* tables_stats (engine.h) of every table. */
void	tables_door_stats(struct tables_door *d, tables_door_cb cb, void *arg);
/* tables_backup of table into path (absolute, not existing); res is
 * {"table", "file", "items", "bytes"}. */
void	tables_door_backup(struct tables_door *d, const char *table,
	    const char *path, tables_door_cb cb, void *arg);

/* SIGTERM: stop accepting on the listener.  NULL-safe. */
void	tables_door_stop(struct tables_door *d);
/* Finish every job (their replies still go out), close the store and the
 * listener, then cb(arg) on the loop (cb may be NULL) and free d.
 * NULL-safe (cb is then called at once). */
void	tables_door_close(struct tables_door *d, void (*cb)(void *),
	    void *arg);

#endif
