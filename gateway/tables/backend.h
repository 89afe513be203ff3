/*
 * backend: the Tables API sent on to a DynamoDB-compatible engine
 * (DynamoDB itself, ScyllaDB Alternator, or another lambdad's
 * dynamodb_listen) instead of the embedded store: `tables_backend = URL`.
 *
 * The door checks the caller's grants first, then hands the request body
 * and its operation here; the call goes out as the SDKs send it (POST /,
 * X-Amz-Target, application/x-amz-json-1.0), signed with SigV4 under
 * `tables_backend_key = ID:SECRET` for service "dynamodb", over a small
 * pool of keep-alive connections, and the engine's status and body come
 * back to the callback on the loop.  Several lambdad machines pointed at
 * one engine share its tables; functions do not change.
 *
 * Only http:// URLs are taken (an Alternator cluster on a private network,
 * a second lambdad); TLS to DynamoDB itself needs a TLS terminator in
 * between today.
 */
#ifndef LAMBDAD_TABLES_BACKEND_H
#define LAMBDAD_TABLES_BACKEND_H

#include <stddef.h>

#include <uv.h>

struct tables_backend;

/*
 * The engine's reply: status (0 when no reply came: errmsg says why),
 * body and its length (valid during the call only).
 */
typedef void (*tables_backend_cb)(void *arg, int status, const char *body,
	    size_t len, const char *errmsg);

/* Check a URL as the config takes it: 0, or -1 with a sentence in err. */
int	tables_backend_url_ok(const char *url, char *err, size_t errlen);
/*
 * A backend for url, signing with key ("ID:SECRET", or NULL: unsigned).
 * The host is resolved now (start-up or reload, not per call).  NULL with a
 * sentence in err.
 */
struct tables_backend *tables_backend_new(uv_loop_t *loop, const char *url,
	    const char *key, char *err, size_t errlen);
/* Send one call (op is "PutItem", ...; body is copied).  cb runs exactly
 * once, later, on the loop.  0 or -ENOMEM. */
int	tables_backend_call(struct tables_backend *be, const char *op,
	    const char *body, size_t len, tables_backend_cb cb, void *arg);
/* Calls sent or waiting. */
unsigned tables_backend_pending(const struct tables_backend *be);
/* Fail every waiting call (cb with status 0), close the connections, free
 * once libuv has let go of them.  NULL-safe. */
void	tables_backend_free(struct tables_backend *be);

#endif
